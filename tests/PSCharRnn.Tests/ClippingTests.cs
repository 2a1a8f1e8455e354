using PSCharRnn.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

public class ClippingTests
{
    private static double GlobalNorm(IEnumerable<Tensor> tensors) =>
        Math.Sqrt(tensors.Sum(t => t.square().sum().ToDouble()));

    [Fact]
    public void LargeGradientsAreScaledToThetaWithTheirDirectionKept()
    {
        using var scope = NewDisposeScope();
        var gradients = new[] { randn(4, 3) * 5, randn(7) * 3 };
        var before = gradients.Select(g => g.clone()).ToArray();

        double norm = GradientClipper.Clip(gradients, theta: 0.01);

        Assert.Equal(GlobalNorm(before), norm, 4);
        Assert.InRange(GlobalNorm(gradients), 0.0099, 0.0100001);
        for (int i = 0; i < gradients.Length; i++)
            Assert.True((before[i] * (0.01 / norm)).allclose(gradients[i], rtol: 1e-5, atol: 1e-9));
    }

    [Fact]
    public void SmallGradientsAreLeftAlone()
    {
        using var scope = NewDisposeScope();
        var gradients = new[] { full(2, 2, 0.001f) };
        var before = gradients[0].clone();
        GradientClipper.Clip(gradients, theta: 0.01);
        Assert.True(before.allclose(gradients[0], rtol: 0, atol: 0));
    }
}
