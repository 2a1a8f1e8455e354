namespace PSCharRnn.Generation;

/// <summary>
/// One generated text with what made it (Get-RnnPrediction -AsObject): which model, which prefix, which settings, so
/// that the output of many models can be told apart, sorted or exported. As a string it is the text.
/// </summary>
public sealed class LyricsPrediction
{
    public LyricsPrediction(string model, string? modelPath, string prefix, string text, int sample, SamplingOptions sampling)
    {
        (Model, ModelPath, Prefix, Text, Sample) = (model, modelPath, prefix, text, sample);
        (Temperature, TopK, TopP, Seed) = (sampling.Temperature, sampling.TopK, sampling.TopP, sampling.Seed);
    }

    public string Model { get; }
    public string? ModelPath { get; }
    public string Prefix { get; }
    public string Text { get; }

    /// <summary>Which of the prefix's -Count samples this is, from 1.</summary>
    public int Sample { get; }
    public double Temperature { get; }
    public int? TopK { get; }
    public double? TopP { get; }
    public long? Seed { get; }

    public override string ToString() => Text;
}
