using System.Numerics;
using System.Runtime.CompilerServices;
using PSCharRnn.Numerics;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// The RNN recurrence H_t = tanh(XW_t + H_{t-1}·W_hh) over all time steps as one autograd node, with
/// backpropagation through time written out. Recording it as one node instead of ~10 per step removes most
/// of the per-step dispatch cost, and the W_hh gradient becomes one product over all steps. The sequential
/// loops work on the tensors' memory directly (BLAS products, vectorized element-wise spans).
/// </summary>
public sealed class RnnRecurrence : autograd.MultiTensorFunction<RnnRecurrence>
{
    public override string Name => nameof(RnnRecurrence);

    /// <summary>
    /// <paramref name="projected"/>: [T, B, H], X·W_xh + b_h; <paramref name="wHh"/>: [H, H]; <paramref name="initial"/>: [B, H].
    /// Returns every step's state, [T, B, H].
    /// </summary>
    public static Tensor States(Tensor projected, Tensor wHh, Tensor initial) => apply(projected, wHh, initial)[0];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (projected, wHh, initial) = ((Tensor)vars[0], ((Tensor)vars[1]).contiguous(), ((Tensor)vars[2]).contiguous());
        var states = projected.contiguous().clone();
        if (states.dtype == ScalarType.Float32) Forward<float>(states, wHh, initial);
        else Forward<double>(states, wHh, initial);
        ctx.save_for_backward(new() { states, wHh, initial });
        return new() { states };
    }

    // In place: each step's slice holds XW_t on entry and H_t on return. A thread's tanh takes the columns its share
    // of the product wrote; the next step's product reads every column of H_t.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Forward<T>(Tensor states, Tensor wHh, Tensor initial) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(states);
        int h = shape.Width;
        T* first = TensorMemory.Of<T>(states), w = TensorMemory.Of<T>(wHh), initialOperand = Recurrences.ProductOperand<T>(initial);
        StepTeam.Run<T>(shape.Batch, h, h, shape.Batch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (team) =>
        {
            T* previous = initialOperand;
            for (T* s = first; s < first + (long)shape.Steps * shape.Size; s += shape.Size)
            {
                team.Multiply(shape.Batch, h, h, previous, h, w, h, T.One, s, h);
                team.ForColumns(shape.Batch, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (firstRow, endRow, firstColumn, endColumn) =>
                {
                    for (int b = firstRow; b < endRow; b++)
                    {
                        var row = new Span<T>(s + (long)b * h + firstColumn, endColumn - firstColumn);
                        Elementwise.Tanh<T>(row, row);
                    }
                });
                team.Meet();
                previous = s;
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var saved = ctx.get_saved_variables();
        var (states, wHh, initial) = (saved[0], saved[1], saved[2]);
        var gradProjected = gradOutputs[0].contiguous().clone();           // dL/dH_t, made dL/dZ_t in place
        var wHhTransposed = wHh.t().contiguous();                          // the step products then read W_hhᵀ row by row
        if (states.dtype == ScalarType.Float32) Backward<float>(gradProjected, states, wHhTransposed);
        else Backward<double>(gradProjected, states, wHhTransposed);
        var gradWHh = Recurrences.HiddenWeightGradient(initial, states, gradProjected);
        var gradInitial = initial.requires_grad ? gradProjected[0].mm(wHh.t()) : null;
        return new() { gradProjected, gradWHh, gradInitial! };
    }

    // From the last step back: dL/dZ_t = (dL/dH_t + dL/dZ_{t+1}·W_hhᵀ) ⊙ (1 − H_t²), each thread on the columns its
    // share of the product wrote; the product of the step before reads every column of dL/dZ_t.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Backward<T>(Tensor grad, Tensor states, Tensor wHhTransposed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(grad);
        int h = shape.Width;
        T* lastGrad = TensorMemory.Of<T>(grad) + (shape.Steps - 1) * shape.Size, lastState = TensorMemory.Of<T>(states) + (shape.Steps - 1) * shape.Size;
        T* wT = TensorMemory.Of<T>(wHhTransposed);
        StepTeam.Run<T>(shape.Batch, h, h, shape.Batch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (team) =>
        {
            T* g = lastGrad, s = lastState;
            for (int t = shape.Steps - 1; t >= 0; t--, g -= shape.Size, s -= shape.Size)
            {
                if (t < shape.Steps - 1) team.Multiply(shape.Batch, h, h, g + shape.Size, h, wT, h, T.One, g, h);
                team.ForColumns(shape.Batch, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (firstRow, endRow, firstColumn, endColumn) =>
                {
                    for (int b = firstRow; b < endRow; b++)
                    {
                        long start = (long)b * h + firstColumn;
                        int length = endColumn - firstColumn;
                        var row = new Span<T>(g + start, length);
                        Elementwise.TanhGradient(row, new ReadOnlySpan<T>(s + start, length), row);
                    }
                });
                team.Meet();
            }
        });
    }
}
