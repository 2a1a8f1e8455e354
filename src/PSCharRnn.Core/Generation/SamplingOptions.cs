
namespace PSCharRnn.Generation;

/// <summary>
/// How the next character is chosen: greedy argmax (temperature 0, the book's), or a draw from softmax(logits / T)
/// after a top-k and then a top-p (nucleus) cut, with a seeded generator so the same seed gives the same lyrics.
/// </summary>
public sealed record SamplingOptions
{
    public static readonly SamplingOptions Greedy = new();

    public double Temperature { get; init; }
    public int? TopK { get; init; }
    public double? TopP { get; init; }
    public long? Seed { get; init; }

    public bool IsGreedy => Temperature == 0;

    /// <summary>Throws SamplingOptionsConflict for settings that cannot act together.</summary>
    public SamplingOptions Validate()
    {
        if (IsGreedy && (TopK is not null || TopP is not null))
            throw new PSCharRnnException("SamplingOptionsConflict", ErrorKind.InvalidArgument, this,
                "-TopK and -TopP cut the distribution a sample is drawn from, but -Temperature 0 (the default) takes the argmax " +
                "and draws nothing. Give -Temperature above 0 (1 samples the model's own distribution).");
        if (Temperature is < 0 or > 100 || double.IsNaN(Temperature))
            throw new PSCharRnnException("TemperatureOutOfRange", ErrorKind.InvalidArgument, Temperature, $"The temperature is in [0, 100], not {Temperature}.");
        if (TopK is < 1)
            throw new PSCharRnnException("TopKOutOfRange", ErrorKind.InvalidArgument, TopK, $"-TopK keeps at least 1 character, not {TopK}.");
        if (TopP is not null && !(TopP > 0 && TopP <= 1))
            throw new PSCharRnnException("TopPOutOfRange", ErrorKind.InvalidArgument, TopP, $"-TopP is a probability in (0, 1], not {TopP}.");
        return this;
    }
}
