using System.Diagnostics;
using System.Runtime.CompilerServices;
using PSCharRnn.Corpus;
using PSCharRnn.Generation;
using PSCharRnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>
/// The book's train_and_predict_rnn: minibatches, mean cross-entropy, global-norm clipping, an optimizer step,
/// perplexity per epoch and samples every ReportEvery epochs; with checkpoints, and a clear stop on divergence.
/// </summary>
public sealed class Trainer
{
    /// <summary>An epoch whose perplexity is this many times the vocabulary size (a uniform guess) has blown up.</summary>
    public const double DivergenceFactor = 100;

    private readonly RnnModel model;
    private readonly MinibatchSampler sampler;
    private readonly int[]? validation;

    /// <summary>
    /// Held-out text comes from <paramref name="validationCorpus"/>, or from the end of <paramref name="corpus"/> with
    /// Options.ValidationFraction (the vocabulary is the model's, built from the whole corpus, so the held-out part
    /// never has a character the model lacks, though it may have one it never trained on).
    /// </summary>
    public Trainer(RnnModel model, LyricsCorpus corpus, TrainingOptions options, LyricsCorpus? validationCorpus = null)
    {
        this.model = model;
        var indices = corpus.IndicesIn(model.Vocabulary, "CorpusOutOfVocabulary", "corpus");
        if (validationCorpus is not null && options.ValidationFraction is not null)
            throw new PSCharRnnException("ValidationConflict", ErrorKind.InvalidArgument, options.ValidationFraction,
                "Give either -ValidationFraction (hold out the end of the corpus) or -ValidationCorpus (a separate text), not both.");
        if (validationCorpus is not null)
            validation = validationCorpus.IndicesIn(model.Vocabulary, "ValidationCorpusOutOfVocabulary", "validation corpus");
        else if (options.ValidationFraction is double fraction)
            (indices, validation) = HeldOutSplit.Of(indices, fraction);
        if (validation is { Length: < 2 })
            throw new PSCharRnnException("ValidationTooShort", ErrorKind.InvalidArgument, validation.Length,
                $"The validation text has {validation.Length} character(s); it needs at least 2 to score one. Hold out more.");
        if (validation is null && options.Patience is not null)
            throw new PSCharRnnException("ValidationRequired", ErrorKind.InvalidArgument, options.Patience,
                "-Patience watches the validation perplexity: give -ValidationFraction or -ValidationCorpus too.");
        // A resumed model keeps its seed unless told otherwise, so its epochs shuffle as an uninterrupted run's would.
        Options = options with
        {
            Seed = options.Seed ?? model.LastTraining?.Seed ?? Random.Shared.NextInt64(int.MaxValue),
            LearningRate = options.LearningRate ?? ModelOptimizer.DefaultLearningRate(options.Optimizer),
        };
        sampler = MinibatchSampler.Create(Options.Sampling, indices, Options.BatchSize, Options.NumSteps, Options.Seed!.Value);
        TrainingMemory.Ensure(model.Description, Options, indices.Length);
    }

    /// <summary>The options in force, with the seed and learning rate chosen when none was given (so a run can be repeated).</summary>
    public TrainingOptions Options { get; }

    /// <summary>Where to save the model as training goes; null: nowhere.</summary>
    public CheckpointPolicy? Checkpoint { get; init; }

    /// <summary>How checkpoints and the best model are written; needed with either.</summary>
    public ModelWriter? Writer { get; init; }

    /// <summary>Where to keep the model with the lowest validation perplexity so far (written atomically); null: nowhere.</summary>
    public string? BestModelPath
    {
        get => bestModelPath;
        init => bestModelPath = value is null || validation is not null ? value
            : throw new PSCharRnnException("ValidationRequired", ErrorKind.InvalidArgument, value,
                "-BestModelPath keeps the model with the lowest validation perplexity: give -ValidationFraction or -ValidationCorpus too.");
    }

    private readonly string? bestModelPath;

    /// <summary>
    /// Called, on the training thread, when a checkpoint or best-model file cannot be written (a full disk, say):
    /// training goes on with the model in memory and the next checkpoint tries again. Null: the failure stops training.
    /// </summary>
    public Action<PSCharRnnException>? SaveFailed { get; init; }

