using System.Numerics;
using System.Runtime.CompilerServices;
using PSCharRnn.Numerics;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>What the three recurrence nodes share: a zero initial state's skipped product, and the backward passes' weight gradient.</summary>
internal static class Recurrences
{
    /// <summary>
    /// The initial state's memory for a step product, or null where it is all zeros (a fresh state, as every minibatch
    /// of random sampling starts from): <see cref="StepTeam.Multiply"/> then skips the product.
    /// </summary>
    public static unsafe T* ProductOperand<T>(Tensor initial) where T : unmanaged, IFloatingPointIeee754<T> =>
        IsZero<T>(initial) ? null : TensorMemory.Of<T>(initial);

    private static unsafe bool IsZero<T>(Tensor contiguous) where T : unmanaged, IFloatingPointIeee754<T> =>
        Elementwise.IsZero(new ReadOnlySpan<T>(TensorMemory.Of<T>(contiguous), checked((int)contiguous.numel())));

    /// <summary>
    /// dL/dW_h = Σ_t H_{t-1}ᵀ·dL/d(H_{t-1}·W_h), from the states [T, B, H] and the products' gradients [T, B, G]:
    /// two products over the states' memory as it lies (the rest, then the initial state unless it is zero), without
    /// copying them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor HiddenWeightGradient(Tensor initial, Tensor states, Tensor gradProducts)
    {
        var gradient = empty(states.shape[2], gradProducts.shape[2], dtype: states.dtype);
        if (states.dtype == ScalarType.Float32) HiddenWeightGradient<float>(initial.contiguous(), states, gradProducts, gradient);
        else HiddenWeightGradient<double>(initial.contiguous(), states, gradProducts, gradient);
        return gradient;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HiddenWeightGradient<T>(Tensor initial, Tensor states, Tensor gradProducts, Tensor gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(states);
        int width = (int)gradProducts.shape[2], h = shape.Width;
        T* g = TensorMemory.Of<T>(gradProducts), w = TensorMemory.Of<T>(gradient);
        Gemm.Multiply(true, false, h, width, (shape.Steps - 1) * shape.Batch, T.One, TensorMemory.Of<T>(states), h, g + shape.Batch * width, width, T.Zero, w, width);
        if (!IsZero<T>(initial))
            Gemm.Multiply(true, false, h, width, shape.Batch, T.One, TensorMemory.Of<T>(initial), h, g, width, T.One, w, width);
    }
}

/// <summary>The sizes of a [T, B, W] tensor of per-step rows, as the loops over its memory need them.</summary>
internal readonly record struct StepShape(int Steps, int Batch, int Width)
{
    /// <summary>Elements per step.</summary>
    public int Size => Batch * Width;

    public static StepShape Of(Tensor perStep) => new((int)perStep.shape[0], (int)perStep.shape[1], (int)perStep.shape[2]);
}
