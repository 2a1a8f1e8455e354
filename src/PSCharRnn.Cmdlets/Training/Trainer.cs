using System.Diagnostics;
using System.Management.Automation;
using PSCharRnn.Corpus;
using PSCharRnn.Generation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;
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

    public Trainer(RnnModel model, LyricsCorpus corpus, TrainingOptions options)
    {
        var missing = model.Vocabulary.Missing(corpus.Text);
        if (missing.Count > 0)
            throw new PSCharRnnException("CorpusOutOfVocabulary", ErrorCategory.InvalidData, string.Join("", missing),
                $"The corpus has {missing.Count} characters the model's vocabulary lacks: {string.Join(" ", missing.Take(40))}" +
                (missing.Count > 40 ? " ..." : "") + ". Train a new model on this corpus, or use a corpus within the model's vocabulary.");
        this.model = model;
        var indices = corpus.Vocabulary.SequenceEqual(model.Vocabulary)
            ? corpus.Indices
            : LyricsCorpus.Characters(corpus.Text).Select(model.Vocabulary.IndexOf).ToArray();
        // A resumed model keeps its seed unless told otherwise, so its epochs shuffle as an uninterrupted run's would.
        Options = options with
        {
            Seed = options.Seed ?? model.LastTraining?.Seed ?? Random.Shared.NextInt64(int.MaxValue),
            LearningRate = options.LearningRate ?? ModelOptimizer.DefaultLearningRate(options.Optimizer),
        };
        sampler = MinibatchSampler.Create(Options.Sampling, indices, Options.BatchSize, Options.NumSteps, Options.Seed!.Value);
    }

    /// <summary>The options in force, with the seed and learning rate chosen when none was given (so a run can be repeated).</summary>
    public TrainingOptions Options { get; }

    /// <summary>Where to save the model as training goes; null: nowhere.</summary>
    public CheckpointPolicy? Checkpoint { get; init; }

    /// <summary>Called after every epoch, on the training thread: (epoch index within this run, record).</summary>
    public Action<int, EpochRecord>? EpochCompleted { get; set; }

    /// <summary>
    /// Trains Options.Epochs epochs. Cancellation stops at the next minibatch boundary with the model as it was after
    /// its last whole epoch (and saved, with a checkpoint policy), so that resuming continues exactly.
    /// </summary>
    public void Train(CancellationToken cancel)
    {
        if (Options.ThreadCount is int threads) set_num_threads(threads);
        PrepareOptimizer();
        model.LastTraining = Options;
        try
        {
            for (int run = 1; run <= Options.Epochs; run++)
            {
                var record = TrainEpoch(model.EpochsTrained + 1, run, cancel);
                model.History.Add(record);
                if (Checkpoint?.IsDue(run, Options.Epochs) == true) ModelFile.Save(model, Checkpoint.Path);
                EpochCompleted?.Invoke(run, record);
            }
        }
        catch (Exception ex) when (Checkpoint is not null && (ex is OperationCanceledException || cancel.IsCancellationRequested))
        {
            // Stopped (the host may also stop us by failing a write to its pipeline): keep every whole epoch learned.
            ModelFile.Save(model, Checkpoint.Path);
            throw;
        }
    }

    // The model keeps its optimizer (and Adam's moments) from run to run; a different kind starts afresh.
    private void PrepareOptimizer()
    {
        if (model.Optimizer?.Kind != Options.Optimizer)
        {
            model.Optimizer?.Dispose();
            model.Optimizer = new ModelOptimizer(Options.Optimizer, model.Parameters, Options.LearningRate!.Value);
        }
        model.Optimizer.LearningRate = Options.LearningRate!.Value;
    }

    private EpochRecord TrainEpoch(int epoch, int run, CancellationToken cancel)
    {
        using var snapshot = new TrainingSnapshot(model);
        using var dropout = model.Dropout > 0 && model.NumLayers > 1
            ? new Generator((ulong)EpochSeeds.For(Options.Seed!.Value, epoch, EpochSeeds.Stream.Dropout))
            : null;
        var watch = Stopwatch.StartNew();
        double lossSum = 0;
        long count = 0;
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
            var samples = Options.ReportEvery > 0 && run % Options.ReportEvery == 0
                ? Options.SamplePrefixes.Select(p => Predictor.Predict(model, p, Options.SampleLength))
                : Enumerable.Empty<string>();
            return new EpochRecord(epoch, perplexity, seconds, Options.Sampling, new SampleList(samples)) { Finished = DateTimeOffset.Now };
        }
        catch (Exception ex) when (ex is OperationCanceledException or PSCharRnnException { ErrorId: "TrainingDiverged" })
        {
            snapshot.Restore();
            throw;
        }
        finally
        {
            carried?.Dispose();
        }
    }

    private bool ParametersAreFinite()
    {
        using var scope = NewDisposeScope();
        return model.Parameters.All(p => isfinite(p).all().item<bool>());
    }

    private PSCharRnnException Diverged(int epoch, string what) =>
        new("TrainingDiverged", ErrorCategory.InvalidResult, epoch,
            $"Training diverged in epoch {epoch}: {what}. The model was restored to its state before that epoch. " +
            $"Try a smaller -LearningRate (now {Options.LearningRate}) or -ClipTheta (now {Options.ClipTheta}).");

    /// <summary>One minibatch: forward, loss, gradients, clipping, optimizer step. Returns the mean loss and the final state.</summary>
    private (double Loss, RecurrentState State, long Tokens) Step(Minibatch batch, RecurrentState? carried, Generator? dropout)
    {
        var inputs = tensor(Minibatch.TimeMajor(batch.Inputs), new long[] { batch.NumSteps, batch.BatchSize }, device: model.Device);
        var targets = tensor(Minibatch.TimeMajor(batch.Targets), device: model.Device);
        var (loss, state) = LanguageModelLoss.Compute(model, inputs, targets, carried ?? model.InitialState(batch.BatchSize), dropout);
        double value = loss.ToDouble();
        if (double.IsFinite(value))
        {
            model.Optimizer!.ZeroGrad();
            loss.backward();
            GradientClipper.Clip(model.Parameters.Select(p => p.grad!).ToList(), Options.ClipTheta);
            model.Optimizer.Step();
        }
        return (value, state, targets.numel());
    }
}
