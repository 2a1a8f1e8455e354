using System.Numerics;
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

    /// <summary>Cell, layers, embedding size (0: the book's one-hot input), tied output weights (the embedding then has the hidden size).</summary>
    public static TheoryData<CellType, int, int, bool> CellsAndLayers => new()
    {
        { CellType.RNN, 1, 0, false }, { CellType.RNN, 2, 0, false }, { CellType.GRU, 1, 0, false }, { CellType.GRU, 2, 0, false },
        { CellType.LSTM, 1, 0, false }, { CellType.LSTM, 2, 0, false },
        { CellType.RNN, 1, 3, false }, { CellType.GRU, 2, 3, false }, { CellType.LSTM, 1, 3, false }, { CellType.GRU, 1, 0, true }, { CellType.LSTM, 2, 0, true },
    };

    /// <summary>A random initial state that requires gradients, as a carried state would be without its detach.</summary>
    private static RecurrentState RandomState(RnnModel model, ScalarType dtype, long seed)
    {
        using var generator = new Generator((ulong)seed);
        Tensor[] Layers() => Enumerable.Range(0, model.NumLayers)
            .Select(_ => (randn(2, model.HiddenSize, dtype, generator: generator) * 0.5).requires_grad_()).ToArray();
        return new RecurrentState(Layers(), model.Description.HasMemoryCell ? Layers() : null);
    }

    private static IEnumerable<Tensor> All(RecurrentState s) => s.Cells is null ? s.Hidden : s.Hidden.Concat(s.Cells);

    /// <summary>The loss plus a weighted sum of the last state, so that the state's own gradient path is checked too.</summary>
    private static Tensor Objective(Tensor loss, RecurrentState last, IReadOnlyList<Tensor> stateWeights) =>
        All(last).Zip(stateWeights).Aggregate(loss, (sum, p) => sum + (p.First * p.Second).sum());

    [Theory]
    [MemberData(nameof(CellsAndLayers))]
    public void GradientsMatchFiniteDifferencesForEveryParameterAndTheInitialState(CellType cell, int layers, int embedding, bool tied)
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 5, hidden: 3, seed: 7, ScalarType.Float64, scale: 40, cell, layers, embedding, tied);
        var (inputs, targets) = (tensor(Inputs), tensor(Targets));
        var state = RandomState(model, ScalarType.Float64, 3);
        var weights = All(state).Select(t => randn_like(t)).ToList();
        double Loss()
        {
            using var _ = no_grad();
            var (loss, last) = model.Loss(inputs, targets, state);
            return Objective(loss, last, weights).ToDouble();
        }

        var (trainingLoss, last) = model.Loss(inputs, targets, state);
        var wrt = model.NamedParameters.Select(p => (p.Name, (Tensor)p.Value)).Concat(All(state).Select((s, i) => ($"state {i}", s))).ToList();
        var gradients = autograd.grad(new[] { Objective(trainingLoss, last, weights) }, wrt.Select(w => w.Item2).ToList());
        const double eps = 1e-6;
        // Held for the whole loop: a Scalar made at each call may be finalized while libtorch still reads it (a CI run
        // failed in Scalar::toDouble inside add_).
        using Scalar forward = eps, back = -2 * eps;
        for (int p = 0; p < wrt.Count; p++)
        {
            var flat = wrt[p].Item2.view(-1);
            var analytic = gradients[p].reshape(-1);
            for (long k = 0; k < flat.numel(); k++)
            {
                using (no_grad()) flat[k].add_(forward);
                double plus = Loss();
                using (no_grad()) flat[k].add_(back);
                double minus = Loss();
                using (no_grad()) flat[k].add_(forward);
                double numeric = (plus - minus) / (2 * eps);
                Assert.True(Math.Abs(numeric - analytic[k].ToDouble()) < 1e-7 + 1e-5 * Math.Abs(numeric),
                    $"{cell} x{layers} {wrt[p].Item1}[{k}]: analytic {analytic[k].ToDouble()}, finite difference {numeric}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(CellsAndLayers))]
    public void FastLayersEqualTheBooksOneHotStepsInOutputsAndEveryGradient(CellType cell, int layers, int embedding, bool tied) =>
        AssertEqualsTheBook(cell, layers, tensor(Inputs), tensor(Targets), embedding, tied);

    // One step: the recurrences' backward loops and weight gradients have no step before the last.
    [Theory]
    [InlineData(CellType.RNN)]
    [InlineData(CellType.GRU)]
    [InlineData(CellType.LSTM)]
    public void OneStepSequencesEqualTheBook(CellType cell) =>
        AssertEqualsTheBook(cell, 1, tensor(new long[,] { { 3, 1 } }), tensor(new long[] { 2, 4 }));

    // A hidden size of several vectors and a tail, at any vector width the machine has: the backward loops' vector
    // code runs, not only their scalar tails.
    [Theory]
    [InlineData(CellType.RNN)]
    [InlineData(CellType.GRU)]
    [InlineData(CellType.LSTM)]
    public void LayersWiderThanAVectorEqualTheBook(CellType cell) =>
        AssertEqualsTheBook(cell, 2, tensor(Inputs), tensor(Targets), hidden: 2 * Vector<float>.Count + 3);

    // A fresh state, as every minibatch of random sampling starts from: its step product and its share of dL/dW_h are
    // skipped, and its own gradient is still made where it is asked for.
    [Theory]
    [InlineData(CellType.RNN)]
    [InlineData(CellType.GRU)]
    [InlineData(CellType.LSTM)]
    public void AZeroInitialStateEqualsTheBook(CellType cell) =>
        AssertEqualsTheBook(cell, 2, tensor(Inputs), tensor(Targets), hidden: 2 * Vector<float>.Count + 3, zeroState: true);

    [Theory]
    [InlineData(CellType.RNN)]
    [InlineData(CellType.GRU)]
    [InlineData(CellType.LSTM)]
    public void TrainingsStateWithoutGradientsGivesTheBooksParameterGradients(CellType cell)
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 5, hidden: 2 * Vector<float>.Count + 3, seed: 3, scale: 30, cell: cell, layers: 2);
        var (inputs, targets) = (tensor(Inputs), tensor(Targets));
        foreach (var state in new[] { model.InitialState(2), RandomState(model, ScalarType.Float32, 5).Detach() })
        {
            var (loss, _) = model.Loss(inputs, targets, state);
            var (book, _) = BookReference.Forward(model, inputs, state);
            var parameters = model.Parameters.Cast<Tensor>().ToArray();
            CompareGradients(model, autograd.grad(new[] { loss }, parameters), autograd.grad(new[] { nn.functional.cross_entropy(book, targets) }, parameters));
        }
    }

    private static void AssertEqualsTheBook(CellType cell, int layers, Tensor inputs, Tensor targets, int embedding = 0, bool tied = false, int hidden = 4,
        bool zeroState = false)
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 5, hidden: hidden, seed: 3, scale: 30, cell: cell, layers: layers, embedding: embedding, tied: tied);
        var state = RandomState(model, ScalarType.Float32, 5);
        if (zeroState) state = new RecurrentState(state.Hidden.Select(t => zeros_like(t).requires_grad_()).ToArray(),
            state.Cells?.Select(t => zeros_like(t).requires_grad_()).ToArray());
        var weights = All(state).Select(t => randn_like(t)).ToList();
        var wrt = model.Parameters.Cast<Tensor>().Concat(All(state)).ToArray();

        var (fast, fastState) = model.Forward(inputs, state);
        var (book, bookState) = BookReference.Forward(model, inputs, state);
        Assert.True(fast.allclose(book, rtol: 1e-5, atol: 1e-6));
        foreach (var (a, b) in All(fastState).Zip(All(bookState))) Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6));

        // Training's loss node against libtorch's own cross-entropy of the book's logits.
        var (fastLoss, _) = model.Loss(inputs, targets, state);
        Assert.True(fastLoss.allclose(nn.functional.cross_entropy(book, targets), rtol: 1e-5, atol: 1e-6));
        var fastGradients = autograd.grad(new[] { Objective(fastLoss, fastState, weights) }, wrt);
        var bookGradients = autograd.grad(new[] { Objective(nn.functional.cross_entropy(book, targets), bookState, weights) }, wrt, retain_graph: true);
        CompareGradients(model, fastGradients, bookGradients);

        // With label smoothing, against libtorch's label_smoothing.
        var terms = new LossTerms(0.3);
        var (smoothed, smoothedState) = model.Loss(inputs, targets, state, terms: terms);
        var bookSmoothed = nn.functional.cross_entropy(book, targets, label_smoothing: 0.3);
        Assert.True(smoothed.allclose(bookSmoothed, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(nn.functional.cross_entropy(book, targets).ToDouble(), terms.CrossEntropy, 1e-5);
        CompareGradients(model,
            autograd.grad(new[] { Objective(smoothed, smoothedState, weights) }, wrt),
            autograd.grad(new[] { Objective(bookSmoothed, bookState, weights) }, wrt));
    }

    private static void CompareGradients(RnnModel model, IList<Tensor> fastGradients, IList<Tensor> bookGradients)
    {
        // Both sides sum in float32, in different orders: an entry near zero that is the difference of large terms carries
        // their rounding, so the absolute tolerance is a few units in the last place of the gradient's largest entry.
        for (int p = 0; p < fastGradients.Count; p++)
            Assert.True(fastGradients[p].allclose(bookGradients[p], rtol: 1e-4, atol: 1e-6 * Math.Max(1, bookGradients[p].abs().max().ToDouble())),
                p < model.NamedParameters.Count ? model.NamedParameters[p].Name : $"initial state {p - model.NamedParameters.Count}");
    }

    [Fact]
    public void OneHotProductEqualsRowLookup()
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 6, hidden: 3, seed: 1);
        var wXh = model.GetParameter("layers.0.W_xh");
        var x = tensor(new long[] { 0, 5, 2, 2 });
        var product = nn.functional.one_hot(x, 6).to(ScalarType.Float32).matmul(wXh);
        Assert.True(product.allclose(wXh.index_select(0, x), rtol: 0, atol: 0));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1e4)]                                                      // logits far beyond exp's range
    public void TrainingLossNodeEqualsLibtorchsCrossEntropyOnManyRowsAndHugeLogits(double scale)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var hidden = (randn(37, 8, generator: generator) * scale).requires_grad_();
        var wHq = randn(8, 13, generator: generator).requires_grad_();
        var bQ = randn(13, generator: generator).requires_grad_();
        var targets = randint(13, new long[] { 37 }, generator: generator);
        var ours = SoftmaxCrossEntropy.Mean(hidden, wHq, bQ, targets);
        var theirs = nn.functional.cross_entropy(bQ.addmm(hidden, wHq), targets);
        Assert.True(double.IsFinite(ours.ToDouble()));
        Assert.Equal(theirs.ToDouble(), ours.ToDouble(), 1e-5 * Math.Max(1, Math.Abs(theirs.ToDouble())));
        var leaves = new[] { hidden, wHq, bQ };
        var ourGradients = autograd.grad(new[] { ours }, leaves);
        var theirGradients = autograd.grad(new[] { theirs }, leaves);
        for (int i = 0; i < leaves.Length; i++)
            Assert.True(ourGradients[i].allclose(theirGradients[i], rtol: 1e-4, atol: 1e-6), $"gradient {i}");
    }

    [Theory]
    [InlineData(1, true, ScalarType.Float32)]
    [InlineData(4, true, ScalarType.Float32)]
    [InlineData(3, false, ScalarType.Float32)]
    [InlineData(4, true, ScalarType.Float64)]
    public void CharactersRowsAreLibtorchsOneHotProductAndTheirGradientsToo(int matrices, bool biased, ScalarType type)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var weights = Enumerable.Range(0, matrices).Select(i => randn(7, 5 + i, type, generator: generator).requires_grad_()).ToArray();
        var biases = biased ? weights.Select(w => randn(w.shape[1], type, generator: generator).requires_grad_()).ToArray() : [];
        var characters = tensor(new long[] { 0, 6, 2, 2, 6, 6, 3, 1 }).view(4, 2);                   // repeats, and rows never chosen
        var ours = CharacterProjection.Of(characters, weights, biases);
        var oneHot = nn.functional.one_hot(characters, 7).to(type);
        var theirs = oneHot.matmul(cat(weights, -1));
        if (biased) theirs = theirs + cat(biases, -1);
        Assert.Equal(theirs.shape, ours.shape);
        Assert.True(ours.allclose(theirs, rtol: 1e-6, atol: 1e-6));
        var upstream = randn(ours.shape, type, generator: generator);
        var leaves = weights.Concat(biases).ToArray();
        var ourGradients = autograd.grad(new[] { (ours * upstream).sum() }, leaves);
        var theirGradients = autograd.grad(new[] { (theirs * upstream).sum() }, leaves);
        for (int i = 0; i < leaves.Length; i++)
            Assert.True(ourGradients[i].allclose(theirGradients[i], rtol: 1e-5, atol: 1e-5), $"gradient {i}");
    }

    [Fact]
    public void ACharacterBeyondTheMatrixRowsOrNotAnIndexIsRefused()
    {
        using var scope = NewDisposeScope();
        var characters = tensor(new long[] { 0, 7 }).view(2, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => CharacterProjection.Of(characters, [zeros(7, 3)], [zeros(3)]));
        Assert.Throws<ArgumentException>(() => CharacterProjection.Of(characters.to(ScalarType.Float64), [zeros(7, 3)], [zeros(3)]));
    }

    [Theory]
    [InlineData(false, ScalarType.Float32)]
    [InlineData(true, ScalarType.Float32)]
    [InlineData(false, ScalarType.Float64)]
    [InlineData(true, ScalarType.Float64)]
    public void TheOutputWeightGradientIsTheSameMadeEitherWay(bool transposed, ScalarType type)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var hidden = randn(70, 24, type, generator: generator);
        var differences = randn(70, 41, type, generator: generator);
        var ours = type == ScalarType.Float32
            ? SoftmaxCrossEntropy.WeightGradient<float>(hidden, differences, 0.5, Numerics.Precision.Full, transposed)
            : SoftmaxCrossEntropy.WeightGradient<double>(hidden, differences, 0.5, Numerics.Precision.Full, transposed);
        Assert.Equal(new long[] { 24, 41 }, ours.shape);
        Assert.True(ours.is_contiguous());
        Assert.True(ours.allclose(hidden.t().mm(differences).mul_(0.5), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void AProbabilityBelowTheNormalRangeReachesTheGradientProductsAsZero()
    {
        using var scope = NewDisposeScope();
        // Class 2's logit is 95 below the others: its probability e^-95 ≈ 5e-42 is a subnormal float.
        var hidden = ones(4, 1).requires_grad_();
        var wHq = tensor(new float[] { 0, 0, -95 }).view(1, 3).requires_grad_();
        var bQ = zeros(3).requires_grad_();
        var targets = tensor(new long[] { 0, 1, 0, 1 });
        var loss = SoftmaxCrossEntropy.Mean(hidden, wHq, bQ, targets);
        Assert.Equal(Math.Log(2), loss.ToDouble(), 1e-6);   // the loss itself is computed before any flushing
        var gradients = autograd.grad(new[] { loss }, new[] { wHq, bQ });
        Assert.Equal(0f, gradients[0][0, 2].ToSingle());
        Assert.Equal(0f, gradients[1][2].ToSingle());
        var theirs = autograd.grad(new[] { nn.functional.cross_entropy(bQ.addmm(hidden, wHq), targets) }, new[] { bQ })[0];
        Assert.True(theirs[2].ToSingle() is > 0 and < 1e-38f, "libtorch keeps the subnormal gradient");
    }

    [Fact]
    public void DropoutActsOnlyBetweenLayersAndOnlyWhileTraining()
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 5, hidden: 16, seed: 3, scale: 30, cell: CellType.LSTM, layers: 2);
        model.Dropouts = new DropoutRates { BetweenLayers = 0.5 };
        var inputs = tensor(Inputs);
        using var _ = no_grad();
        var (plain, _) = model.Forward(inputs, model.InitialState(2));
        var (book, _) = BookReference.Forward(model, inputs, model.InitialState(2));
        Assert.True(plain.allclose(book, rtol: 1e-5, atol: 1e-6));                      // no generator: no dropout
        using var g1 = new Generator(1);
        using var g2 = new Generator(1);
        var (dropped, _) = model.Forward(inputs, model.InitialState(2), g1);
        var (again, _) = model.Forward(inputs, model.InitialState(2), g2);
        Assert.False(dropped.allclose(plain, rtol: 1e-3, atol: 1e-4));
        Assert.True(dropped.allclose(again, rtol: 0, atol: 0));                                  // the same seed drops the same units
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void InputOutputAndRecurrentDropoutActOnAnyModelAndOnlyWhileTraining(int embedding)
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 5, hidden: 16, seed: 3, scale: 30, cell: CellType.GRU, embedding: embedding);
        var inputs = tensor(Inputs);
        using var _ = no_grad();
        var (plain, _) = model.Forward(inputs, model.InitialState(2));
        foreach (var (input, output, recurrent) in new[] { (0.5, 0.0, 0.0), (0.0, 0.5, 0.0), (0.0, 0.0, 0.5) })
        {
            model.Dropouts = new DropoutRates { Input = input, Output = output, Recurrent = recurrent };
            Assert.True(model.DropsOut);
            var (unchanged, _) = model.Forward(inputs, model.InitialState(2));
            Assert.True(unchanged.allclose(plain, rtol: 0, atol: 0));                               // no generator: no dropout
            using var g1 = new Generator(1);
            using var g2 = new Generator(1);
            var (dropped, _) = model.Forward(inputs, model.InitialState(2), g1);
            var (again, _) = model.Forward(inputs, model.InitialState(2), g2);
            Assert.False(dropped.allclose(plain, rtol: 1e-3, atol: 1e-4), $"input {input}, output {output}, recurrent {recurrent}");
            Assert.True(dropped.allclose(again, rtol: 0, atol: 0));
        }
    }

    [Theory]
    [InlineData(CellType.RNN, 1, new[] { "layers.0.W_xh", "layers.0.W_hh", "layers.0.b_h", "W_hq", "b_q" })]
    [InlineData(CellType.GRU, 1, new[] { "layers.0.W_xz", "layers.0.W_hz", "layers.0.b_z", "layers.0.W_xr", "layers.0.W_hr", "layers.0.b_r", "layers.0.W_xh", "layers.0.W_hh", "layers.0.b_h", "W_hq", "b_q" })]
    public void ParametersHaveTheBooksNamesInItsOrder(CellType cell, int layers, string[] names)
    {
        using var model = Tiny.Model(vocabulary: 4, hidden: 3, seed: 1, cell: cell, layers: layers);
        Assert.Equal(names, model.NamedParameters.Select(p => p.Name));
    }

    [Theory]
    [InlineData(CellType.RNN)]
    [InlineData(CellType.GRU)]
    [InlineData(CellType.LSTM)]
    public void ParametersHaveTheBooksShapesAndInitialisation(CellType cell)
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 300, hidden: 200, seed: 5, cell: cell, layers: 2);
        int gates = model.Description.Gates.Count;
        Assert.Equal(gates * 3 * 2 + 2, model.Parameters.Length);
        string g = model.Description.Gates[0];
        Assert.Equal(new long[] { 300, 200 }, model.GetParameter($"layers.0.W_x{g}").shape);
        Assert.Equal(new long[] { 200, 200 }, model.GetParameter($"layers.0.W_h{g}").shape);
        Assert.Equal(new long[] { 200, 200 }, model.GetParameter($"layers.1.W_x{g}").shape);
        Assert.Equal(new long[] { 200, 300 }, model.W_hq.shape);
        Assert.Equal(new long[] { 300 }, model.b_q.shape);
        foreach (var (name, p) in model.NamedParameters)
        {
            var expected = model.Description.Parameters.Single(s => s.Name == name).Shape;
            Assert.Equal(expected, p.shape);
            Assert.True(p.requires_grad, name);
            if (p.shape.Length == 1)
                Assert.Equal(0, p.abs().sum().ToDouble());
            else
                Assert.InRange(p.std().ToDouble(), 0.0095, 0.0105);
        }
    }

    [Theory]
    [InlineData(false, 1.0)]
    [InlineData(true, 0.0625)]                                                       // 1/√256
    public void AnEmbeddingStartsAsTorchsEmbeddingOrScaledToTheOutputWhenTied(bool tied, double std)
    {
        using var scope = NewDisposeScope();
        using var model = Tiny.Model(vocabulary: 300, hidden: 256, seed: 5, embedding: 64, tied: tied);
        Assert.InRange(model.Embedding!.std().ToDouble(), 0.95 * std, 1.05 * std);
        Assert.InRange(model.GetParameter("layers.0.W_xh").std().ToDouble(), 0.0095, 0.0105);
        Assert.Equal(model.Description.ParameterCount, model.Parameters.Sum(p => p.numel()));
    }
}
