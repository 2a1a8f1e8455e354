namespace PSCharRnn.Training;

/// <summary>One trained epoch: what the book prints, as an object (Export-Csv, plotting).</summary>
public sealed record EpochRecord(int Epoch, double Perplexity, double Seconds, Sampling Sampling, IReadOnlyList<string> Samples)
{
    /// <summary>The book's report line: "epoch 50, perplexity 70.039647, time 0.11 sec".</summary>
    public string ReportLine => $"epoch {Epoch}, perplexity {Perplexity:F6}, time {Seconds:F2} sec";
}
