using PSCharRnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>The perplexity of a text under a model: <see cref="Characters"/> characters scored in <see cref="Seconds"/>.</summary>
public sealed record PerplexityResult(double Perplexity, long Characters, double Seconds, string Model, string Corpus)
{
    /// <summary>The same text's perplexity under the counting baseline (a Kneser-Ney 5-gram of the model's training text), when asked for.</summary>
    public double? BaselinePerplexity { get; init; }

    /// <summary>The model's perplexity as a fraction of the baseline's: below 1, the network beats counting.</summary>
    public double? BaselineRatio => BaselinePerplexity is double baseline ? Perplexity / baseline : null;
}

/// <summary>
/// The perplexity of a text under a model, defined canonically: the text is one sequence, the state starts at zero
/// and is carried through all of it, and every character after the first is scored given all those before it;
/// exp of the mean cross-entropy. No gradients. Training's per-epoch validation figure is this one.
/// </summary>
public static class HeldOutPerplexity
{
    /// <summary>Steps fed to the model at once; the state carries across chunks, so the result does not depend on it.</summary>
    public const int ChunkLength = 512;

    public static (double Perplexity, long Scored) Measure(RnnModel model, IReadOnlyList<int> indices)
    {
        if (indices.Count < 2) throw new ArgumentException("A text needs at least two characters to score one.", nameof(indices));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var state = model.InitialState(1);
        double total = 0;
        long scored = indices.Count - 1;
        for (int start = 0; start < scored; start += ChunkLength)
        {
            using var chunk = NewDisposeScope();
            int length = (int)Math.Min(ChunkLength, scored - start);
            var inputs = tensor(Slice(indices, start, length), new long[] { length, 1 }, device: model.Device);
            var targets = tensor(Slice(indices, start + 1, length), device: model.Device);
            var (logits, next) = model.Forward(inputs, state);
            total += nn.functional.cross_entropy(logits.to(ScalarType.Float64), targets, reduction: nn.Reduction.Sum).ToDouble();
            state = next.MoveToOuterDisposeScope();
        }
        return (Math.Exp(total / scored), scored);
    }

    private static long[] Slice(IReadOnlyList<int> indices, int start, int length)
    {
        var slice = new long[length];
        for (int i = 0; i < length; i++) slice[i] = indices[start + i];
        return slice;
    }
}
