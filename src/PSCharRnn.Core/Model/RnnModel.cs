using System.Runtime.CompilerServices;
using PSCharRnn.Corpus;
using PSCharRnn.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>A parameter tensor with its name, e.g. 'layers.0.W_xh'.</summary>
public sealed record NamedParameter(string Name, Parameter Value);

/// <summary>
/// A character-level recurrent model from scratch: explicit named parameter tensors, layers of one cell type,
/// and the output layer W_hq, b_q. It owns native memory, so it is disposable; it also carries what a user
/// wants to know about it later: vocabulary, history, settings, and the optimizer's state.
/// </summary>
public sealed class RnnModel : IDisposable
{
    private readonly List<NamedParameter> named;

    /// <summary>Weights ~ N(0, 0.01), biases 0, as the book's get_params (an embedding as its description says).</summary>
    public RnnModel(Vocabulary vocabulary, ModelDescription description, long? seed = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : this(vocabulary, description, Initialise(description, seed, device ?? CPU, dtype))
    {
    }

    /// <summary>The book's single-layer RNN.</summary>
    public RnnModel(Vocabulary vocabulary, int hiddenSize, long? seed = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : this(vocabulary, new ModelDescription(CellType.RNN, vocabulary.Count, hiddenSize), seed, device, dtype)
    {
    }

    /// <summary>Wraps existing tensors by name (e.g. loaded from a file); the model takes ownership of them.</summary>
    public RnnModel(Vocabulary vocabulary, ModelDescription description, IReadOnlyDictionary<string, Tensor> tensors)
    {
        CheckGemmBackend();
        if (description.VocabularySize != vocabulary.Count)
            throw new ArgumentException($"The description's vocabulary size {description.VocabularySize} is not the vocabulary's {vocabulary.Count}.");
        Vocabulary = vocabulary;
        Description = description;
        named = description.Parameters.Select(spec => new NamedParameter(spec.Name, new Parameter(tensors[spec.Name], requires_grad: true))).ToList();
        Device = named[0].Value.device;
        var byName = named.ToDictionary(p => p.Name, p => p.Value);
        Layers = Enumerable.Range(0, description.NumLayers).Select(l =>
        {
            string prefix = ModelDescription.LayerPrefix(l);
            List<Parameter> Of(string kind) => description.Gates.Select(g => byName[$"{prefix}{kind}{g}"]).ToList();
            return new RecurrentLayer(description.Cell, Of("W_x"), Of("W_h"), Of("b_"));
        }).ToList();
        b_q = byName["b_q"];
        Embedding = description.HasEmbedding ? byName[ModelDescription.EmbeddingName] : null;
        outputWeights = description.TiedOutput ? null : byName["W_hq"];
    }

    private static Dictionary<string, Tensor> Initialise(ModelDescription description, long? seed, Device device, ScalarType dtype)
    {
        CheckGemmBackend();
        MemoryBudget.EnsureModelFits(description);
        Native.TorchRuntime.EnsureLoaded();
        using var generator = seed is null ? null : new Generator((ulong)seed.Value);
        return description.Parameters.ToDictionary(spec => spec.Name, spec =>
        {
            if (spec.Shape.Length == 1) return zeros(spec.Shape, dtype, device);
            using var sample = randn(spec.Shape, dtype, device, generator: generator);
            return sample * spec.InitialStd;
        });
    }

    // A model's recurrences and loss multiply through the process's backend: a bad PSCHARRNN_GEMM fails here, before
    // any tensor is made and long before a product.
    private static void CheckGemmBackend() => _ = Gemm.Forced;

    public Vocabulary Vocabulary { get; }
    public ModelDescription Description { get; }
    public CellType CellType => Description.Cell;
    public int NumLayers => Description.NumLayers;
    public int HiddenSize => Description.HiddenSize;
    public int VocabularySize => Vocabulary.Count;
    public Device Device { get; }

    /// <summary>What training drops out of this model (nothing at inference).</summary>
    public DropoutRates Dropouts
    {
        get => dropouts;
        set => dropouts = value ?? throw new ArgumentNullException(nameof(value));
    }

    private DropoutRates dropouts = DropoutRates.None;

    /// <summary>Whether training draws any dropout mask for this model.</summary>
    public bool DropsOut => Dropouts.AppliesTo(NumLayers);

    /// <summary>The character embedding [V, E], or null when characters enter as one-hot vectors (the book's).</summary>
    public Parameter? Embedding { get; }

    public IReadOnlyList<RecurrentLayer> Layers { get; }
    private readonly Parameter? outputWeights;

    /// <summary>The output layer's weights [H, V]: its own W_hq, or with tied weights a view of the embedding, transposed.</summary>
    public Tensor W_hq => outputWeights ?? Embedding!.t();

    public Parameter b_q { get; }

    /// <summary>The element type of every parameter.</summary>
    public ScalarType DType => b_q.dtype;

    /// <summary>Every parameter with its name, in the description's order.</summary>
    public IReadOnlyList<NamedParameter> NamedParameters => named;

    public Parameter[] Parameters => named.Select(p => p.Value).ToArray();

    /// <summary>A parameter by its name, e.g. 'layers.0.W_xh' or 'W_hq'.</summary>
    public Parameter GetParameter(string name) => named.First(p => p.Name == name).Value;

    public long ParameterCount => Description.ParameterCount;

    /// <summary>The corpus the model was made from or last trained on, so a pipeline can train it without naming it again.</summary>
    public LyricsCorpus? Corpus { get; set; }

    /// <summary>The file this model was last loaded from or saved to, if any.</summary>
    public string? Path { get; set; }

    /// <summary>Every epoch this model was trained, across all training runs.</summary>
    public List<EpochRecord> History { get; } = new();

    /// <summary>The settings of the last training run.</summary>
    public TrainingOptions? LastTraining { get; set; }

    /// <summary>The optimizer and its state (Adam's moments), kept so that training resumes where it stopped.</summary>
    public ModelOptimizer? Optimizer { get; set; }

    public int EpochsTrained => History.Count == 0 ? 0 : History[^1].Epoch;

    public double? Perplexity => History.Count == 0 ? null : History[^1].Perplexity;

    /// <summary>Why the last training run ended before its -Epochs (e.g. -Patience); null when it ran them all.</summary>
    public string? StoppedBecause => History.Count == 0 ? null : History[^1].StoppedBecause;

    public RecurrentState InitialState(long batchSize) => RecurrentState.Zeros(Description, batchSize, DType, Device);

    /// <summary>
    /// <paramref name="inputs"/>: [T, B] int64, time-major. Returns logits [T·B, V] (time-major) and the state after the
    /// last step. With a <paramref name="dropoutGenerator"/> (training), dropout applies between stacked layers.
    /// </summary>
    public (Tensor Logits, RecurrentState State) Forward(Tensor inputs, RecurrentState state, Generator? dropoutGenerator = null)
    {
        var (top, last) = TopStates(inputs, state, dropoutGenerator);
        return (b_q.addmm(top, W_hq), last);
    }

    /// <summary>
    /// The book's loss for <paramref name="inputs"/> ([T, B] int64) against <paramref name="targets"/> ([T·B] int64, time-major):
    /// the mean cross-entropy of the output layer's logits, computed as one node, and the state after the last step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (Tensor Loss, RecurrentState State) Loss(Tensor inputs, Tensor targets, RecurrentState state, Generator? dropoutGenerator = null,
        LossTerms? terms = null)
    {
        var (top, last) = TopStates(inputs, state, dropoutGenerator);
        return (SoftmaxCrossEntropy.Mean(top, W_hq, b_q, targets, terms), last);
    }

    // The top layer's states [T·B, H], which the output layer reads. Dropout between layers draws a mask per step (the
    // book's chapter); input and output dropout draw one mask per sequence for all its steps (variational dropout, as
    // AWD-LSTM), and recurrent dropout one mask of the recurrent weights per minibatch.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (Tensor Top, RecurrentState State) TopStates(Tensor inputs, RecurrentState state, Generator? generator)
    {
        Tensor PerStep(Tensor x, double p) => generator is null || p == 0 ? x : Dropped(x, empty_like(x), p, generator);
        Tensor PerSequence(Tensor x, double p) => generator is null || p == 0 ? x : Dropped(x, empty(1, x.shape[1], x.shape[2], x.dtype, x.device), p, generator);
        Tensor Weights(Tensor w) => generator is null || Dropouts.Recurrent == 0 ? w : Dropped(w, empty_like(w), Dropouts.Recurrent, generator);
        Tensor Characters(Tensor x) => generator is null || Dropouts.Character == 0 ? x : Dropped(x, empty(x.shape[0], x.shape[1], 1, x.dtype, x.device), Dropouts.Character, generator);
        Tensor Input(Tensor x) => PerSequence(Characters(x), Dropouts.Input);
        var x = Embedding is null ? inputs : Input(CharacterProjection.Of(inputs, [Embedding], []));
        var hidden = new Tensor[NumLayers];
        var cells = Description.HasMemoryCell ? new Tensor[NumLayers] : null;
        var dropout = generator is null ? null : new LayerDropout(Input, Weights);
        for (int l = 0; l < NumLayers; l++)
        {
            var (outputs, lastHidden, lastCell) = Layers[l].Forward(x, state.Hidden[l], state.Cells?[l], dropout);
            hidden[l] = lastHidden;
            if (cells is not null) cells[l] = lastCell!;
            x = l < NumLayers - 1 ? PerStep(outputs, Dropouts.BetweenLayers) : PerSequence(outputs, Dropouts.Output);
        }
        return (x.reshape(-1, HiddenSize), new RecurrentState(hidden, cells));
    }

    // Inverted dropout: zero each unit with probability p and scale the rest by 1/(1 − p), so inference needs no change.
    // The mask is drawn in the shape of <paramref name="mask"/> and broadcast over x.
    private static Tensor Dropped(Tensor x, Tensor mask, double p, Generator generator)
    {
        using (no_grad())
        {
            using var keep = (1 - p).ToScalar();
            mask.bernoulli_(1 - p, generator).div_(keep);
        }
        return x * mask;
    }

    public void Dispose()
    {
        Optimizer?.Dispose();
        foreach (var (_, p) in named) p.Dispose();
    }

    public override string ToString() =>
        $"{CellType} model: {NumLayers} layer{(NumLayers == 1 ? "" : "s")}, hidden {HiddenSize}, " +
        (Description.HasEmbedding ? $"embedding {Description.EmbeddingSize}{(Description.TiedOutput ? " tied" : "")}, " : "") + $"vocabulary {VocabularySize}, {EpochsTrained} epochs trained";
}