    /// <summary>Called after every epoch, on the training thread: (epoch index within this run, record).</summary>
    public Action<int, EpochRecord>? EpochCompleted { get; set; }

    /// <summary>Called after every minibatch, on the training thread: (epoch index within this run, minibatches done, minibatches per epoch).</summary>
    public Action<int, int, int>? BatchCompleted { get; set; }

    /// <summary>
    /// Trains Options.Epochs epochs. Cancellation stops at the next minibatch boundary with the model as it was after
    /// its last whole epoch (and saved, with a checkpoint policy), so that resuming continues exactly; so does any
    /// exception, which is then rethrown.
    /// </summary>
    public void Train(CancellationToken cancel)
    {
        if (Options.ThreadCount is int threads) set_num_threads(threads);
        PrepareOptimizer();
        var rates = new EpochLearningRates(model.Optimizer!, Options);
        model.LastTraining = Options;
        try
        {
            for (int run = 1; run <= Options.Epochs; run++)
            {
                int epoch = model.EpochsTrained + 1;
                double rate = rates.Apply(epoch);
                var record = TrainEpoch(epoch, run, cancel) with { LearningRate = rate };
                if (record.ValidationPerplexity is double current)
                {
                    var best = model.History.Where(r => r.ValidationPerplexity is not null).MinBy(r => r.ValidationPerplexity);
                    if (best is null || current < best.ValidationPerplexity)
                    {
                        if (BestModelPath is not null) SaveAfter(record, BestModelPath);
                    }
                    else if (Options.Patience is int patience && record.Epoch - best.Epoch >= patience)
                        record = record with
                        {
                            StoppedBecause = $"the validation perplexity has not improved for {patience} epochs (best {best.ValidationPerplexity:F6} at epoch {best.Epoch})",
                        };
                }
                model.History.Add(record);
                bool last = run == Options.Epochs || record.StoppedBecause is not null;
                if (Checkpoint?.IsDue(run, last) == true) Save(Checkpoint.Path);
                EpochCompleted?.Invoke(run, record);
                if (record.StoppedBecause is not null) break;
            }
        }
        catch when (Checkpoint is not null)
        {
            // Stopped by Ctrl+C (or the host failing a write to its pipeline), a divergence or any other failure: the
            // model is as it was after its last whole epoch, and the checkpoint keeps every whole epoch learned.
            SaveBeforeStopping(Checkpoint.Path);
            throw;
        }
    }

    // The failure that stopped training is the one to report: a checkpoint that cannot be written on the way out
    // leaves the earlier file, as an atomic write does.
    private void SaveBeforeStopping(string path)
    {
        try
        {
            Save(path);
        }
        catch (Exception)
        {
        }
    }

