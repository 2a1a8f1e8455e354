using System.Numerics;
using System.Runtime.CompilerServices;
using PSCharRnn.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>The book's grad_clipping: scale all gradients together so their global L2 norm is at most θ.</summary>
public static class GradientClipper
{
    /// <summary>Clips in place (call it inside a dispose scope); returns the norm before clipping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Clip(IList<Tensor> gradients, double theta)
    {
        using var _ = no_grad();
        // One pass over each gradient's memory, with no per-tensor temporaries to allocate and stack.
        double norm = Math.Sqrt(gradients.Sum(g => g.dtype == ScalarType.Float32 ? SumOfSquares<float>(g) : SumOfSquares<double>(g)));
        if (norm > theta)
        {
            using var factor = (theta / norm).ToScalar();
            foreach (var g in gradients) g.mul_(factor);
        }
        return norm;
    }

    private static unsafe double SumOfSquares<T>(Tensor gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dense = gradient.contiguous();
        return double.CreateTruncating(Elementwise.SumOfSquares(new ReadOnlySpan<T>(TensorMemory.Of<T>(dense), checked((int)dense.numel()))));
    }
}
