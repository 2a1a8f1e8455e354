using PSCharRnn.Generation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;
using PSCharRnn.Training;
using Xunit;

namespace PSCharRnn.Tests;

public class TrainingTests
{
    private static readonly string Repetitive = string.Concat(Enumerable.Repeat("abcdefgh ", 120));

    private static (RnnModel Model, Trainer Trainer) Setup(string text, TrainingOptions options, int hidden = 32)
    {
        var corpus = Tiny.Corpus(text);
        var model = new RnnModel(corpus.Vocabulary, hidden, seed: options.Seed);
        return (model, new Trainer(model, corpus, options));
    }

    [Fact]
    public void AnUntrainedModelsPerplexityIsCloseToTheVocabularySize()
    {
        var text = new string(Enumerable.Range(0, 3000).Select(i => (char)('一' + (i * 7919 % 200))).ToArray());
        var (model, trainer) = Setup(text, new TrainingOptions { Epochs = 1, LearningRate = 1e-9, Seed = 1, ReportEvery = 0, NumSteps = 10, BatchSize = 8 });
        using (model)
        {
            trainer.Train(CancellationToken.None);
            Assert.InRange(model.Perplexity!.Value, 0.95 * 200, 1.05 * 200);
        }
    }

    [Theory]
    [InlineData(Sampling.Random)]
    [InlineData(Sampling.Consecutive)]
    public void ATinyRepetitiveCorpusIsLearnedAndReproduced(Sampling sampling)
    {
        var options = new TrainingOptions { Epochs = 60, NumSteps = 9, BatchSize = 8, Sampling = sampling, Seed = 3, ReportEvery = 0, LearningRate = 100, ClipTheta = 0.01 };
        var (model, trainer) = Setup(Repetitive, options);
        using (model)
        {
            trainer.Train(CancellationToken.None);
            Assert.True(model.Perplexity < 1.1, $"perplexity {model.Perplexity}");
            Assert.Equal(60, model.EpochsTrained);
            Assert.Equal("cdefgh abcdefgh abcdefgh ab", Predictor.Predict(model, "cd", 25));
        }
    }

    [Fact]
    public void TheSameSeedAndThreadCountGiveTheSameHistoryAndSamples()
    {
        var options = new TrainingOptions { Epochs = 4, NumSteps = 9, BatchSize = 8, Seed = 11, ThreadCount = 1, ReportEvery = 2, SamplePrefixes = new[] { "ab" }, SampleLength = 10 };
        IReadOnlyList<EpochRecord> Run()
        {
            var (model, trainer) = Setup(Repetitive, options);
            using (model)
            {
                trainer.Train(CancellationToken.None);
                return model.History.ToList();
            }
        }
        var first = Run();
        var second = Run();
        Assert.Equal(first.Select(r => r.Perplexity), second.Select(r => r.Perplexity));
        Assert.Equal(first.SelectMany(r => r.Samples), second.SelectMany(r => r.Samples));
        Assert.Equal(2, first.Count(r => r.Samples.Count == 1));
    }

    [Fact]
    public void DivergenceStopsWithAClearErrorAndRestoresTheModel()
    {
        var options = new TrainingOptions { Epochs = 5, NumSteps = 9, BatchSize = 8, Seed = 2, ReportEvery = 0, LearningRate = 1e38, ClipTheta = 1e30 };
        var (model, trainer) = Setup(Repetitive, options);
        using (model)
        {
            var ex = Assert.Throws<PSCharRnnException>(() => trainer.Train(CancellationToken.None));
            Assert.Equal("TrainingDiverged", ex.ErrorId);
            Assert.Contains("epoch", ex.Message);
            Assert.All(model.Parameters, p => Assert.True(TorchSharp.torch.isfinite(p).all().item<bool>()));
        }
    }

    [Fact]
    public void EveryMinibatchIsReportedAsItCompletes()
    {
        var options = new TrainingOptions { Epochs = 2, NumSteps = 9, BatchSize = 8, Seed = 2, ReportEvery = 0 };
        var (model, trainer) = Setup(Repetitive, options);
        var calls = new List<(int Run, int Done, int Total)>();
        trainer.BatchCompleted = (run, done, total) => calls.Add((run, done, total));
        using (model) trainer.Train(CancellationToken.None);
        int perEpoch = (Repetitive.Length - 1) / 9 / 8;
        Assert.Equal(2 * perEpoch, calls.Count);
        Assert.All(calls, c => Assert.Equal(perEpoch, c.Total));
        Assert.Equal(Enumerable.Range(1, perEpoch).Concat(Enumerable.Range(1, perEpoch)), calls.Select(c => c.Done));
    }

