using System.Numerics;
using System.Runtime.CompilerServices;
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
    /// <paramref name="classes"/> characters, as it makes them here: the logits H·W_hq, dL/dH = D·W_hqᵀ, and dL/dW_hq
    /// as Hᵀ·D or as (Dᵀ·H)ᵀ, whichever <see cref="WeightGradientTransposed{T}"/> measured faster.
    /// </summary>
    public static IReadOnlyList<ProductShape> Products<T>(int rows, int width, int classes, Precision precision = Precision.Full)
        where T : unmanaged, IFloatingPointIeee754<T> =>
    [
        ProductShape.Of<T>(false, false, rows, classes, width),
        ProductShape.Of<T>(false, true, rows, width, classes),
        WeightGradientTransposed<T>(rows, width, classes, precision)
            ? ProductShape.Of<T>(true, false, classes, width, rows)
            : ProductShape.Of<T>(true, false, width, classes, rows),
    ];

    /// <summary>
    /// Whether dL/dW_hq is made as Dᵀ·H, [V, H], and then transposed, rather than as Hᵀ·D straight into its [H, V]:
    /// the two products pack and stream their operands differently, and which is faster with the transpose counted
    /// depends on the processor and the backend, so the planner measures both ways once for the shape and keeps the
    /// choice with the plans (a choice that changed between processes would change a seeded run's sums).
    /// </summary>
    public static bool WeightGradientTransposed<T>(int rows, int width, int classes, Precision precision = Precision.Full)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string subject = $"{ProductShape.Of<T>(true, false, width, classes, rows).Element} dL/dW_hq [{width},{classes}] from H [{rows},{width}] " +
            $"and D [{rows},{classes}] as {Straight} or {Transposed}, products among {string.Join(",", Gemm.Candidates<T>(precision))}";
        return GemmPlanner.Default.ChooseWay(subject, () =>
        {
            var inputs = NewDisposeScope();
            var type = typeof(T) == typeof(float) ? ScalarType.Float32 : ScalarType.Float64;
            using Scalar hiddenValue = 0.01.ToScalar(), differenceValue = 0.001.ToScalar();
            var (hidden, differences) = (full(rows, width, hiddenValue, type), full(rows, classes, differenceValue, type));
            Way Timed(string name, bool transposed) => new(name, () =>
            {
                using var outputs = NewDisposeScope();
                WeightGradient<T>(hidden, differences, 1, precision, transposed);
            });
            return ([Timed(Straight, false), Timed(Transposed, true)], inputs);
        }).Way == Transposed;
    }

    private const string Straight = "Hᵀ·D", Transposed = "(Dᵀ·H)ᵀ";

    /// <summary>
    /// dL/dW_hq = <paramref name="scale"/>·Hᵀ·D for <paramref name="hidden"/> H [N, H] and <paramref name="differences"/>
    /// D [N, V]: straight, or as (Dᵀ·H)ᵀ when <paramref name="transposed"/> (the node takes the way measured faster).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe Tensor WeightGradient<T>(Tensor hidden, Tensor differences, double scale, Precision precision, bool transposed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int classes = (int)differences.shape[1];
        using var d = new SharedOperand<T>(TensorMemory.Of<T>(differences), (int)differences.shape[0], classes, classes);
        return WeightGradient(hidden, d, classes, scale, precision, transposed);
    }

    // The same, for a D that dL/dH's product shares.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe Tensor WeightGradient<T>(Tensor hidden, SharedOperand<T> differences, int classes, double scale, Precision precision, bool transposed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)hidden.shape[0], width = (int)hidden.shape[1];
        using var h = new SharedOperand<T>(TensorMemory.Of<T>(hidden), rows, width, width);
        T alpha = T.CreateTruncating(scale);
        if (!transposed)
        {
            var gradient = empty(width, classes, dtype: hidden.dtype, device: hidden.device);
            Gemm.Multiply(true, false, width, classes, rows, alpha, h, differences, T.Zero, TensorMemory.Of<T>(gradient), classes, precision);
            return gradient;
        }
        using var gradientTransposed = empty(classes, width, dtype: hidden.dtype, device: hidden.device);
        Gemm.Multiply(true, false, classes, width, rows, alpha, differences, h, T.Zero, TensorMemory.Of<T>(gradientTransposed), width, precision);
        return gradientTransposed.t().contiguous();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (double CrossEntropy, double Uniform) Forward<T>(Tensor hidden, Tensor wHq, Tensor bQ, Tensor targets, Tensor probabilities,
        bool smoothing, Precision precision) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)hidden.shape[0], width = (int)hidden.shape[1], classes = (int)wHq.shape[1];
        T* logits = TensorMemory.Of<T>(probabilities), bias = TensorMemory.Of<T>(bQ);
        long* target = TensorMemory.Of<long>(targets);
        Gemm.Multiply(false, false, rows, classes, width, T.One, TensorMemory.Of<T>(hidden), width, TensorMemory.Of<T>(wHq), classes, T.Zero, logits, classes, precision);
        // One share of the rows per libtorch thread: the passes are memory-bound and short.
        int parts = Math.Clamp(get_num_threads(), 1, Math.Max(1, rows));
        var sums = new (double CrossEntropy, double Uniform)[parts];
        ThreadTeam.For(parts, part =>
        {
            double sum = 0, uniform = 0;
            var b = new ReadOnlySpan<T>(bias, classes);
            var (start, end) = ThreadTeam.Share(rows, parts, part);
            for (int i = start; i < end; i++)
            {
                var row = new Span<T>(logits + (long)i * classes, classes);
                T max = Elementwise.AddAndMax(row, b, row), logit = row[(int)target[i]];
                T mean = smoothing ? Elementwise.Sum<T>(row) / T.CreateTruncating(classes) : T.Zero;
                T total = Elementwise.ExpAndSum(row, max, row);
                Elementwise.DivideAndFlush(row, total);
                sum += double.CreateTruncating(max - logit + T.Log(total));
                uniform += double.CreateTruncating(max - mean + T.Log(total));   // −log p_j = max + log Σ − logit_j, averaged over j
            }
            sums[part] = (sum, uniform);
        });
        return (sums.Sum(s => s.CrossEntropy) / rows, sums.Sum(s => s.Uniform) / rows);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var saved = ctx.get_saved_variables();
        var (hidden, wHq, targets, probabilities) = (saved[0], saved[1], saved[2], saved[3]);
        double scale = gradOutputs[0].ToDouble() / hidden.shape[0], epsilon = (double)ctx.get_data(nameof(LossTerms.LabelSmoothing));
        var precision = (Precision)ctx.get_data(nameof(LossTerms.Precision));
        var gradHidden = empty_like(hidden);
        if (epsilon > 0)
        {
            using var spread = (epsilon / wHq.shape[1]).ToScalar();
            probabilities.sub_(spread);
        }
        using var gradScale = scale.ToScalar();
        var gradW = hidden.dtype == ScalarType.Float32
            ? Backward<float>(hidden, wHq, targets, probabilities, 1 - epsilon, scale, gradHidden, precision)
            : Backward<double>(hidden, wHq, targets, probabilities, 1 - epsilon, scale, gradHidden, precision);
        return new() { gradHidden, gradW, probabilities.sum(dim: 0).mul_(gradScale), null!, null! };
    }

    // With D = softmax − target (made in place: the node runs backward once; the caller has already taken ε/V from
    // every entry, and the target's own weight is 1 − ε), dL/dlogits = scale·D, so dL/dH = scale·D·W_hqᵀ (into
    // gradHidden) and dL/dW_hq = scale·Hᵀ·D (returned); the caller takes dL/db_q = scale·Σ_rows D.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe Tensor Backward<T>(Tensor hidden, Tensor wHq, Tensor targets, Tensor probabilities, double targetWeight, double scale,
        Tensor gradHidden, Precision precision) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)hidden.shape[0], width = (int)hidden.shape[1], classes = (int)wHq.shape[1];
        T* d = TensorMemory.Of<T>(probabilities);
        long* target = TensorMemory.Of<long>(targets);
        T weight = T.CreateTruncating(targetWeight);
        for (int i = 0; i < rows; i++) d[(long)i * classes + target[i]] -= weight;
        using var differences = new SharedOperand<T>(d, rows, classes, classes);
        using var weights = new SharedOperand<T>(TensorMemory.Of<T>(wHq), width, classes, classes);
        Gemm.Multiply(false, true, rows, width, classes, T.CreateTruncating(scale), differences, weights, T.Zero, TensorMemory.Of<T>(gradHidden), width, precision);
        return WeightGradient(hidden, differences, classes, scale, precision, WeightGradientTransposed<T>(rows, width, classes, precision));
    }
}
