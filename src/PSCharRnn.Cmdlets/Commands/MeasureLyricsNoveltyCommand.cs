using System.Management.Automation;
using PSCharRnn.Corpus;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsDiagnostic.Measure, "LyricsNovelty")]
[OutputType(typeof(NoveltyResult))]
public sealed class MeasureLyricsNoveltyCommand : PSCharRnnCmdlet
{
    private NoveltyIndex? index;

    /// <summary>The texts to measure, e.g. the output of Get-RnnPrediction.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string[] Text { get; set; } = Array.Empty<string>();

    /// <summary>The lyrics the texts may copy from; indexed once per call.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public LyricsCorpus Corpus { get; set; } = null!;

    /// <summary>Characters per n-gram for NovelNGramFraction; 4 (about two Chinese words) by default.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int NGramLength { get; set; } = 4;

    protected override void BeginProcessing() => index = new NoveltyIndex(Corpus.Text, NGramLength);

    protected override void ProcessRecord()
    {
        foreach (var text in Text) WriteObject(index!.Measure(text));
    }
}