    [Fact]
    public void AHugeLearningRateThatKeepsTheLossFiniteStillDiverges()
    {
        // The loss stays finite, its exponential does not: the case a user hit with -LearningRate 1e10.
        var options = new TrainingOptions { Epochs = 3, NumSteps = 9, BatchSize = 8, Seed = 2, ReportEvery = 0, LearningRate = 1e10 };
        var (model, trainer) = Setup(Repetitive, options);
        using (model)
        {
            var before = model.Parameters.Select(p => p.detach().clone()).ToArray();
            var ex = Assert.Throws<PSCharRnnException>(() => trainer.Train(CancellationToken.None));
            Assert.Equal("TrainingDiverged", ex.ErrorId);
            Assert.Empty(model.History);
            for (int i = 0; i < before.Length; i++) Assert.True(before[i].allclose(model.Parameters[i], rtol: 0, atol: 0));
        }
    }

    [Fact]
    public void CancellationStopsAtAMinibatchBoundary()
    {
        using var cancel = new CancellationTokenSource();
        var options = new TrainingOptions { Epochs = 1000, NumSteps = 9, BatchSize = 8, Seed = 2, ReportEvery = 0 };
        var (model, trainer) = Setup(Repetitive, options);
        trainer.EpochCompleted = (run, _) => { if (run == 3) cancel.Cancel(); };
        using (model)
        {
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Train(cancel.Token));
            Assert.Equal(3, model.EpochsTrained);
        }
    }

    [Theory]
    [InlineData(OptimizerKind.SGD)]
    [InlineData(OptimizerKind.Adam)]
    public void AFailureMidEpochLeavesTheModelAndItsCheckpointAtTheLastWholeEpoch(OptimizerKind optimizer)
    {
        var corpus = Tiny.Corpus(Repetitive);
        var options = new TrainingOptions { Epochs = 5, NumSteps = 9, BatchSize = 8, Seed = 2, ReportEvery = 0, Optimizer = optimizer };
        string path = Path.Combine(Path.GetTempPath(), $"failure-{Guid.NewGuid():N}.safetensors");
        using var model = new RnnModel(corpus.Vocabulary, 32, seed: 2);
        var trainer = new Trainer(model, corpus, options)
        {
            Checkpoint = new CheckpointPolicy(path, Every: 10),
            Writer = new ModelWriter((m, p) => ModelFile.Save(m, p), ModelFile.WriteFailedId),
        };
        TorchSharp.torch.Tensor[] afterTwo = [];
        long stepsAfterTwo = 0;
        trainer.EpochCompleted = (run, _) =>
        {
            if (run != 2) return;
            afterTwo = model.Parameters.Select(p => p.detach().clone()).ToArray();
            stepsAfterTwo = model.Optimizer!.StepCount;
        };
        // Thrown after the third epoch's third optimizer step, as a failure inside libtorch would be.
        trainer.BatchCompleted = (run, done, _) => { if (run == 3 && done == 3) throw new InvalidOperationException("injected failure"); };
        try
        {
            Assert.Equal("injected failure", Assert.Throws<InvalidOperationException>(() => trainer.Train(CancellationToken.None)).Message);

            Assert.Equal(2, model.EpochsTrained);
            Assert.Equal(stepsAfterTwo, model.Optimizer!.StepCount);
            for (int i = 0; i < afterTwo.Length; i++) Assert.True(afterTwo[i].allclose(model.Parameters[i], rtol: 0, atol: 0), $"parameter {i} is not as after epoch 2");
            using var saved = ModelFile.Load(path);
            Assert.Equal(2, saved.EpochsTrained);
            for (int i = 0; i < afterTwo.Length; i++) Assert.True(afterTwo[i].allclose(saved.Parameters[i], rtol: 0, atol: 0), $"the checkpoint's parameter {i} is not as after epoch 2");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ACorpusWithCharactersOutsideTheModelsVocabularyIsNamed()
    {
        using var model = new RnnModel(Tiny.Corpus("abc").Vocabulary, 8, seed: 1);
        var ex = Assert.Throws<PSCharRnnException>(() => new Trainer(model, Tiny.Corpus("abcxyz"), new TrainingOptions()));
        Assert.Equal("CorpusOutOfVocabulary", ex.ErrorId);
        Assert.Contains("x y z", ex.Message);
    }
}
