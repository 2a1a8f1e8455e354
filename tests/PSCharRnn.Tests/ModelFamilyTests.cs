using System.Globalization;
using System.Text.Json;
using PSCharRnn.Corpus;
using PSCharRnn.Generation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;
using PSCharRnn.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

public class ModelFamilyTests
{
    private static readonly string Repetitive = string.Concat(Enumerable.Repeat("abcdefgh ", 120));

    private static RnnModel NewModel(CellType cell, int layers = 1, int hidden = 32, long seed = 3, double dropout = 0) =>
        new ModelSettings { Cell = cell, HiddenSize = hidden, NumLayers = layers, Dropouts = new DropoutRates { BetweenLayers = dropout } }.Create(Tiny.Corpus(Repetitive).Vocabulary, seed, CPU);

    [Theory]
    [InlineData(CellType.GRU, 1)]
    [InlineData(CellType.LSTM, 2)]
    public void GatedCellsLearnATinyCorpusWithAdam(CellType cell, int layers)
    {
        using var model = NewModel(cell, layers);
        // Windows of 10 steps on a line of 9 characters start at every phase of the line.
        var options = new TrainingOptions { Epochs = 30, NumSteps = 10, BatchSize = 8, Optimizer = OptimizerKind.Adam, Seed = 3, ReportEvery = 0, ThreadCount = 1 };
        new Trainer(model, Tiny.Corpus(Repetitive), options).Train(CancellationToken.None);
        Assert.True(model.Perplexity < 1.1, $"perplexity {model.Perplexity}");
        Assert.Equal(0.01, model.LastTraining!.LearningRate);
        Assert.Equal("cdefgh abcdefgh ab", Predictor.Predict(model, "cd", 16));
    }

