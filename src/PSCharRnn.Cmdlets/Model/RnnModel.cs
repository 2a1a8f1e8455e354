using PSCharRnn.Corpus;
using PSCharRnn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// The book's RNN from scratch: five explicit leaf tensors and nothing else. It owns native memory, so it
/// is disposable; it also carries what a user wants to know about it later: vocabulary, history, settings.
/// </summary>
public sealed class RnnModel : IDisposable
{
    public const string RnnCellType = "RNN";

    /// <summary>Weights ~ N(0, 0.01), biases 0, as the book's get_params.</summary>
    public RnnModel(Vocabulary vocabulary, int hiddenSize, long? seed = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        Native.TorchRuntime.EnsureLoaded();
        Vocabulary = vocabulary;
        HiddenSize = hiddenSize;
        Device = device ?? CPU;
        using var generator = seed is null ? null : new Generator((ulong)seed.Value);
        int v = vocabulary.Count, h = hiddenSize;
        Tensor Normal(long rows, long columns)
        {
            using var sample = randn(rows, columns, dtype, Device, generator: generator);
            return (sample * 0.01).requires_grad_();
        }
        W_xh = Normal(v, h);
        W_hh = Normal(h, h);
        b_h = zeros(h, dtype, Device, requires_grad: true);
        W_hq = Normal(h, v);
        b_q = zeros(v, dtype, Device, requires_grad: true);
    }

    /// <summary>Wraps existing tensors (e.g. loaded from a file); the model takes ownership of them.</summary>
    public RnnModel(Vocabulary vocabulary, int hiddenSize, Tensor wXh, Tensor wHh, Tensor bH, Tensor wHq, Tensor bQ)
    {
        Vocabulary = vocabulary;
        HiddenSize = hiddenSize;
        Device = wXh.device;
        (W_xh, W_hh, b_h, W_hq, b_q) = (wXh, wHh, bH, wHq, bQ);
        foreach (var p in Parameters) p.requires_grad_();
    }

    public Vocabulary Vocabulary { get; }
    public int HiddenSize { get; }
    public int VocabularySize => Vocabulary.Count;
    public string CellType => RnnCellType;
    public Device Device { get; }

    public Tensor W_xh { get; }
    public Tensor W_hh { get; }
    public Tensor b_h { get; }
    public Tensor W_hq { get; }
    public Tensor b_q { get; }

    public Tensor[] Parameters => new[] { W_xh, W_hh, b_h, W_hq, b_q };

    public static readonly IReadOnlyList<string> ParameterNames = new[] { "W_xh", "W_hh", "b_h", "W_hq", "b_q" };

    public long ParameterCount => Parameters.Sum(p => p.numel());

    /// <summary>The corpus the model was made from or last trained on, so a pipeline can train it without naming it again.</summary>
    public LyricsCorpus? Corpus { get; set; }

    /// <summary>Every epoch this model was trained, across all training runs.</summary>
    public List<EpochRecord> History { get; } = new();

    /// <summary>The settings of the last training run.</summary>
    public TrainingOptions? LastTraining { get; set; }

    public int EpochsTrained => History.Count == 0 ? 0 : History[^1].Epoch;

    public double? Perplexity => History.Count == 0 ? null : History[^1].Perplexity;

    public Tensor InitialState(long batchSize) => zeros(batchSize, HiddenSize, W_hh.dtype, Device);

    /// <summary>Copies of the parameters' values, to restore after a failed (diverged) epoch.</summary>
    public Tensor[] Snapshot()
    {
        using var _ = no_grad();
        return Parameters.Select(p => p.detach().clone()).ToArray();
    }

    public void Restore(IReadOnlyList<Tensor> snapshot)
    {
        using var _ = no_grad();
        for (int i = 0; i < snapshot.Count; i++) Parameters[i].copy_(snapshot[i]);
    }

    public void Dispose()
    {
        foreach (var p in Parameters) p.Dispose();
    }

    public override string ToString() =>
        $"{CellType} model: hidden {HiddenSize}, vocabulary {VocabularySize}, {EpochsTrained} epochs trained";
}
