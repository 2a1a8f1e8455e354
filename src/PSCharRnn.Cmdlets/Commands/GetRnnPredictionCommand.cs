using System.Management.Automation;
using PSCharRnn.Generation;
using PSCharRnn.Model;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsCommon.Get, "RnnPrediction")]
[OutputType(typeof(string), typeof(LyricsPrediction))]
public sealed class GetRnnPredictionCommand : PSCharRnnCmdlet
{
    /// <summary>The trained model.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnModel Model { get; set; } = null!;

    /// <summary>The text to continue; one output string per prefix (and per -Count), the prefix included.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Prefix { get; set; } = Array.Empty<string>();

    /// <summary>How many characters to append (the book appends 50).</summary>
    [Parameter]
    [ValidateRange(0, 100_000)]
    public int Length { get; set; } = 50;

    /// <summary>0: the book's greedy argmax. Above 0: draw each character from softmax(logits / T); below 1 sharper, above 1 more varied.</summary>
    [Parameter]
    [ValidateNumber(0.0, 100.0)]
    public double Temperature { get; set; }

    /// <summary>Draw only among the K most likely characters (needs -Temperature above 0).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TopK { get; set; }

    /// <summary>Draw only among the most likely characters whose probabilities add up to P, nucleus sampling (needs -Temperature above 0).</summary>
    [Parameter]
    [ValidateNumber(1e-9, 1.0)]
    public double? TopP { get; set; }

    /// <summary>Seed for the draws: the same seed gives the same lyrics, in any process.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? Seed { get; set; }

    /// <summary>Samples per prefix.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int Count { get; set; } = 1;

    /// <summary>Write LyricsPrediction objects (model, its file, prefix, text, sample number, settings) instead of plain strings.</summary>
    [Parameter]
    public SwitchParameter AsObject { get; set; }

    private SamplingOptions sampling = SamplingOptions.Greedy;

    protected override void BeginProcessing()
    {
        sampling = new SamplingOptions { Temperature = Temperature, TopK = TopK, TopP = TopP, Seed = Seed };
        Run(() => sampling.Validate());
        if (sampling.IsGreedy && Count > 1)
            WriteWarning($"-Count {Count} with greedy decoding (-Temperature 0) writes the same text {Count} times; give -Temperature above 0 for different samples.");
    }

    protected override void ProcessRecord()
    {
        foreach (var prefix in Prefix)
            Report(() =>
            {
                // One random stream per prefix, so a prefix's samples do not depend on the prefixes before it.
                var next = new NextCharacter(sampling);
                for (int i = 0; i < Count; i++)
                {
                    string text = Predictor.Predict(Model, prefix, Length, next);
                    WriteObject(AsObject ? new LyricsPrediction(Model.ToString(), Model.Path, prefix, text, i + 1, sampling) : text);
                }
            });
    }
}
