using System.Numerics;
using PSCharRnn.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// What the loss node takes besides tensors and what it reports besides the loss it differentiates: label smoothing
/// ε (the target is (1 − ε)·one-hot + ε/V, so no character's probability is driven to zero) and the precision of its
/// products in, the plain mean cross-entropy of the targets (the perplexity's, which smoothing does not change) out.
/// </summary>
public sealed class LossTerms
{
    public LossTerms(double labelSmoothing = 0, Precision precision = Precision.Full)
    {
        LabelSmoothing = labelSmoothing;
        Precision = precision;
    }

    public double LabelSmoothing { get; }

    public Precision Precision { get; }

    /// <summary>The mean of −log p(target), set by the forward pass.</summary>
    public double CrossEntropy { get; internal set; }
}

/// <summary>
/// The output layer and the book's loss as one autograd node: logits = H·W_hq + b_q, then the mean cross-entropy
/// against the next characters (with optional label smoothing). The forward pass keeps the softmax, so the backward
/// pass is softmax − target in place and two products that carry the 1/N: no log-softmax round trip, no [N, V]
/// one-hot, no extra passes.
/// </summary>
public sealed class SoftmaxCrossEntropy : autograd.MultiTensorFunction<SoftmaxCrossEntropy>
{
    public override string Name => nameof(SoftmaxCrossEntropy);

    /// <summary>
    /// <paramref name="hidden"/>: [N, H]; <paramref name="wHq"/>: [H, V]; <paramref name="bQ"/>: [V];
    /// <paramref name="targets"/>: [N] int64. Returns the mean (smoothed) cross-entropy, a scalar.
    /// </summary>
    public static Tensor Mean(Tensor hidden, Tensor wHq, Tensor bQ, Tensor targets, LossTerms? terms = null) =>
        apply(hidden, wHq, bQ, targets, terms ?? new LossTerms())[0];

