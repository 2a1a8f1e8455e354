using System.Diagnostics;
using System.Management.Automation;
using PSCharRnn.Corpus;
using PSCharRnn.Model;
using PSCharRnn.Training;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsDiagnostic.Measure, "RnnPerplexity")]
[OutputType(typeof(PerplexityResult))]
public sealed class MeasureRnnPerplexityCommand : PSCharRnnCmdlet
{
    /// <summary>The model to score the text with.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnModel Model { get; set; } = null!;

    /// <summary>The text to score, a corpus or plain text ('我想'); its characters must all be in the model's vocabulary.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    [TextAsCorpus]
    public LyricsCorpus Corpus { get; set; } = null!;

    protected override void ProcessRecord() => Report(() =>
    {
        var indices = Corpus.IndicesIn(Model.Vocabulary, "CorpusOutOfVocabulary", "corpus");
        if (indices.Length < 2)
            throw new PSCharRnnException("TextTooShort", ErrorCategory.InvalidArgument, Corpus.Text,
                $"'{Corpus.Text}' has {indices.Length} character(s); a perplexity scores each character after the first, so it needs at least 2.");
        var watch = Stopwatch.StartNew();
        var (perplexity, scored) = HeldOutPerplexity.Measure(Model, indices);
        WriteObject(new PerplexityResult(perplexity, scored, watch.Elapsed.TotalSeconds, Model.ToString(), Corpus.Source));
    });
}
