using PSCharRnn.Numerics;

namespace PSCharRnn.Model;

/// <summary>The book's hyperparameters for section 6.4, as defaults.</summary>
public sealed record TrainingOptions
{
    /// <summary>The book's settings: what a new model trains with when nothing else is said.</summary>
    public static readonly TrainingOptions Book = new();

    // The ranges the settings take, read by Start-RnnTraining's validation.
    public const int MaxEpochs = 1_000_000;
    public const int MaxNumSteps = 10_000;
    public const int MaxBatchSize = 100_000;
    public const int MaxSampleLength = 10_000;
    public const int MaxThreadCount = 1024;
    public const double MaxWeightDecay = 1e6;
    public const double MaxLabelSmoothing = 0.99;
    public const double MinValidationFraction = 0.0001, MaxValidationFraction = 0.5;

    /// <summary>Learning rates and clipping thresholds: float32 cannot take a rate much above this range.</summary>
    public const double MinRate = 1e-30, MaxRate = 1e30;

    /// <summary>The recipe the settings came from (Start-RnnTraining -Recipe), if any.</summary>
    public string? Recipe { get; init; }

    public int Epochs { get; init; } = 250;
    public int NumSteps { get; init; } = 35;
    public int BatchSize { get; init; } = 32;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.SGD;

    /// <summary>Null: the optimizer's default (SGD 100, Adam 0.01).</summary>
    public double? LearningRate { get; init; }
    public double ClipTheta { get; init; } = 0.01;

    /// <summary>How the learning rate moves over epochs (Constant: the book's).</summary>
    public LearningRateSchedule Schedule { get; init; }

    /// <summary>The model's epoch count when the schedule began (the epochs it had already trained).</summary>
    public int ScheduleStart { get; init; }

    /// <summary>The epochs the schedule spans: the -Epochs of the run that chose it.</summary>
    public int? ScheduleEpochs { get; init; }

    /// <summary>Weight decay: AdamW's decoupled decay, or an L2 term in the gradient for SGD and Adam (0: none, the book's).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Label smoothing ε of the loss: the target is (1 − ε)·one-hot + ε/V (0: none, the book's).</summary>
    public double LabelSmoothing { get; init; }
    public Sampling Sampling { get; init; } = Sampling.Random;

    /// <summary>What the output layer's products compute in (Full: the book's).</summary>
    public Precision Precision { get; init; }
    public int ReportEvery { get; init; } = 50;
    public int SampleLength { get; init; } = 50;
    public IReadOnlyList<string> SamplePrefixes { get; init; } = new[] { "分开", "不分开" };
    public long? Seed { get; init; }

    /// <summary>The end of the corpus held out for validation (char-rnn's split), as a fraction of its characters.</summary>
    public double? ValidationFraction { get; init; }

    /// <summary>Stop when the validation perplexity has not improved for this many epochs.</summary>
    public int? Patience { get; init; }
    public int? ThreadCount { get; init; }
}
