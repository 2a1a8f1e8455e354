using System.Collections.ObjectModel;

namespace PSCharRnn.Model;

/// <summary>One trained epoch: what the book prints, as an object (Export-Csv, plotting).</summary>
public sealed record EpochRecord(int Epoch, double Perplexity, double Seconds, Sampling Sampling, SampleList Samples)
{
    /// <summary>The perplexity of the held-out text after this epoch (see HeldOutPerplexity); null without validation.</summary>
    public double? ValidationPerplexity { get; init; }

    /// <summary>The learning rate the epoch trained with (null in files written before this was recorded).</summary>
    public double? LearningRate { get; init; }

    /// <summary>When the epoch ended (null in files written before this was recorded).</summary>
    public DateTimeOffset? Finished { get; init; }

    /// <summary>Why training stopped after this epoch, when it stopped before its -Epochs (e.g. -Patience).</summary>
    public string? StoppedBecause { get; init; }

    /// <summary>The book's report line: "epoch 50, perplexity 70.039647, time 0.11 sec", with the validation perplexity when there is one.</summary>
    public string ReportLine => ValidationPerplexity is double validation
        ? $"epoch {Epoch}, perplexity {Perplexity:F6}, validation perplexity {validation:F6}, time {Seconds:F2} sec"
        : $"epoch {Epoch}, perplexity {Perplexity:F6}, time {Seconds:F2} sec";
}

/// <summary>The report samples of an epoch; as text (Export-Csv, string conversion) they read "first | second".</summary>
public sealed class SampleList : Collection<string>
{
    public SampleList() { }

    public SampleList(IEnumerable<string> samples) : base(samples.ToList()) { }

    public override string ToString() => string.Join(" | ", this);
}