    /// <summary>
    /// The node's three products for <paramref name="rows"/> states of <paramref name="width"/> units and
    /// <paramref name="classes"/> characters: the logits H·W_hq, dL/dH = D·W_hqᵀ and (dL/dW_hq)ᵀ = Dᵀ·H.
    /// </summary>
    public static IReadOnlyList<ProductShape> Products<T>(int rows, int width, int classes) =>
    [
        ProductShape.Of<T>(false, false, rows, classes, width),
        ProductShape.Of<T>(false, true, rows, width, classes),
        ProductShape.Of<T>(true, false, classes, width, rows),
    ];

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (hidden, wHq, bQ, targets) = (((Tensor)vars[0]).contiguous(), ((Tensor)vars[1]).contiguous(), ((Tensor)vars[2]).contiguous(), ((Tensor)vars[3]).contiguous());
        var terms = (LossTerms)vars[4];
        var probabilities = empty(hidden.shape[0], wHq.shape[1], dtype: hidden.dtype, device: hidden.device);
        double epsilon = terms.LabelSmoothing;
        var (crossEntropy, smoothed) = hidden.dtype == ScalarType.Float32
            ? Forward<float>(hidden, wHq, bQ, targets, probabilities, epsilon > 0, terms.Precision)
            : Forward<double>(hidden, wHq, bQ, targets, probabilities, epsilon > 0, terms.Precision);
        terms.CrossEntropy = crossEntropy;
        ctx.save_for_backward(new() { hidden, wHq, targets, probabilities });
        ctx.save_data(nameof(LossTerms.LabelSmoothing), epsilon);
        ctx.save_data(nameof(LossTerms.Precision), terms.Precision);
        return new() { tensor((1 - epsilon) * crossEntropy + epsilon * smoothed, dtype: hidden.dtype, device: hidden.device) };
    }

    // Fills probabilities with each row's softmax; returns the means of −log p(target) and, when smoothing needs it
    // (a pass over each row more), of −(1/V)·Σ_j log p_j.
    private static unsafe (double CrossEntropy, double Uniform) Forward<T>(Tensor hidden, Tensor wHq, Tensor bQ, Tensor targets, Tensor probabilities,
        bool smoothing, Precision precision) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)hidden.shape[0], width = (int)hidden.shape[1], classes = (int)wHq.shape[1];
        T* logits = TensorMemory.Of<T>(probabilities), bias = TensorMemory.Of<T>(bQ);
        long* target = TensorMemory.Of<long>(targets);
        Gemm.Multiply(false, false, rows, classes, width, T.One, TensorMemory.Of<T>(hidden), width, TensorMemory.Of<T>(wHq), classes, T.Zero, logits, classes, precision);
        var parts = Partition(rows);
        var sums = new (double CrossEntropy, double Uniform)[parts.Length];
        ThreadTeam.For(parts.Length, part =>
        {
            double sum = 0, uniform = 0;
            var b = new ReadOnlySpan<T>(bias, classes);
            for (int i = parts[part].Start; i < parts[part].End; i++)
            {
                var row = new Span<T>(logits + (long)i * classes, classes);
                Elementwise.Add(row, b, row);
                T max = Elementwise.Max<T>(row), logit = row[(int)target[i]];
                T mean = smoothing ? Elementwise.Sum<T>(row) / T.CreateTruncating(classes) : T.Zero;
                Elementwise.Subtract(row, max, row);
                Elementwise.Exp<T>(row, row);
                T total = Elementwise.Sum<T>(row);
                Elementwise.Divide(row, total, row);
                Elementwise.FlushSubnormals(row);
                sum += double.CreateTruncating(max - logit + T.Log(total));
                uniform += double.CreateTruncating(max - mean + T.Log(total));   // −log p_j = max + log Σ − logit_j, averaged over j
            }
            sums[part] = (sum, uniform);
        });
        return (sums.Sum(s => s.CrossEntropy) / rows, sums.Sum(s => s.Uniform) / rows);
    }

    // Row ranges for the element-wise passes, one per libtorch thread (the passes are memory-bound and short).
    private static (int Start, int End)[] Partition(int rows)
    {
        int count = Math.Clamp(get_num_threads(), 1, Math.Max(1, rows));
        return Enumerable.Range(0, count).Select(p => ((int)((long)rows * p / count), (int)((long)rows * (p + 1) / count))).ToArray();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var saved = ctx.get_saved_variables();
        var (hidden, wHq, targets, probabilities) = (saved[0], saved[1], saved[2], saved[3]);
        double scale = gradOutputs[0].ToDouble() / hidden.shape[0], epsilon = (double)ctx.get_data(nameof(LossTerms.LabelSmoothing));
        var precision = (Precision)ctx.get_data(nameof(LossTerms.Precision));
        var gradHidden = empty_like(hidden);
        var gradWTransposed = empty(wHq.shape[1], wHq.shape[0], dtype: wHq.dtype, device: wHq.device);
        if (epsilon > 0) probabilities.sub_(epsilon / wHq.shape[1]);
        if (hidden.dtype == ScalarType.Float32) Backward<float>(hidden, wHq, targets, probabilities, 1 - epsilon, scale, gradHidden, gradWTransposed, precision);
        else Backward<double>(hidden, wHq, targets, probabilities, 1 - epsilon, scale, gradHidden, gradWTransposed, precision);
        return new() { gradHidden, gradWTransposed.t().contiguous(), probabilities.sum(dim: 0).mul_(scale), null!, null! };
    }

    // With D = softmax − target (made in place: the node runs backward once; the caller has already taken ε/V from
    // every entry, and the target's own weight is 1 − ε), dL/dlogits = scale·D, so
    // dL/dH = scale·D·W_hqᵀ and (dL/dW_hq)ᵀ = scale·Dᵀ·H; the caller takes dL/db_q = scale·Σ_rows D. The [V, H]
    // product Dᵀ·H runs faster than the [H, V] product Hᵀ·D (measured here: MKL 2.5 against 3.0 ms, the AVX-512
    // kernel 1.3 against 1.55), by more than the 0.1 ms transpose that follows.
    private static unsafe void Backward<T>(Tensor hidden, Tensor wHq, Tensor targets, Tensor probabilities, double targetWeight, double scale,
        Tensor gradHidden, Tensor gradWTransposed, Precision precision) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)hidden.shape[0], width = (int)hidden.shape[1], classes = (int)wHq.shape[1];
        T* h = TensorMemory.Of<T>(hidden), w = TensorMemory.Of<T>(wHq), d = TensorMemory.Of<T>(probabilities);
        long* target = TensorMemory.Of<long>(targets);
        T weight = T.CreateTruncating(targetWeight);
        for (int i = 0; i < rows; i++) d[(long)i * classes + target[i]] -= weight;
        T alpha = T.CreateTruncating(scale);
        Gemm.Multiply(false, true, rows, width, classes, alpha, d, classes, w, classes, T.Zero, TensorMemory.Of<T>(gradHidden), width, precision);
        Gemm.Multiply(true, false, classes, width, rows, alpha, d, classes, h, width, T.Zero, TensorMemory.Of<T>(gradWTransposed), width, precision);
    }
}
