using PSCharRnn.Corpus;
using PSCharRnn.Model;
using PSCharRnn.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

public class FineTuningTests
{
    [Theory]
    [InlineData(CellType.RNN, 1, 0, false)]
    [InlineData(CellType.GRU, 2, 0, false)]
    [InlineData(CellType.LSTM, 1, 4, false)]
    [InlineData(CellType.GRU, 1, 5, true)]
    public void ExtendingTheVocabularyKeepsEveryOldLogitAndOptimizerStateAndStartsNewEntriesFresh(CellType cell, int layers, int embedding, bool tied)
    {
        using var scope = NewDisposeScope();
        var baseCorpus = Tiny.Corpus("bdfbdfbdbf");
        var settings = new ModelSettings { Cell = cell, HiddenSize = 5, NumLayers = layers, EmbeddingSize = embedding, TieWeights = tied };
        using var model = settings.Create(baseCorpus.Vocabulary, 3, CPU);
        // A trained model with Adam's moments: old entries of every state tensor are non-zero.
        var trainer = new Trainer(model, baseCorpus, TrainingOptions.Book with { Epochs = 2, BatchSize = 2, NumSteps = 3, Optimizer = OptimizerKind.Adam, ReportEvery = 0, Seed = 1 });
        trainer.Train(CancellationToken.None);

        using var extended = VocabularyExtension.Extend(model, new[] { "a", "e", "g" }, seed: 9)!;
        Assert.Equal(new[] { "a", "b", "d", "e", "f", "g" }, extended.Vocabulary);
        Assert.Equal(model.History.Count, extended.History.Count);
        Assert.Equal(model.Optimizer!.StepCount, extended.Optimizer!.StepCount);
        long[] oldPositions = { 1, 2, 4 };                                              // b, d, f in the new vocabulary
        using var positions = tensor(oldPositions);

        // The same text, encoded in each vocabulary, gives the old characters the same logits and the same states.
        var text = "bdffdb";
        Tensor Inputs(Vocabulary v) => tensor(v.Encode(text).Select(i => (long)i).ToArray(), new long[] { text.Length, 1 });
        using (no_grad())
        {
            var (before, beforeState) = model.Forward(Inputs(model.Vocabulary), model.InitialState(1));
            var (after, afterState) = extended.Forward(Inputs(extended.Vocabulary), extended.InitialState(1));
            Assert.True(after.index_select(1, positions).allclose(before, rtol: 1e-6, atol: 1e-7));
            Assert.True(afterState.Hidden[^1].allclose(beforeState.Hidden[^1], rtol: 1e-6, atol: 1e-7));
        }

        var specs = extended.Description.Parameters;
        for (int i = 0; i < specs.Count; i++)
        {
            var (old, grown) = (model.GetParameter(specs[i].Name), extended.GetParameter(specs[i].Name));
            var oldState = model.Optimizer.StateTensors(i);
            var grownState = extended.Optimizer.StateTensors(i);
            if (specs[i].VocabularyAxis is not int axis)
            {
                Assert.True(grown.eq(old).all().item<bool>(), specs[i].Name);
                foreach (var ((_, o), (_, g)) in oldState.Zip(grownState)) Assert.True(g.eq(o).all().item<bool>(), specs[i].Name);
                continue;
            }
            Assert.True(grown.index_select(axis, positions).eq(old).all().item<bool>(), specs[i].Name);
            using var added = tensor(new long[] { 0, 3, 5 });
            var fresh = grown.index_select(axis, added);
            if (specs[i].Shape.Length == 1) Assert.Equal(0, fresh.abs().sum().ToDouble());   // biases start at zero
            else Assert.InRange(fresh.abs().mean().ToDouble(), 0.2 * specs[i].InitialStd, 2 * specs[i].InitialStd);   // as a fresh model's
            foreach (var ((name, o), (_, g)) in oldState.Zip(grownState))
            {
                Assert.True(g.index_select(axis, positions).eq(o).all().item<bool>(), $"{name} of {specs[i].Name}");
                Assert.Equal(0, g.index_select(axis, added).abs().sum().ToDouble());
                Assert.True(o.abs().sum().ToDouble() > 0, $"{name} of {specs[i].Name} was trained");
            }
        }

        // The extended model trains on a text with the new characters.
        var mine = Tiny.Corpus("abegfdabeg");
        new Trainer(extended, mine, TrainingOptions.Book with { Epochs = 1, BatchSize = 2, NumSteps = 3, Optimizer = OptimizerKind.Adam, ReportEvery = 0, Seed = 1 })
            .Train(CancellationToken.None);
        Assert.Equal(model.History.Count + 1, extended.History.Count);
    }

    [Fact]
    public void ACorpusWithinTheVocabularyExtendsNothing()
    {
        using var model = Tiny.Model(vocabulary: 4, hidden: 3, seed: 1);
        Assert.Null(VocabularyExtension.Extend(model, new[] { "a", "c" }, seed: 1));
    }
}
