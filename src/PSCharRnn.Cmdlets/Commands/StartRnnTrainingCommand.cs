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

    /// <summary>The recurrent cell of a new model: RNN (default), GRU or LSTM. For a model input, it must be the model's.</summary>
    [Parameter]
    public CellType? CellType { get; set; }

    /// <summary>Hidden units per layer of the new model (corpus input only).</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    [ValidateRange(1, 8192)]
    public int HiddenSize { get; set; } = 256;

    /// <summary>Stacked layers of a new model (default 1). For a model input, it must be the model's.</summary>
    [Parameter]
    [ValidateRange(1, ModelDescription.MaxLayers)]
    public int? NumLayers { get; set; }

    /// <summary>Probability of zeroing a unit between stacked layers while training (a new model's default is 0; a model input keeps its own unless given).</summary>
    [Parameter]
    [ValidateRange(0.0, 0.99)]
    public double? Dropout { get; set; }

    /// <summary>SGD (the book's, default) or Adam (torch.optim.Adam, as the chapter's concise versions).</summary>
    [Parameter]
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.SGD;

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

    /// <summary>Step size: by default 100 for SGD (the book's, with the mean loss and clipping at 0.01) and 0.01 for Adam. At most 1e30, what float32 training can take.</summary>
    [Parameter]
    [ValidateRange(1e-30, 1e30)]
    public double? LearningRate { get; set; }

    /// <summary>Largest global L2 norm of the gradients (applies to both optimizers).</summary>
    [Parameter]
    [ValidateRange(1e-30, 1e30)]
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

    /// <summary>libtorch threads (default: one per core). libtorch has one thread pool per process: the last value set applies to every runspace of the process.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? ThreadCount { get; set; }

    /// <summary>Where a new model's tensors live; only 'cpu' is available.</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DeviceArgument))]
    public string Device { get; set; } = DeviceArgument.Cpu;

    /// <summary>A model file written atomically every -CheckpointEvery epochs, at the end, and on Ctrl+C.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointPath { get; set; }

    /// <summary>Hold out the end of the corpus text (this fraction of its characters, at most 0.5) and report its perplexity every epoch.</summary>
    [Parameter]
    [ValidateRange(0.0001, 0.5)]
    public double? ValidationFraction { get; set; }

    /// <summary>A separate text whose perplexity is reported every epoch; its characters must be in the model's vocabulary.</summary>
    [Parameter]
    [ValidateNotNull]
    public LyricsCorpus? ValidationCorpus { get; set; }

    /// <summary>A model file that always holds the model with the lowest validation perplexity so far (written atomically).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BestModelPath { get; set; }

    /// <summary>Stop (normally) when the validation perplexity has not improved for this many epochs; the last history record says why.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int? Patience { get; set; }

    /// <summary>Epochs between checkpoints.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int CheckpointEvery { get; set; } = 10;

    protected override void ProcessRecord() => Run(() =>
    {
        RnnModel model;
        if (ParameterSetName == ModelSet)
        {
            model = Model;
            ModelSettings.CheckStructure(model, CellType, NumLayers);
            if (Dropout is double dropout) model.Dropout = dropout;
        }
        else
        {
            // What the user left out keeps ModelSettings' defaults, the ones New-RnnModel uses.
            var defaults = new ModelSettings();
            var settings = defaults with
            {
                Cell = CellType ?? defaults.Cell, HiddenSize = HiddenSize, NumLayers = NumLayers ?? defaults.NumLayers, Dropout = Dropout ?? defaults.Dropout,
            };
            model = settings.Create(Corpus.Vocabulary, Seed, DeviceArgument.Parse(Device));
            model.Corpus = Corpus;
        }
        var corpus = ParameterSetName == CorpusSet ? Corpus : Corpus ?? Model.Corpus
            ?? throw new PSCharRnnException("CorpusRequired", ErrorCategory.InvalidArgument, Model,
                "This model remembers no corpus (it was made from a vocabulary or loaded from a file): give one with -Corpus.");
        string? checkpoint = Writable(CheckpointPath, "Write training checkpoints");
        string? best = Writable(BestModelPath, "Keep the model with the lowest validation perplexity");
        var trainer = new Trainer(model, corpus, Options(model), ValidationCorpus)
        {
            Checkpoint = checkpoint is null ? null : new CheckpointPolicy(checkpoint, CheckpointEvery),
            BestModelPath = best,
        };
        var progress = new TrainingProgress(this, trainer.Options);
        trainer.EpochCompleted = progress.OnEpoch;
        trainer.BatchCompleted = progress.OnBatch;
        try
        {
            trainer.Train(Cancellation);
        }
        finally
        {
            progress.Complete();
        }
        model.Corpus = corpus;
        WriteObject(model);
    });

    // A model file the run will write, checked before any training; null when not given or declined (-WhatIf).
    private string? Writable(string? path, string action)
    {
        if (path is null) return null;
        string full = ModelFile.CheckWritable(GetUnresolvedProviderPathFromPSPath(path));
        return ShouldProcess(full, action) ? full : null;
    }

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
            Optimizer = Optimizer,
            LearningRate = LearningRate,
            ClipTheta = ClipTheta,
            Sampling = Sampling,
            ReportEvery = ReportEvery,
            SampleLength = SampleLength,
            SamplePrefixes = prefixes,
            Seed = Seed,
            ThreadCount = ThreadCount,
            ValidationFraction = ValidationFraction,
            Patience = Patience,
        };
    }
}
