using System.Management.Automation;
using PSCharRnn.Generation;
using PSCharRnn.Model;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsCommon.Get, "RnnPrediction")]
[OutputType(typeof(string))]
public sealed class GetRnnPredictionCommand : PSCharRnnCmdlet
{
    /// <summary>The trained model.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnModel Model { get; set; } = null!;

    /// <summary>The text to continue; one output string per prefix, the prefix included.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Prefix { get; set; } = Array.Empty<string>();

    /// <summary>How many characters to append (the book appends 50).</summary>
    [Parameter]
    [ValidateRange(0, 100_000)]
    public int Length { get; set; } = 50;

    protected override void ProcessRecord()
    {
        foreach (var prefix in Prefix)
            Report(() => WriteObject(Predictor.Predict(Model, prefix, Length)));
    }
}
