using System.Globalization;
using PSCharRnn.Model;
using PSCharRnn.Numerics;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>
/// What -Precision Mixed does for a training run on this machine: the plan chosen for each of the output layer's
/// products among float32 and bf16 (measured now, or stored), or why they all run in float32.
/// </summary>
public sealed record MixedPrecision(IReadOnlyList<GemmChoice> Products, string? Float32Because)
{
    /// <summary>Whether any product runs in bf16.</summary>
    public bool UsesBf16 => Products.Any(p => Gemm.IsBf16(p.Plan.Backend));

    /// <summary>The plans for a run of <paramref name="model"/> with <paramref name="options"/>; null unless its precision is Mixed.</summary>
    public static MixedPrecision? For(RnnModel model, TrainingOptions options)
    {
        if (options.Precision != Precision.Mixed) return null;
        if (model.DType != ScalarType.Float32) return new([], $"the model computes in {model.DType}");
        if (Gemm.MixedUnavailable is { } why) return new([], why);
        var candidates = Gemm.Candidates<float>(Precision.Mixed);
        var products = SoftmaxCrossEntropy.Products<float>(options.BatchSize * options.NumSteps, (int)model.W_hq.shape[0], model.VocabularySize, Precision.Mixed)
            .Select(shape => GemmPlanner.Default.Choose<float>(shape, candidates)).ToList();
        return new(products, products.Any(p => Gemm.IsBf16(p.Plan.Backend)) ? null
            : "float32 was measured faster than bf16 for each of the output layer's products on this processor");
    }

    /// <summary>One line for the user: which products run in bf16, or that none does and why.</summary>
    public override string ToString() => Float32Because is { } why
        ? $"-Precision Mixed trains in float32 here: {why}."
        : "-Precision Mixed: the output layer's products on " + string.Join("; ", Products.Select(Describe)) + ".";

    private static string Describe(GemmChoice choice)
    {
        string timing = choice.Microseconds.Count == 0 ? "" : " (" + string.Join(", ", choice.Microseconds.OrderBy(t => t.Value)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value:F0} µs"))) + ")";
        return $"{choice.Shape} {choice.Plan}{timing}";
    }
}
