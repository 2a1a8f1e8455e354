using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>The book's grad_clipping: scale all gradients together so their global L2 norm is at most θ.</summary>
public static class GradientClipper
{
    /// <summary>Clips in place (call it inside a dispose scope); returns the norm before clipping.</summary>
    public static double Clip(IList<Tensor> gradients, double theta)
    {
        using var _ = no_grad();
        double norm = Math.Sqrt(stack(gradients.Select(g => g.square().sum()).ToArray()).sum().ToDouble());
        if (norm > theta)
            foreach (var g in gradients) g.mul_(theta / norm);
        return norm;
    }
}
