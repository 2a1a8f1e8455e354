using System.Diagnostics;
using System.Management.Automation;
using PSCharRnn.Corpus;
using PSCharRnn.Generation;
using PSCharRnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>
/// The book's train_and_predict_rnn: minibatch SGD on mean cross-entropy with global-norm clipping,
/// perplexity per epoch, and samples every ReportEvery epochs.
/// </summary>
public sealed class Trainer
{
    private readonly RnnModel model;
    private readonly int[] corpus;

    public Trainer(RnnModel model, LyricsCorpus corpus, TrainingOptions options)
    {
        var missing = model.Vocabulary.Missing(corpus.Text);
        if (missing.Count > 0)
            throw new PSCharRnnException("CorpusOutOfVocabulary", ErrorCategory.InvalidData, string.Join("", missing),
                $"The corpus has {missing.Count} characters the model's vocabulary lacks: {string.Join(" ", missing.Take(40))}" +
                (missing.Count > 40 ? " ..." : "") + ". Train a new model on this corpus, or use a corpus within the model's vocabulary.");
        this.model = model;
        this.corpus = corpus.Vocabulary.SequenceEqual(model.Vocabulary)
            ? corpus.Indices
            : LyricsCorpus.Characters(corpus.Text).Select(model.Vocabulary.IndexOf).ToArray();
        Options = options with { Seed = options.Seed ?? Random.Shared.NextInt64(int.MaxValue) };
        Sampler = MinibatchSampler.Create(Options.Sampling, this.corpus, Options.BatchSize, Options.NumSteps, new Random((int)(Options.Seed!.Value % int.MaxValue)));
    }

    /// <summary>The options in force, with the seed chosen when none was given (so a run can be repeated).</summary>
    public TrainingOptions Options { get; }

    private MinibatchSampler Sampler { get; }

    /// <summary>Called after every epoch, on the training thread: (epoch index within this run, record).</summary>
    public Action<int, EpochRecord>? EpochCompleted { get; set; }

    /// <summary>Trains Options.Epochs epochs. Cancellation stops at the next minibatch boundary.</summary>
    public void Train(CancellationToken cancel)
    {
        if (Options.ThreadCount is int threads) set_num_threads(threads);
        model.LastTraining = Options;
        for (int run = 1; run <= Options.Epochs; run++)
        {
            var record = TrainEpoch(model.EpochsTrained + 1, run, cancel);
            model.History.Add(record);
            EpochCompleted?.Invoke(run, record);
        }
    }

    private EpochRecord TrainEpoch(int epoch, int run, CancellationToken cancel)
    {
        var snapshot = model.Snapshot();
        var watch = Stopwatch.StartNew();
        double lossSum = 0;
        long count = 0;
        Tensor? carried = null;
        try
        {
            foreach (var batch in Sampler.Epoch())
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var (loss, state, tokens) = Step(batch, carried, snapshot, epoch);
                lossSum += loss * tokens;
                count += tokens;
                if (Sampler.CarriesState)
                {
                    carried?.Dispose();
                    carried = state.detach().MoveToOuterDisposeScope();
                }
            }
        }
        finally
        {
            carried?.Dispose();
            foreach (var t in snapshot) t.Dispose();
        }
        double seconds = watch.Elapsed.TotalSeconds;
        double perplexity = Math.Exp(lossSum / count);
        var samples = Options.ReportEvery > 0 && run % Options.ReportEvery == 0
            ? Options.SamplePrefixes.Select(p => Predictor.Predict(model, p, Options.SampleLength)).ToArray()
            : Array.Empty<string>();
        return new EpochRecord(epoch, perplexity, seconds, Options.Sampling, samples);
    }

    /// <summary>One minibatch: forward, loss, gradients, clipping, SGD. Returns the mean loss and the final state.</summary>
    private (double Loss, Tensor State, long Tokens) Step(Minibatch batch, Tensor? carried, Tensor[] snapshot, int epoch)
    {
        var inputs = tensor(Minibatch.TimeMajor(batch.Inputs), new long[] { batch.NumSteps, batch.BatchSize }, device: model.Device);
        var targets = tensor(Minibatch.TimeMajor(batch.Targets), device: model.Device);
        var initial = carried?.detach() ?? model.InitialState(batch.BatchSize);

        var (loss, state) = LanguageModelLoss.Compute(model, inputs, targets, initial);
        double value = loss.ToDouble();
        if (!double.IsFinite(value))
        {
            model.Restore(snapshot);
            throw new PSCharRnnException("TrainingDiverged", ErrorCategory.InvalidResult, epoch,
                $"Training diverged in epoch {epoch}: the loss became {value}. The model was restored to its state before " +
                $"that epoch. Try a smaller -LearningRate (now {Options.LearningRate}) or -ClipTheta (now {Options.ClipTheta}).");
        }

        var gradients = autograd.grad(new[] { loss }, model.Parameters);
        GradientClipper.Clip(gradients, Options.ClipTheta);
        using (no_grad())
        {
            for (int i = 0; i < gradients.Count; i++)
                model.Parameters[i].add_(gradients[i], alpha: -Options.LearningRate);
        }
        return (value, state, targets.numel());
    }
}
