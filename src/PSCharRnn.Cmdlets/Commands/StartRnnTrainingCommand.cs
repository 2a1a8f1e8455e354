using System.Globalization;
using System.Management.Automation;
using PSCharRnn.Corpus;
using PSCharRnn.Generation;
using PSCharRnn.Model;
using PSCharRnn.Native;
using PSCharRnn.Numerics;
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

    /// <summary>
    /// Settings by name from a recipe: Book (the book's, which are also the defaults) or Lyrics (a model that generalizes
    /// to lyrics it has not seen), shipped in the module's Recipes folder, or the path of a .psd1 file of your own.
    /// Parameters you state win (a stated -ValidationCorpus replaces its -ValidationFraction); for a model input the
    /// recipe's structure (cell, sizes, layers) is the model's own.
    /// Get-Help about_PSCharRnn lists what each recipe sets.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RecipeArgument))]
    public string? Recipe { get; set; }

    /// <summary>With a model and a corpus that has characters the model lacks: add them to the model (fine-tuning on your own lyrics) instead of failing. Old characters keep their weights and optimizer state exactly.</summary>
    [Parameter(ParameterSetName = ModelSet)]
    public SwitchParameter ExtendVocabulary { get; set; }

    /// <summary>The recurrent cell of a new model: RNN (default), GRU or LSTM. For a model input, it must be the model's.</summary>
    [Parameter]
    public CellType? CellType { get; set; }

    /// <summary>Hidden units per layer of the new model (corpus input only).</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    [ValidateRange(1, ModelDescription.MaxHiddenSize)]
    public int HiddenSize { get; set; } = ModelDescription.DefaultHiddenSize;

    /// <summary>Units of a character embedding of the new model, apart from the hidden size (corpus input only; 0: none, the book's one-hot input).</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    [ValidateRange(0, ModelDescription.MaxHiddenSize)]
    public int EmbeddingSize { get; set; }

    /// <summary>Tie the output layer's weights to the embedding (W_hq = embeddingᵀ, Press and Wolf 2017): fewer parameters, and rare characters learn one vector for reading and writing. Needs -EmbeddingSize equal to -HiddenSize.</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    public SwitchParameter TieWeights { get; set; }

    /// <summary>Stacked layers of a new model (default 1). For a model input, it must be the model's.</summary>
    [Parameter]
    [ValidateRange(1, ModelDescription.MaxLayers)]
    public int? NumLayers { get; set; }

    /// <summary>Probability of zeroing a unit between stacked layers while training (a new model's default is 0; a model input keeps its own unless given).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double? Dropout { get; set; }

    /// <summary>Probability of zeroing a unit of each character's input vector while training, one mask per sequence (a new model's default is 0; a model input keeps its own unless given).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double? InputDropout { get; set; }

    /// <summary>Probability of zeroing a unit of the top layer's states before the output layer while training, one mask per sequence (a new model's default is 0; a model input keeps its own unless given).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double? OutputDropout { get; set; }

    /// <summary>Probability of zeroing each recurrent weight (W_h*) for a minibatch while training, AWD-LSTM's weight drop (a new model's default is 0; a model input keeps its own unless given).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double? RecurrentDropout { get; set; }

    /// <summary>Probability of blanking a character's whole input vector at a position while training, so the model learns to predict from less context (a new model's default is 0; a model input keeps its own unless given).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double? CharacterDropout { get; set; }

    /// <summary>SGD (the book's, default), Adam (torch.optim.Adam, as the chapter's concise versions) or AdamW (torch.optim.AdamW, Adam with decoupled weight decay).</summary>
    [Parameter]
    public OptimizerKind Optimizer { get; set; } = TrainingOptions.Book.Optimizer;

    /// <summary>Passes over the corpus.</summary>
    [Parameter]
    [ValidateRange(1, TrainingOptions.MaxEpochs)]
    public int Epochs { get; set; } = TrainingOptions.Book.Epochs;

    /// <summary>Characters per sequence (time steps of truncated backpropagation).</summary>
    [Parameter]
    [ValidateRange(1, TrainingOptions.MaxNumSteps)]
    public int NumSteps { get; set; } = TrainingOptions.Book.NumSteps;

    /// <summary>Sequences per minibatch.</summary>
    [Parameter]
    [ValidateRange(1, TrainingOptions.MaxBatchSize)]
    public int BatchSize { get; set; } = TrainingOptions.Book.BatchSize;

    /// <summary>Step size: by default 100 for SGD (the book's, with the mean loss and clipping at 0.01) and 0.01 for Adam. At most 1e30, what float32 training can take.</summary>
    [Parameter]
    [ValidateNumber(TrainingOptions.MinRate, TrainingOptions.MaxRate)]
    public double? LearningRate { get; set; }

    /// <summary>Largest global L2 norm of the gradients (applies to both optimizers).</summary>
    [Parameter]
    [ValidateNumber(TrainingOptions.MinRate, TrainingOptions.MaxRate)]
    public double ClipTheta { get; set; } = TrainingOptions.Book.ClipTheta;

    /// <summary>Weight decay: AdamW's decoupled decay per step, or an L2 term in the gradient for SGD and Adam (0: none, the book's).</summary>
    [Parameter]
    [ValidateNumber(0.0, TrainingOptions.MaxWeightDecay)]
    public double WeightDecay { get; set; } = TrainingOptions.Book.WeightDecay;

    /// <summary>Label smoothing ε: the loss's target is (1 − ε)·one-hot + ε/V, so no character's probability is driven to zero (0: none, the book's). Perplexities stay plain cross-entropy.</summary>
    [Parameter]
    [ValidateNumber(0.0, TrainingOptions.MaxLabelSmoothing)]
    public double LabelSmoothing { get; set; } = TrainingOptions.Book.LabelSmoothing;

    /// <summary>Constant (the book's) or Cosine: torch.optim.lr_scheduler.CosineAnnealingLR from -LearningRate down to a tenth of it over this run's -Epochs. A resumed model continues the schedule it began unless you state another.</summary>
    [Parameter]
    public LearningRateSchedule LearningRateSchedule { get; set; } = TrainingOptions.Book.Schedule;

    /// <summary>Random: shuffled windows, fresh state per minibatch. Consecutive: state carried across minibatches.</summary>
    [Parameter]
    public Sampling Sampling { get; set; } = TrainingOptions.Book.Sampling;

    /// <summary>Full (the book's) or Mixed: the output layer's products take bfloat16 inputs and sum in float32 where the processor has bf16 arithmetic (AVX512_BF16 or AMX) and that was measured faster; parameters, optimizer state, the softmax and the loss stay float32. Elsewhere it says why and trains in float32. A resumed model keeps its precision unless you state another.</summary>
    [Parameter]
    public Precision Precision { get; set; } = TrainingOptions.Book.Precision;

    /// <summary>Report perplexity and samples every N epochs (0: never).</summary>
    [Parameter]
    [ValidateRange(0, TrainingOptions.MaxEpochs)]
    public int ReportEvery { get; set; } = TrainingOptions.Book.ReportEvery;

    /// <summary>Characters each report sample appends to its prefix.</summary>
    [Parameter]
    [ValidateRange(0, TrainingOptions.MaxSampleLength)]
    public int SampleLength { get; set; } = TrainingOptions.Book.SampleLength;

    /// <summary>Prefixes for the report samples (the book's 分开 and 不分开).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] SamplePrefix { get; set; } = TrainingOptions.Book.SamplePrefixes.ToArray();

    /// <summary>Seed for the initial weights and the minibatch order; with -ThreadCount it makes runs repeatable.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? Seed { get; set; }

    /// <summary>libtorch threads (default: one per core). libtorch has one thread pool per process: the last value set applies to every runspace of the process.</summary>
    [Parameter]
    [ValidateRange(1, TrainingOptions.MaxThreadCount)]
    public int? ThreadCount { get; set; }

    /// <summary>Where a new model's tensors live; only 'cpu' is available.</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DeviceArgument))]
    public string Device { get; set; } = DeviceArgument.Cpu;

    /// <summary>A model file written atomically every -CheckpointEvery epochs, at the end, and, with the last whole epoch, when Ctrl+C or an error stops training.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointPath { get; set; }

    /// <summary>Hold out the end of the corpus text (this fraction of its characters, at most 0.5) and report its perplexity every epoch.</summary>
    [Parameter]
    [ValidateNumber(TrainingOptions.MinValidationFraction, TrainingOptions.MaxValidationFraction)]
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
    [ValidateRange(1, TrainingOptions.MaxEpochs)]
    public int? Patience { get; set; }

    /// <summary>Epochs between checkpoints.</summary>
    [Parameter]
    [ValidateRange(1, TrainingOptions.MaxEpochs)]
    public int CheckpointEvery { get; set; } = 10;

    // A model's structure is fixed: a recipe's structure settings apply to new models only.
    private static readonly string[] StructureSettings = { nameof(CellType), nameof(HiddenSize), nameof(NumLayers), nameof(EmbeddingSize), nameof(TieWeights) };

    private TrainingRecipe? recipe;
    private IReadOnlyList<string> fromRecipe = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        bool isNew = ParameterSetName == CorpusSet;
        if (Recipe is not null)
        {
            recipe ??= TrainingRecipe.Load(GetUnresolvedProviderPathFromPSPath(Recipe) is var path && File.Exists(path) ? path : Recipe);
            // A stated -ValidationCorpus is the held-out text: a recipe's -ValidationFraction gives way to it.
            fromRecipe = recipe.ApplyTo(this, name => (isNew || !StructureSettings.Contains(name)) &&
                !(name == nameof(ValidationFraction) && ValidationCorpus is not null));
        }
        var corpus = isNew ? Corpus : Corpus ?? Model.Corpus
            ?? throw new PSCharRnnException("CorpusRequired", ErrorKind.InvalidArgument, Model,
                "This model remembers no corpus (it was made from a vocabulary or loaded from a file): give one with -Corpus.");
        var model = isNew ? NewModel() : Extended(Model, corpus) ?? Model;
        bool owned = model != Model;
        try
        {
            if (!isNew)
            {
                ModelSettings.CheckStructure(model, CellType, NumLayers);
                model.Dropouts = StatedDropouts(model.Dropouts);
            }
            if (Dropout is not null && ModelSettings.IneffectiveDropout(model.NumLayers, model.Dropouts.BetweenLayers) is { } warning) WriteWarning(warning);
            var options = Options(model, corpus);
            if (!ShouldProcess($"{model} ({corpus})", Describe(options)))
            {
                if (owned) model.Dispose();
                return;
            }
            Train(model, corpus, options);
        }
        catch when (owned)
        {
            model.Dispose();
            throw;
        }
        model.Corpus = corpus;
        WriteObject(model);
    });

    // The dropout rates stated (or set by the recipe) in place of these; the rest kept.
    private DropoutRates StatedDropouts(DropoutRates rates) => rates.With(betweenLayers: Dropout, input: InputDropout, output: OutputDropout, recurrent: RecurrentDropout, character: CharacterDropout);

    private RnnModel NewModel()
    {
        // What the user left out keeps ModelSettings' defaults, the ones New-RnnModel uses.
        var defaults = new ModelSettings();
        var settings = defaults with
        {
            Cell = CellType ?? defaults.Cell, HiddenSize = HiddenSize, NumLayers = NumLayers ?? defaults.NumLayers, EmbeddingSize = EmbeddingSize, TieWeights = TieWeights,
            Dropouts = StatedDropouts(defaults.Dropouts),
        };
        var model = settings.Create(Corpus.Vocabulary, Seed, DeviceArgument.Parse(Device));
        model.Corpus = Corpus;
        return model;
    }

    // The model with the characters of the corpus (and validation text) it lacks, with -ExtendVocabulary; null when it lacks none.
    private RnnModel? Extended(RnnModel model, LyricsCorpus corpus)
    {
        var texts = ValidationCorpus is null ? new[] { corpus } : new[] { corpus, ValidationCorpus };
        var missing = texts.SelectMany(t => t.Vocabulary).Where(c => !model.Vocabulary.Contains(c)).Distinct().ToList();
        if (missing.Count == 0) return null;
        if (!ExtendVocabulary)
            throw new PSCharRnnException("CorpusOutOfVocabulary", ErrorKind.InvalidData, string.Concat(missing),
                $"The corpus has {missing.Count} characters the model's vocabulary lacks: {string.Join(" ", missing.Take(40))}" + (missing.Count > 40 ? " ..." : "") +
                ". Add -ExtendVocabulary to give the model these characters and fine-tune it, or train a new model.");
        var extended = VocabularyExtension.Extend(model, missing, Seed)!;
        WriteVerbose($"Extended the model's vocabulary by {missing.Count} characters to {extended.VocabularySize}; the old characters' weights and optimizer state are kept.");
        return extended;
    }

    private void Train(RnnModel model, LyricsCorpus corpus, TrainingOptions options)
    {
        WriteVerbose($"Training on {Gemm.Description}; tensors in {GlibcMalloc.Settings}.");
        if (model.Optimizer is { } current && current.Kind != options.Optimizer)
            WriteWarning($"The model was trained with {current.Kind}; -Optimizer {options.Optimizer} starts a new optimizer, and the {current.Kind} state " +
                $"(step {current.StepCount}) is discarded: the next file written for this model no longer holds it.");
        string? checkpoint = Writable(CheckpointPath, "Write training checkpoints");
        string? best = Writable(BestModelPath, "Keep the model with the lowest validation perplexity");
        using var locks = new FileLocks(new[] { checkpoint, best });
        var trainer = new Trainer(model, corpus, options, ValidationCorpus)
        {
            Checkpoint = checkpoint is null ? null : new CheckpointPolicy(checkpoint, CheckpointEvery),
            BestModelPath = best,
            Writer = new ModelWriter((m, path) => ModelFile.Save(m, path), ModelFile.WriteFailedId),
            SaveFailed = ex => WriteError(new ErrorRecord(ex.ToErrorRecord(), ex)
            {
                ErrorDetails = new ErrorDetails($"{ex.Message} Training goes on with the model in memory; the next checkpoint tries again."),
            }),
        };
        if (MixedPrecision.For(model, trainer.Options) is { } mixed)
        {
            if (mixed.UsesBf16) WriteVerbose(mixed.ToString());
            else WriteWarning(mixed.ToString());
        }
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
    }

    private static string Describe(TrainingOptions o)
    {
        double rate = o.LearningRate ?? ModelOptimizer.DefaultLearningRate(o.Optimizer);
        string held = o.ValidationFraction is double f ? string.Create(CultureInfo.InvariantCulture, $", the last {f * 100}% held out") : "";
        string mixed = o.Precision == Precision.Mixed ? ", mixed precision" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Train {o.Epochs} epoch(s): {o.Optimizer} at learning rate {rate}, {o.Sampling} sampling, {o.BatchSize} x {o.NumSteps} minibatches, clipping at {o.ClipTheta}{held}{mixed}");
    }

    // A model file the run will write, checked before any training; null when not given or declined (-Confirm).
    private string? Writable(string? path, string action)
    {
        if (path is null) return null;
        string full = ModelFile.CheckWritable(GetUnresolvedProviderPathFromPSPath(path));
        return ShouldProcess(full, action) ? full : null;
    }

    private bool Stated(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter) || fromRecipe.Contains(parameter);

    private T Stated<T>(string parameter, T value, T otherwise) => Stated(parameter) ? value : otherwise;

    /// <summary>
    /// What this run trains with: each setting the user stated, and for the rest the model's own last training
    /// (a new model's are the book's), so that a resumed model goes on as it was trained.
    /// </summary>
    private TrainingOptions Options(RnnModel model, LyricsCorpus corpus)
    {
        var last = model.LastTraining ?? TrainingOptions.Book;
        var optimizer = Stated(nameof(Optimizer), Optimizer, last.Optimizer);
        // Another optimizer starts from its own default step size unless one is given.
        var learningRate = Stated(nameof(LearningRate), LearningRate, optimizer == last.Optimizer ? last.LearningRate : null);
        var fraction = Stated(nameof(ValidationFraction), ValidationFraction, ValidationCorpus is null ? last.ValidationFraction : null);
        bool validates = fraction is not null || ValidationCorpus is not null;
        int epochs = Stated(nameof(Epochs), Epochs, last.Epochs);
        // A stated schedule begins now and spans this run; an unstated one goes on where the model's last run left it.
        bool newSchedule = Stated(nameof(LearningRateSchedule));
        return last with
        {
            Schedule = newSchedule ? LearningRateSchedule : last.Schedule,
            ScheduleStart = newSchedule ? model.EpochsTrained : last.ScheduleStart,
            ScheduleEpochs = newSchedule ? epochs : last.ScheduleEpochs,
            Recipe = recipe?.Name ?? last.Recipe,
            Epochs = epochs,
            NumSteps = Stated(nameof(NumSteps), NumSteps, last.NumSteps),
            BatchSize = Stated(nameof(BatchSize), BatchSize, last.BatchSize),
            Optimizer = optimizer,
            LearningRate = learningRate,
            ClipTheta = Stated(nameof(ClipTheta), ClipTheta, last.ClipTheta),
            WeightDecay = Stated(nameof(WeightDecay), WeightDecay, last.WeightDecay),
            LabelSmoothing = Stated(nameof(LabelSmoothing), LabelSmoothing, last.LabelSmoothing),
            Sampling = Stated(nameof(Sampling), Sampling, last.Sampling),
            Precision = Stated(nameof(Precision), Precision, last.Precision),
            ReportEvery = Stated(nameof(ReportEvery), ReportEvery, last.ReportEvery),
            SampleLength = Stated(nameof(SampleLength), SampleLength, last.SampleLength),
            SamplePrefixes = Prefixes(model, corpus, last.SamplePrefixes),
            Seed = Stated(nameof(Seed), Seed, last.Seed),
            ThreadCount = Threads(Stated(nameof(ThreadCount), ThreadCount, last.ThreadCount)),
            ValidationFraction = fraction,
            Patience = Stated(nameof(Patience), Patience, validates ? last.Patience : null),
        };
    }

    private IReadOnlyList<string> Prefixes(RnnModel model, LyricsCorpus corpus, IReadOnlyList<string> remembered)
    {
        if (Stated(nameof(SamplePrefix)))
        {
            foreach (var prefix in SamplePrefix) Predictor.CheckPrefix(model.Vocabulary, prefix);
            return SamplePrefix;
        }
        // Prefixes the user did not choose only report: drop those this vocabulary cannot continue, and when none is
        // left (lyrics in another language) report from the corpus's own first characters.
        var usable = remembered.Where(p => model.Vocabulary.Missing(p).Count == 0).ToArray();
        if (usable.Length > 0 || remembered.Count == 0) return usable;
        string own = corpus.Preview(2);
        if (own.Length == 0 || model.Vocabulary.Missing(own).Count > 0) return usable;
        WriteVerbose($"The corpus has no character of the report prefixes {string.Join(", ", remembered)}: the reports continue '{own}', its first characters.");
        return new[] { own };
    }

    private int? Threads(int? requested)
    {
        if (requested is not int threads || threads <= Environment.ProcessorCount) return requested;
        WriteWarning($"-ThreadCount {threads} is more than this machine's {Environment.ProcessorCount} processors, which only slows libtorch down: using {Environment.ProcessorCount}.");
        return Environment.ProcessorCount;
    }
}
