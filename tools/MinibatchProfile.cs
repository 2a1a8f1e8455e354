// Times one minibatch of the book's RNN operation by operation, for tools/Bench.ps1 (loaded with Add-Type).
// Each operation is run on its own, on leaves, so its forward and backward can be told apart; the whole step is
// timed too, as the trainer runs it, to show what the parts leave out (autograd's own bookkeeping).
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using PSCharRnn.Model;
using PSCharRnn.Training;
using TorchSharp;
using static TorchSharp.torch;

public sealed record ProfiledOperation(string Operation, double Milliseconds, double Megaflops);

public static class MinibatchProfile
{
    public static IReadOnlyList<ProfiledOperation> Run(RnnModel model, int repeats)
    {
        const int steps = 35, batch = 32;
        int hidden = model.HiddenSize, vocabulary = model.VocabularySize;
        var random = new Random(1);
        long[] Tokens() => Enumerable.Range(0, steps * batch).Select(_ => (long)random.Next(vocabulary)).ToArray();
        var (inputs, targets) = (tensor(Tokens(), new long[] { steps, batch }), tensor(Tokens()));
        var layer = model.Layers[0];
        var wHh = (Tensor)layer.HiddenWeights[0];
        var initial = zeros(batch, hidden);
        Tensor Projection() => CharacterProjection.Of(inputs, layer.InputWeights, layer.Biases);
        var projected = Projection().detach().requires_grad_();
        var states = RnnRecurrence.States(projected, wHh, initial).detach().requires_grad_();
        var top = states.view(-1, hidden).detach().requires_grad_();
        var stateGradient = randn(steps, batch, hidden) * 1e-3;
        var projectedGradient = randn(steps, batch, hidden) * 1e-3;
        model.Optimizer ??= new ModelOptimizer(OptimizerKind.SGD, model.Parameters, 1e-6);

        // Median milliseconds of action, after five unmeasured runs; prepare runs before each, untimed.
        double Time(Action action, Action? prepare = null)
        {
            var times = new List<double>();
            for (int i = 0; i < repeats + 5; i++)
            {
                using var scope = NewDisposeScope();
                prepare?.Invoke();
                var watch = Stopwatch.StartNew();
                action();
                if (i >= 5) times.Add(watch.Elapsed.TotalMilliseconds);
                model.Optimizer.ZeroGrad();
                foreach (var leaf in new[] { projected, states, top }) leaf.grad?.zero_();
            }
            times.Sort();
            return times[times.Count / 2];
        }

        // Two seconds of whole steps first, so that .NET's tiered JIT has optimized the loops (as after an epoch or two).
        for (var warm = Stopwatch.StartNew(); warm.Elapsed.TotalSeconds < 2;)
        {
            using var scope = NewDisposeScope();
            Backward();
            model.Optimizer.ZeroGrad();
        }
        double embedding = Time(() => Projection());
        double embeddingBoth = Time(() => Projection().backward(new[] { projectedGradient }));
        double recurrence = Time(() => RnnRecurrence.States(projected, wHh, initial));
        double recurrenceBoth = Time(() => RnnRecurrence.States(projected, wHh, initial).backward(new[] { stateGradient }));
        double output = Time(() => SoftmaxCrossEntropy.Mean(top, model.W_hq, model.b_q, targets));
        double outputBoth = Time(() => SoftmaxCrossEntropy.Mean(top, model.W_hq, model.b_q, targets).backward());
        void Backward() => model.Loss(inputs, targets, model.InitialState(batch)).Loss.backward();
        double step = Time(Backward);
        double clip = Time(() => GradientClipper.Clip(model.Parameters.Select(p => p.grad!).ToList(), 1e-3), Backward);
        double update = Time(() => model.Optimizer.Step(), Backward);
        double zero = Time(() => model.Optimizer.ZeroGrad(), Backward);

        double mf(double m, double k, double n) => 2 * m * k * n / 1e6;
        double recurrent = steps * mf(batch, hidden, hidden);
        var parts = new List<ProfiledOperation>
        {
            new("embedding W_xh[x] + b_h", embedding, 0),
            new("recurrence forward (35 steps)", recurrence, recurrent),
            new("output layer, softmax, loss", output, mf(steps * batch, hidden, vocabulary)),
            new("output backward (2 products)", outputBoth - output, 2 * mf(steps * batch, hidden, vocabulary)),
            new("recurrence backward (35 steps, dW_hh)", recurrenceBoth - recurrence, 2 * recurrent),
            new("embedding backward", embeddingBoth - embedding, 0),
            new("clipping (global norm)", clip, 0),
            new("SGD step", update, 0),
            new("zero gradients", zero, 0),
        };
        double accounted = parts.Take(6).Sum(p => p.Milliseconds);
        parts.Add(new("autograd bookkeeping (forward+backward minus the parts)", Math.Max(0, step - accounted), 0));
        return parts;
    }
}
