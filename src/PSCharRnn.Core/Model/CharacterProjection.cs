using System.Numerics;
using System.Runtime.CompilerServices;
using PSCharRnn.Numerics;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// Characters' rows of weight matrices as one autograd node: for each character index x, row x of every matrix side by
/// side, plus each matrix's bias when there are biases ([T, B, G]: the one-hot product X·[W_1|…|W_n] + [b_1|…|b_n]).
/// Backward sums each character's gradient row straight into its matrices' gradient rows, and the rows into the
/// biases'. Against cat, index_select and add_ it copies no joined matrix, makes no sorted index_add and leaves
/// autograd no slices of a joined gradient to copy out.
/// </summary>
public sealed class CharacterProjection : autograd.MultiTensorFunction<CharacterProjection>
{
    public override string Name => nameof(CharacterProjection);

    /// <summary>
    /// <paramref name="characters"/>: [T, B] int64 indices below every matrix's row count; <paramref name="weights"/>:
    /// [V, G_i] each; <paramref name="biases"/>: [G_i] each, or none. Returns [T, B, Σ G_i].
    /// </summary>
    public static Tensor Of(Tensor characters, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor> biases)
    {
        if (characters.dtype != ScalarType.Int64)
            throw new ArgumentException($"Character indices are int64, not {characters.dtype}.", nameof(characters));
        if (biases.Count != 0 && biases.Count != weights.Count)
            throw new ArgumentException($"{biases.Count} biases for {weights.Count} matrices.", nameof(biases));
        return apply([characters, .. weights, .. biases, weights.Count])[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (characters, weights, biases) = Operands(vars);
        long steps = characters.shape[0], batch = characters.shape[1];
        var projected = empty(steps, batch, weights.Sum(w => w.shape[1]), dtype: weights[0].dtype, device: weights[0].device);
        if (projected.dtype == ScalarType.Float32) Forward<float>(characters, weights, biases, projected);
        else Forward<double>(characters, weights, biases, projected);
        ctx.save_for_backward(new() { characters });
        ctx.save_data("Rows", weights.Select(w => w.shape[0]).ToArray());
        ctx.save_data("Widths", weights.Select(w => w.shape[1]).ToArray());
        ctx.save_data("Biased", biases.Length != 0);
        return new() { projected };
    }

    private static (Tensor Characters, Tensor[] Weights, Tensor[] Biases) Operands(object[] vars)
    {
        int count = (int)vars[^1];
        var tensors = vars[..^1].Cast<Tensor>().Select(t => t.contiguous()).ToArray();
        return (tensors[0], tensors[1..(1 + count)], tensors[(1 + count)..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Forward<T>(Tensor characters, Tensor[] weights, Tensor[] biases, Tensor projected)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long* x = TensorMemory.Of<long>(characters);
        T* target = TensorMemory.Of<T>(projected);
        var (sources, offsets, widths) = (Addresses<T>(weights), Addresses<T>(biases), Widths(weights));
        long[] rows = weights.Select(w => w.shape[0]).ToArray();
        int total = widths.Sum(), count = (int)characters.numel();
        ThreadTeam.ForRanges(count, Gemm.Threads(split: true, count), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (first, end) =>
        {
            for (int r = first; r < end; r++)
            {
                long character = x[r];
                T* row = target + (long)r * total;
                for (int i = 0; i < widths.Length; row += widths[i], i++)
                {
                    if ((ulong)character >= (ulong)rows[i])
                        throw new ArgumentOutOfRangeException(nameof(characters), character, $"A character index must be below the matrix's {rows[i]} rows.");
                    var source = new ReadOnlySpan<T>((T*)sources[i] + character * widths[i], widths[i]);
                    if (offsets.Length == 0) source.CopyTo(new Span<T>(row, widths[i]));
                    else Elementwise.Add(source, new ReadOnlySpan<T>((T*)offsets[i], widths[i]), new Span<T>(row, widths[i]));
                }
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var characters = ctx.get_saved_variables()[0];
        var (rows, widths, biased) = ((long[])ctx.get_data("Rows"), (long[])ctx.get_data("Widths"), (bool)ctx.get_data("Biased"));
        var grad = gradOutputs[0].contiguous();
        var weightGradients = rows.Select((v, i) => zeros(v, widths[i], dtype: grad.dtype, device: grad.device)).ToArray();
        var biasGradients = biased ? widths.Select(w => zeros(w, dtype: grad.dtype, device: grad.device)).ToArray() : [];
        if (grad.dtype == ScalarType.Float32) Backward<float>(characters, grad, weightGradients, biasGradients);
        else Backward<double>(characters, grad, weightGradients, biasGradients);
        return [null!, .. weightGradients, .. biasGradients, null!];                 // none for the indices and the count
    }

    // Each part of the columns, every row in order: each gradient element is the same sum, in the same order, however
    // the columns are shared among threads.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Backward<T>(Tensor characters, Tensor grad, Tensor[] weightGradients, Tensor[] biasGradients)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long* x = TensorMemory.Of<long>(characters);
        T* source = TensorMemory.Of<T>(grad);
        var (weights, biases, widths) = (Addresses<T>(weightGradients), Addresses<T>(biasGradients), Widths(weightGradients));
        int total = widths.Sum(), count = (int)characters.numel();
        ThreadTeam.ForRanges(total, Gemm.Threads(split: true, total), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (firstColumn, endColumn) =>
        {
            for (int i = 0, start = 0; i < widths.Length; start += widths[i], i++)
            {
                int from = Math.Max(firstColumn, start), to = Math.Min(endColumn, start + widths[i]);
                if (from >= to) continue;
                for (int r = 0; r < count; r++)
                {
                    var row = new ReadOnlySpan<T>(source + (long)r * total + from, to - from);
                    var weightRow = new Span<T>((T*)weights[i] + x[r] * widths[i] + (from - start), to - from);
                    Elementwise.Add(weightRow, row, weightRow);
                    if (biases.Length == 0) continue;
                    var bias = new Span<T>((T*)biases[i] + (from - start), to - from);
                    Elementwise.Add(bias, row, bias);
                }
            }
        });
    }

    // Each tensor's first element, as nint: a pointer type cannot be a type argument (of Select, of ToArray).
    private static unsafe nint[] Addresses<T>(Tensor[] tensors) where T : unmanaged => tensors.Select(t => (nint)TensorMemory.Of<T>(t)).ToArray();

    private static int[] Widths(Tensor[] matrices) => matrices.Select(m => (int)m.shape[1]).ToArray();
}