    [Theory]
    [InlineData(Sampling.Random, OptimizerKind.Adam)]
    [InlineData(Sampling.Consecutive, OptimizerKind.Adam)]
    [InlineData(Sampling.Random, OptimizerKind.SGD)]
    public void AResumedRunContinuesExactlyAsAnUninterruptedOne(Sampling sampling, OptimizerKind optimizer)
    {
        var corpus = Tiny.Corpus(Repetitive);
        var options = new TrainingOptions { NumSteps = 9, BatchSize = 8, Optimizer = optimizer, Sampling = sampling, Seed = 11, ReportEvery = 0, ThreadCount = 1 };
        using var straight = NewModel(CellType.LSTM, layers: 2, hidden: 16, dropout: 0.3);
        new Trainer(straight, corpus, options with { Epochs = 4 }).Train(CancellationToken.None);

        string file = Path.Combine(Path.GetTempPath(), $"resume-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var first = NewModel(CellType.LSTM, layers: 2, hidden: 16, dropout: 0.3))
            {
                new Trainer(first, corpus, options with { Epochs = 2 }).Train(CancellationToken.None);
                ModelFile.Save(first, file);
            }
            using var resumed = ModelFile.Load(file);
            Assert.Equal(optimizer, resumed.Optimizer!.Kind);
            new Trainer(resumed, corpus, options with { Epochs = 2, Seed = null }).Train(CancellationToken.None);
            Assert.Equal(straight.History.Select(r => r.Perplexity), resumed.History.Select(r => r.Perplexity));
            foreach (var ((name, a), (_, b)) in straight.NamedParameters.Zip(resumed.NamedParameters))
                Assert.True(a.allclose(b, rtol: 0, atol: 0), name);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AResumedCosineScheduleTakesTheRatesOfAnUninterruptedOne()
    {
        // A checkpoint's optimizer comes back at its last epoch's rate; the schedule must still anchor on its first.
        var corpus = Tiny.Corpus(Repetitive);
        var options = new TrainingOptions
        {
            NumSteps = 9, BatchSize = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01, Schedule = LearningRateSchedule.Cosine,
            ScheduleEpochs = 5, Seed = 11, ReportEvery = 0, ThreadCount = 1,
        };
        using var straight = NewModel(CellType.GRU, hidden: 16);
        new Trainer(straight, corpus, options with { Epochs = 5 }).Train(CancellationToken.None);

        string file = Path.Combine(Path.GetTempPath(), $"cosine-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var first = NewModel(CellType.GRU, hidden: 16))
            {
                new Trainer(first, corpus, options with { Epochs = 3 }).Train(CancellationToken.None);
                ModelFile.Save(first, file);
            }
            using var resumed = ModelFile.Load(file);
            new Trainer(resumed, corpus, resumed.LastTraining! with { Epochs = 2, Seed = null }).Train(CancellationToken.None);
            Assert.Equal(straight.History.Select(r => r.LearningRate), resumed.History.Select(r => r.LearningRate));
            Assert.Equal(straight.History.Select(r => r.Perplexity), resumed.History.Select(r => r.Perplexity));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ACosineScheduleBeginsAtTheRateItIsGivenWhenTheOptimizerWasMadeAtAnother()
    {
        var corpus = Tiny.Corpus(Repetitive);
        var options = new TrainingOptions { NumSteps = 9, BatchSize = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01, Seed = 11, ReportEvery = 0, ThreadCount = 1, Epochs = 1 };
        using var model = NewModel(CellType.RNN, hidden: 8);
        new Trainer(model, corpus, options).Train(CancellationToken.None);
        new Trainer(model, corpus, options with { LearningRate = 0.002, Schedule = LearningRateSchedule.Cosine, ScheduleStart = 1, ScheduleEpochs = 4, Epochs = 4 })
            .Train(CancellationToken.None);
        var cosine = Enumerable.Range(0, 4).Select(k => 0.0002 + 0.0018 * (1 + Math.Cos(Math.PI * k / 4)) / 2);
        foreach (var (expected, actual) in cosine.Zip(model.History.Skip(1).Select(r => r.LearningRate!.Value)))
            Assert.Equal(expected, actual, 12);
    }

    [Fact]
    public void AdamsStateIsSavedAndLoaded()
    {
        using var model = NewModel(CellType.GRU, hidden: 8);
        new Trainer(model, Tiny.Corpus(Repetitive), new TrainingOptions { Epochs = 1, NumSteps = 9, BatchSize = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.02, Seed = 1, ReportEvery = 0 })
            .Train(CancellationToken.None);
        string file = Path.Combine(Path.GetTempPath(), $"adam-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelFile.Save(model, file);
            using var loaded = ModelFile.Load(file);
            Assert.Equal(OptimizerKind.Adam, loaded.Optimizer!.Kind);
            Assert.Equal(0.02, loaded.Optimizer.LearningRate);
            Assert.Equal(model.Optimizer!.StepCount, loaded.Optimizer.StepCount);
            Assert.True(model.Optimizer.StepCount > 0);
            for (int i = 0; i < model.Parameters.Length; i++)
                foreach (var ((name, a), (_, b)) in model.Optimizer.StateTensors(i).Zip(loaded.Optimizer.StateTensors(i)))
                    Assert.True(a.allclose(b, rtol: 0, atol: 0), $"{name} of {model.NamedParameters[i].Name}");
            Assert.Equal(CellType.GRU, loaded.CellType);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AVersionOneFileMadeBeforeTheModelFamilyLoadsAndPredictsExactlyAsBefore()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "tiny-rnn.format1.json")));
        using var model = ModelFile.Load(Path.Combine(folder, "tiny-rnn.format1.bin"));
        var root = expected.RootElement;
        Assert.Equal(CellType.RNN, model.CellType);
        Assert.Equal(1, model.NumLayers);
        Assert.Null(model.Optimizer);
        Assert.Equal(root.GetProperty("Prediction").GetString(), Predictor.Predict(model, root.GetProperty("Prefix").GetString()!, root.GetProperty("Length").GetInt32()));
        Assert.Equal(root.GetProperty("Perplexities").EnumerateArray().Select(p => double.Parse(p.GetString()!, CultureInfo.InvariantCulture)),
            model.History.Select(r => r.Perplexity));
        Assert.Equal(float.Parse(root.GetProperty("W_hq00").GetString()!, CultureInfo.InvariantCulture), model.W_hq[0, 0].item<float>());
    }

    [Fact]
    public void AVersionTwoFileWithAdamStateMadeBeforeFormatThreeLoadsPredictsAndResumesAsBefore()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "tiny-gru.format2.json")));
        using var model = ModelFile.Load(Path.Combine(folder, "tiny-gru.format2.bin"));
        var root = expected.RootElement;
        Assert.Equal((CellType.GRU, 2, 0, false), (model.CellType, model.NumLayers, model.Description.EmbeddingSize, model.Description.TiedOutput));
        Assert.Equal(new DropoutRates { BetweenLayers = 0.2 }, model.Dropouts);
        Assert.Equal(root.GetProperty("Prediction").GetString(), Predictor.Predict(model, root.GetProperty("Prefix").GetString()!, root.GetProperty("Length").GetInt32()));
        Assert.Equal(root.GetProperty("Perplexities").EnumerateArray().Select(p => double.Parse(p.GetString()!, CultureInfo.InvariantCulture)),
            model.History.Select(r => r.Perplexity));
        Assert.Equal(float.Parse(root.GetProperty("W_hq00").GetString()!, CultureInfo.InvariantCulture), model.W_hq[0, 0].item<float>());
        Assert.Equal((OptimizerKind.Adam, 0.0), (model.Optimizer!.Kind, model.Optimizer.WeightDecay));
        Assert.Equal(root.GetProperty("Step").GetInt64(), model.Optimizer.StepCount);
        int w = model.NamedParameters.Select(p => p.Name).ToList().IndexOf("W_hq");
        Assert.Equal(float.Parse(root.GetProperty("ExpAvgW_hq00").GetString()!, CultureInfo.InvariantCulture), model.Optimizer.StateTensors(w)[0].Value[0, 0].item<float>());
        Assert.Equal(LearningRateSchedule.Constant, model.LastTraining!.Schedule);
        Assert.Equal(0, model.LastTraining.LabelSmoothing);

        var corpus = new LyricsCorpus(string.Concat(Enumerable.Repeat("cabbage cab bag bagged ", 12)), new[] { "fixture" });
        new Trainer(model, corpus, model.LastTraining with { Epochs = 1 }).Train(CancellationToken.None);
        Assert.Equal(4, model.EpochsTrained);
    }

    [Fact]
    public void NamingAnotherCellTypeOrLayerCountForAModelIsAnError()
    {
        using var model = NewModel(CellType.GRU, layers: 2, hidden: 4);
        Assert.Equal("CellTypeMismatch", Assert.Throws<PSCharRnnException>(() => ModelSettings.CheckStructure(model, CellType.LSTM, null)).ErrorId);
        Assert.Equal("NumLayersMismatch", Assert.Throws<PSCharRnnException>(() => ModelSettings.CheckStructure(model, null, 1)).ErrorId);
        ModelSettings.CheckStructure(model, CellType.GRU, 2);
        Assert.Equal("NumLayersOutOfRange", Assert.Throws<PSCharRnnException>(() => new ModelDescription(CellType.RNN, 4, 4, 0)).ErrorId);
        Assert.Equal("DropoutOutOfRange", Assert.Throws<PSCharRnnException>(() => model.Dropouts with { Input = 1 }).ErrorId);
    }
}
