using System.Diagnostics;
using System.Management.Automation;
using PSCharRnn.Model;

namespace PSCharRnn.Commands;

/// <summary>
/// Shows training as it goes: a progress bar that moves within an epoch too (a big corpus takes minutes per epoch),
/// with the time left; the book's report on the Information stream.
/// </summary>
internal sealed class TrainingProgress
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly Cmdlet cmdlet;
    private readonly TrainingOptions options;
    private ProgressRecord record;
    private readonly Stopwatch sinceWrite = Stopwatch.StartNew();
    private readonly Stopwatch epochWatch = Stopwatch.StartNew();
    private double seconds;
    private int epochsDone;

    public TrainingProgress(Cmdlet cmdlet, TrainingOptions options)
    {
        this.cmdlet = cmdlet;
        this.options = options;
        record = new ProgressRecord(2, "Training RNN", "Starting") { PercentComplete = 0 };
    }

    /// <summary>At most twice a second: where the epoch is, and the time left from this epoch's pace.</summary>
    public void OnBatch(int run, int done, int batches)
    {
        if (sinceWrite.Elapsed < Interval) return;
        double epochSoFar = epochWatch.Elapsed.TotalSeconds;
        double epochEstimate = epochSoFar * batches / done;
        double perEpoch = epochsDone > 0 ? seconds / epochsDone : epochEstimate;
        record.StatusDescription = $"Epoch {run} of {options.Epochs}, minibatch {done} of {batches}";
        record.PercentComplete = (int)(100 * (run - 1 + (double)done / batches) / options.Epochs);
        record.SecondsRemaining = (int)Math.Ceiling(epochEstimate - epochSoFar + perEpoch * (options.Epochs - run));
        Write();
    }

    public void OnEpoch(int run, EpochRecord epoch)
    {
        seconds += epoch.Seconds;
        epochsDone = run;
        double perEpoch = seconds / run;
        record.StatusDescription = $"Epoch {run} of {options.Epochs}, perplexity {epoch.Perplexity:F3}" +
            (epoch.ValidationPerplexity is double validation ? $", validation {validation:F3}" : "") + $", {perEpoch:F2} s/epoch";
        record.PercentComplete = (int)(100L * run / options.Epochs);
        record.SecondsRemaining = (int)Math.Ceiling(perEpoch * (options.Epochs - run));
        Write();
        epochWatch.Restart();

        var tags = new[] { "PSCharRnn", "TrainingReport" };
        // A stop before -Epochs changes what the user gets back: say so where it shows by default.
        if (epoch.StoppedBecause is not null) cmdlet.WriteWarning($"Training stopped after epoch {epoch.Epoch}: {epoch.StoppedBecause}.");
        if (epoch.Samples.Count == 0 && (options.ReportEvery == 0 || run % options.ReportEvery != 0)) return;
        cmdlet.WriteInformation(epoch.ReportLine, tags);
        foreach (var sample in epoch.Samples) cmdlet.WriteInformation($" - {sample}", tags);
    }

    private void Write()
    {
        cmdlet.WriteProgress(record);
        sinceWrite.Restart();
        // A host may keep the record it was given (a runspace's Progress stream does): the next update is a new one.
        record = new ProgressRecord(record.ActivityId, record.Activity, record.StatusDescription);
    }

    public void Complete()
    {
        record.RecordType = ProgressRecordType.Completed;
        cmdlet.WriteProgress(record);
    }
}
