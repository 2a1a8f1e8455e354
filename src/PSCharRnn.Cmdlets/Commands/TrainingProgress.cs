using System.Management.Automation;
using PSCharRnn.Training;

namespace PSCharRnn.Commands;

/// <summary>Shows training as it goes: a progress bar every epoch, the book's report on the Information stream.</summary>
internal sealed class TrainingProgress
{
    private readonly Cmdlet cmdlet;
    private readonly TrainingOptions options;
    private readonly ProgressRecord record;
    private double seconds;

    public TrainingProgress(Cmdlet cmdlet, TrainingOptions options)
    {
        this.cmdlet = cmdlet;
        this.options = options;
        record = new ProgressRecord(2, "Training RNN", "Starting") { PercentComplete = 0 };
    }

    public void OnEpoch(int run, EpochRecord epoch)
    {
        seconds += epoch.Seconds;
        double perEpoch = seconds / run;
        record.StatusDescription = $"Epoch {run} of {options.Epochs}, perplexity {epoch.Perplexity:F3}, {perEpoch:F2} s/epoch";
        record.PercentComplete = (int)(100L * run / options.Epochs);
        record.SecondsRemaining = (int)Math.Ceiling(perEpoch * (options.Epochs - run));
        cmdlet.WriteProgress(record);

        if (epoch.Samples.Count == 0 && (options.ReportEvery == 0 || run % options.ReportEvery != 0)) return;
        var tags = new[] { "PSCharRnn", "TrainingReport" };
        cmdlet.WriteInformation(epoch.ReportLine, tags);
        foreach (var sample in epoch.Samples) cmdlet.WriteInformation($" - {sample}", tags);
    }

    public void Complete()
    {
        record.RecordType = ProgressRecordType.Completed;
        cmdlet.WriteProgress(record);
    }
}
