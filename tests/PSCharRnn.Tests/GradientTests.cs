using PSCharRnn.Model;
using PSCharRnn.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

public class GradientTests
{
    private static readonly long[,] Inputs = { { 0, 1 }, { 2, 3 }, { 4, 0 } };           // [T=3, B=2]
    private static readonly long[] Targets = { 1, 2, 3, 4, 0, 1 };                      // time-major

    [Fact]
    public void AutogradGradientsMatchFiniteDifferencesForEveryParameter()
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 5, hidden: 4, seed: 7, ScalarType.Float64, scale: 60);
        var inputs = tensor(Inputs);
        var targets = tensor(Targets);
        double Loss()
        {
            using var _ = no_grad();
            return LanguageModelLoss.Compute(model, inputs, targets, model.InitialState(2)).Loss.ToDouble();
        }

        var (loss, _) = LanguageModelLoss.Compute(model, inputs, targets, model.InitialState(2));
        var gradients = autograd.grad(new[] { loss }, model.Parameters);
        const double eps = 1e-6;
        for (int p = 0; p < model.Parameters.Length; p++)
        {
            var flat = model.Parameters[p].view(-1);
            var analytic = gradients[p].reshape(-1);
            for (long k = 0; k < flat.numel(); k++)
            {
                using (no_grad()) flat[k].add_(eps);
                double plus = Loss();
                using (no_grad()) flat[k].add_(-2 * eps);
                double minus = Loss();
                using (no_grad()) flat[k].add_(eps);
                double numeric = (plus - minus) / (2 * eps);
                Assert.True(Math.Abs(numeric - analytic[k].ToDouble()) < 1e-7 + 1e-5 * Math.Abs(numeric),
                    $"{RnnModel.ParameterNames[p]}[{k}]: autograd {analytic[k].ToDouble()}, finite difference {numeric}");
            }
        }
    }

    [Fact]
    public void OneHotProductEqualsRowLookup()
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 6, hidden: 3, seed: 1);
        var x = tensor(new long[] { 0, 5, 2, 2 });
        var product = nn.functional.one_hot(x, 6).to(ScalarType.Float32).matmul(model.W_xh);
        var lookup = model.W_xh.index_select(0, x);
        Assert.True(product.allclose(lookup, rtol: 0, atol: 0));
    }

    [Fact]
    public void FastForwardEqualsTheBooksOneHotStepsInOutputsAndGradients()
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 5, hidden: 4, seed: 3, scale: 30);
        var inputs = tensor(Inputs);
        var targets = tensor(Targets);
        var state = randn(2, 4).requires_grad_();
        var wrt = model.Parameters.Append(state).ToArray();

        var (fast, fastState) = RnnCell.Forward(model, inputs, state);
        var (book, bookState) = RnnCell.ForwardOneHot(model, inputs, state);
        Assert.True(fast.allclose(book, rtol: 1e-5, atol: 1e-6));
        Assert.True(fastState.allclose(bookState, rtol: 1e-5, atol: 1e-6));

        // The last state feeds the loss too, as it does through a carried state in consecutive sampling.
        var fastGradients = autograd.grad(new[] { nn.functional.cross_entropy(fast, targets) + fastState.sum() }, wrt);
        var bookGradients = autograd.grad(new[] { nn.functional.cross_entropy(book, targets) + bookState.sum() }, wrt);
        for (int p = 0; p < wrt.Length; p++)
            Assert.True(fastGradients[p].allclose(bookGradients[p], rtol: 1e-4, atol: 1e-6), p < 5 ? RnnModel.ParameterNames[p] : "initial state");
    }

    [Fact]
    public void ParametersHaveTheBooksShapesAndInitialisation()
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 300, hidden: 200, seed: 5);
        Assert.Equal(new long[] { 300, 200 }, model.W_xh.shape);
        Assert.Equal(new long[] { 200, 200 }, model.W_hh.shape);
        Assert.Equal(new long[] { 200 }, model.b_h.shape);
        Assert.Equal(new long[] { 200, 300 }, model.W_hq.shape);
        Assert.Equal(new long[] { 300 }, model.b_q.shape);
        Assert.Equal(0, model.b_h.abs().sum().ToDouble());
        Assert.Equal(0, model.b_q.abs().sum().ToDouble());
        Assert.InRange(model.W_xh.std().ToDouble(), 0.0095, 0.0105);
        Assert.InRange(model.W_xh.mean().ToDouble(), -0.0005, 0.0005);
        Assert.All(model.Parameters, p => Assert.True(p.requires_grad));
    }
}
