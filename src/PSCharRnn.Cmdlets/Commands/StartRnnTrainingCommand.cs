using System.Management.Automation;
using PSCharRnn.Corpus;
using PSCharRnn.Generation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;
using PSCharRnn.Training;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsLifecycle.Start, "RnnTraining", DefaultParameterSetName = CorpusSet, SupportsShouldProcess = true)]
[OutputType(typeof(RnnModel))]
public sealed class StartRnnTrainingCommand : PSCharRnnCmdlet
{
    private const string CorpusSet = "Corpus";
    private const string ModelSet = "Model";

    /// <summary>The text to learn. With a corpus from the pipeline a new model is made for it.</summary>
    [Parameter(ParameterSetName = CorpusSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ModelSet)]
    [ValidateNotNull]
    public LyricsCorpus Corpus { get; set; } = null!;

    /// <summary>A model to train further; without -Corpus it trains on the corpus it remembers.</summary>
    [Parameter(ParameterSetName = ModelSet, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnModel Model { get; set; } = null!;

    /// <summary>Hidden units of the new model (corpus input only).</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    [ValidateRange(1, 8192)]
    public int HiddenSize { get; set; } = 256;

    /// <summary>Passes over the corpus.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int Epochs { get; set; } = 250;

    /// <summary>Characters per sequence (time steps of truncated backpropagation).</summary>
    [Parameter]
    [ValidateRange(1, 10_000)]
    public int NumSteps { get; set; } = 35;

    /// <summary>Sequences per minibatch.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int BatchSize { get; set; } = 32;

    /// <summary>SGD step size (the book's 100 goes with the mean loss and clipping at 0.01).</summary>
    [Parameter]
    [ValidateRange(double.Epsilon, double.MaxValue)]
    public double LearningRate { get; set; } = 100;

    /// <summary>Largest global L2 norm of the gradients.</summary>
    [Parameter]
    [ValidateRange(double.Epsilon, double.MaxValue)]
    public double ClipTheta { get; set; } = 0.01;

    /// <summary>Random: shuffled windows, fresh state per minibatch. Consecutive: state carried across minibatches.</summary>
    [Parameter]
    public Sampling Sampling { get; set; } = Sampling.Random;

    /// <summary>Report perplexity and samples every N epochs (0: never).</summary>
    [Parameter]
    [ValidateRange(0, 1_000_000)]
    public int ReportEvery { get; set; } = 50;

    /// <summary>Characters each report sample appends to its prefix.</summary>
    [Parameter]
    [ValidateRange(0, 10_000)]
    public int SampleLength { get; set; } = 50;

    /// <summary>Prefixes for the report samples (the book's 分开 and 不分开).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] SamplePrefix { get; set; } = { "分开", "不分开" };

    /// <summary>Seed for the initial weights and the minibatch order; with -ThreadCount it makes runs repeatable.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? Seed { get; set; }

    /// <summary>libtorch threads (default: one per core).</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? ThreadCount { get; set; }

    /// <summary>Where a new model's tensors live; only 'cpu' is available.</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    [ValidateNotNullOrEmpty]
    public string Device { get; set; } = DeviceArgument.Cpu;

    /// <summary>A model file written atomically every -CheckpointEvery epochs, at the end, and on Ctrl+C.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointPath { get; set; }

    /// <summary>Epochs between checkpoints.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int CheckpointEvery { get; set; } = 10;

    protected override void ProcessRecord() => Run(() =>
    {
        var model = ParameterSetName == ModelSet
            ? Model
            : new RnnModel(Corpus.Vocabulary, HiddenSize, Seed, DeviceArgument.Parse(Device)) { Corpus = Corpus };
        var corpus = ParameterSetName == CorpusSet ? Corpus : Corpus ?? Model.Corpus
            ?? throw new PSCharRnnException("CorpusRequired", ErrorCategory.InvalidArgument, Model,
                "This model remembers no corpus (it was made from a vocabulary or loaded from a file): give one with -Corpus.");
        var trainer = new Trainer(model, corpus, Options(model));
        string? checkpoint = CheckpointPath is null ? null : GetUnresolvedProviderPathFromPSPath(CheckpointPath);
        if (checkpoint is not null && !ShouldProcess(checkpoint, "Write training checkpoints")) checkpoint = null;
        var progress = new TrainingProgress(this, trainer.Options);
        trainer.EpochCompleted = (run, record) =>
        {
            progress.OnEpoch(run, record);
            if (checkpoint is not null && (run % CheckpointEvery == 0 || run == Epochs)) ModelFile.Save(model, checkpoint);
        };
        try
        {
            trainer.Train(Cancellation);
        }
        catch (OperationCanceledException) when (checkpoint is not null)
        {
            // Stopped at a minibatch boundary: keep what was learned so far before stopping.
            ModelFile.Save(model, checkpoint);
            throw;
        }
        finally
        {
            progress.Complete();
        }
        model.Corpus = corpus;
        WriteObject(model);
    });

    private TrainingOptions Options(RnnModel model)
    {
        // The book's prefixes are only a default: leave out those a corpus of other lyrics cannot continue.
        var prefixes = MyInvocation.BoundParameters.ContainsKey(nameof(SamplePrefix))
            ? SamplePrefix
            : SamplePrefix.Where(p => model.Vocabulary.Missing(p).Count == 0).ToArray();
        foreach (var prefix in prefixes) Predictor.CheckPrefix(model.Vocabulary, prefix);
        return new TrainingOptions
        {
            Epochs = Epochs,
            NumSteps = NumSteps,
            BatchSize = BatchSize,
            LearningRate = LearningRate,
            ClipTheta = ClipTheta,
            Sampling = Sampling,
            ReportEvery = ReportEvery,
            SampleLength = SampleLength,
            SamplePrefixes = prefixes,
            Seed = Seed,
            ThreadCount = ThreadCount,
        };
    }
}