    // The model keeps its optimizer (and Adam's moments) from run to run; a different kind starts afresh, another
    // weight decay keeps the state. The learning rate is the schedule's (EpochLearningRates).
    private void PrepareOptimizer()
    {
        if (model.Optimizer?.Kind != Options.Optimizer)
        {
            model.Optimizer?.Dispose();
            model.Optimizer = new ModelOptimizer(Options.Optimizer, model.Parameters, Options.LearningRate!.Value, Options.WeightDecay);
        }
        else if (model.Optimizer.WeightDecay != Options.WeightDecay)
        {
            var old = model.Optimizer;
            model.Optimizer = old.Rebuilt(model.Parameters, Options.WeightDecay, (_, state) => state.clone());
            old.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private EpochRecord TrainEpoch(int epoch, int run, CancellationToken cancel)
    {
        using var snapshot = new TrainingSnapshot(model);
        using var dropout = model.DropsOut
            ? new Generator((ulong)EpochSeeds.For(Options.Seed!.Value, epoch, EpochSeeds.Stream.Dropout))
            : null;
        var watch = Stopwatch.StartNew();
        double lossSum = 0;
        long count = 0;
        int done = 0;
        RecurrentState? carried = null;
        try
        {
            foreach (var batch in sampler.Epoch(epoch))
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var (loss, state, tokens) = Step(batch, carried, dropout);
                if (!double.IsFinite(loss)) throw Diverged(epoch, $"the loss became {loss}");
                lossSum += loss * tokens;
                count += tokens;
                BatchCompleted?.Invoke(run, ++done, sampler.BatchesPerEpoch);
                if (sampler.CarriesState)
                {
                    carried?.Dispose();
                    carried = state.Detach().MoveToOuterDisposeScope();
                }
            }
            double perplexity = Math.Exp(lossSum / count);
            if (!(perplexity <= DivergenceFactor * model.VocabularySize))
                throw Diverged(epoch, $"its perplexity became {perplexity:G4}, more than {DivergenceFactor} times the vocabulary size {model.VocabularySize} (an untrained model's)");
            if (!ParametersAreFinite())
                throw Diverged(epoch, "a parameter became NaN or infinite");
            double seconds = watch.Elapsed.TotalSeconds;
            double? validationPerplexity = validation is null ? null : HeldOutPerplexity.Measure(model, validation).Perplexity;
            var samples = Options.ReportEvery > 0 && run % Options.ReportEvery == 0
                ? Options.SamplePrefixes.Select(p => Predictor.Predict(model, p, Options.SampleLength))
                : Enumerable.Empty<string>();
            return new EpochRecord(epoch, perplexity, seconds, Options.Sampling, new SampleList(samples))
            {
                ValidationPerplexity = validationPerplexity,
                Finished = DateTimeOffset.Now,
            };
        }
        catch
        {
            // Whatever stopped the epoch (Ctrl+C, a divergence, a failure in libtorch or in a callback), the model and
            // its optimizer go back to the last whole epoch, the state its history describes.
            snapshot.Restore();
            throw;
        }
        finally
        {
            carried?.Dispose();
        }
    }

    // The best model's file holds the model as it is after this epoch, history included.
    private void SaveAfter(EpochRecord record, string path)
    {
        model.History.Add(record);
        try
        {
            Save(path);
        }
        finally
        {
            model.History.RemoveAt(model.History.Count - 1);
        }
    }

    private void Save(string path)
    {
        try
        {
            (Writer ?? throw new InvalidOperationException("A trainer that saves needs a Writer.")).Write(model, path);
        }
        catch (PSCharRnnException ex) when (ex.ErrorId == Writer!.WriteFailedId && SaveFailed is not null)
        {
            SaveFailed(ex);
        }
    }

    private bool ParametersAreFinite()
    {
        using var scope = NewDisposeScope();
        return model.Parameters.All(p => isfinite(p).all().item<bool>());
    }

    private PSCharRnnException Diverged(int epoch, string what) =>
        new("TrainingDiverged", ErrorKind.InvalidResult, epoch,
            $"Training diverged in epoch {epoch}: {what}. The model was restored to its state before that epoch. " +
            $"Try a smaller -LearningRate (now {Options.LearningRate}) or -ClipTheta (now {Options.ClipTheta}).");

    /// <summary>
    /// One minibatch: forward, loss, gradients, clipping, optimizer step. Returns the mean cross-entropy (the loss
    /// without label smoothing, which the perplexity reports) and the final state.
    /// </summary>
    // What a minibatch runs is compiled optimized at its first call: tiered up later, it would be compiled in the
    // background during training, taking a core from the training's threads on a two-core machine.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (double Loss, RecurrentState State, long Tokens) Step(Minibatch batch, RecurrentState? carried, Generator? dropout)
    {
        var inputs = tensor(Minibatch.TimeMajor(batch.Inputs), new long[] { batch.NumSteps, batch.BatchSize }, device: model.Device);
        var targets = tensor(Minibatch.TimeMajor(batch.Targets), device: model.Device);
        var terms = new LossTerms(Options.LabelSmoothing, Options.Precision);
        var (loss, state) = model.Loss(inputs, targets, carried ?? model.InitialState(batch.BatchSize), dropout, terms);
        double value = terms.CrossEntropy;
        if (double.IsFinite(loss.ToDouble()))
        {
            model.Optimizer!.ZeroGrad();
            loss.backward();
            GradientClipper.Clip(model.Parameters.Select(p => p.grad!).ToList(), Options.ClipTheta);
            model.Optimizer.Step();
        }
        return (value, state, targets.numel());
    }
}
