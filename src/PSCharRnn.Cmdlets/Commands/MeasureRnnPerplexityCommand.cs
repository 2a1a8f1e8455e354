using System.Diagnostics;
using System.Management.Automation;
using PSCharRnn.Baselines;
using PSCharRnn.Corpus;
using PSCharRnn.Model;
using PSCharRnn.Training;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsDiagnostic.Measure, "RnnPerplexity", DefaultParameterSetName = TextSet)]
[OutputType(typeof(PerplexityResult))]
public sealed class MeasureRnnPerplexityCommand : PSCharRnnCmdlet
{
    private const string TextSet = "Text";
    private const string HeldOutSet = "HeldOut";

    /// <summary>The model to score the text with.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnModel Model { get; set; } = null!;

    /// <summary>The text to score, a corpus or plain text ('我想'); its characters must all be in the model's vocabulary.</summary>
    [Parameter(ParameterSetName = TextSet, Mandatory = true, Position = 0)]
    [ValidateNotNull]
    [TextAsCorpus]
    public LyricsCorpus Corpus { get; set; } = null!;

    /// <summary>Score the end of the model's corpus that its last training held out (-ValidationFraction), the text it never trained on.</summary>
    [Parameter(ParameterSetName = HeldOutSet, Mandatory = true)]
    public SwitchParameter HeldOut { get; set; }

    /// <summary>
    /// Also score the text with a counting baseline, an interpolated Kneser-Ney character 5-gram (discount 0.75, a uniform
    /// floor over the model's vocabulary) built from the text the model trained on: is the network better than counting?
    /// </summary>
    [Parameter]
    public SwitchParameter Baseline { get; set; }

    /// <summary>The text the baseline counts, for a model that remembers no corpus (one loaded from a file); by default the model's corpus without its held-out end.</summary>
    [Parameter]
    [ValidateNotNull]
    [TextAsCorpus]
    public LyricsCorpus? TrainingCorpus { get; set; }

    protected override void ProcessRecord() => Report(() =>
    {
        var split = HeldOut ? Split() : ((int[] Training, int[] HeldOut)?)null;
        var (indices, source) = split is { } s ? (s.HeldOut, $"{Model.Corpus!.Source}, held out") : (Corpus.IndicesIn(Model.Vocabulary, "CorpusOutOfVocabulary", "corpus"), Corpus.Source);
        if (indices.Length < 2)
            throw new PSCharRnnException("TextTooShort", ErrorKind.InvalidArgument, HeldOut ? indices.Length : Corpus.Text,
                $"The text has {indices.Length} character(s); a perplexity scores each character after the first, so it needs at least 2.");
        var watch = Stopwatch.StartNew();
        var (perplexity, scored) = HeldOutPerplexity.Measure(Model, indices);
        double seconds = watch.Elapsed.TotalSeconds;
        double? baseline = Baseline ? new KneserNeyNGram(BaselineTraining(split), Model.VocabularySize).Perplexity(indices) : null;
        WriteObject(new PerplexityResult(perplexity, scored, seconds, Model.ToString(), source) { BaselinePerplexity = baseline });
    });

    // The model's remembered corpus split as its last training split it.
    private (int[] Training, int[] HeldOut) Split()
    {
        var corpus = Model.Corpus ?? throw new PSCharRnnException("CorpusRequired", ErrorKind.InvalidArgument, Model,
            "This model remembers no corpus (it was loaded from a file): give the text to score with -Corpus.");
        var indices = corpus.IndicesIn(Model.Vocabulary, "CorpusOutOfVocabulary", "corpus");
        if (Model.LastTraining?.ValidationFraction is not double fraction)
            return HeldOut
                ? throw new PSCharRnnException("NothingHeldOut", ErrorKind.InvalidArgument, Model,
                    "The model's last training held nothing out: train with -ValidationFraction, or give the text to score with -Corpus.")
                : (indices, Array.Empty<int>());
        return HeldOutSplit.Of(indices, fraction);
    }

    // The baseline's training text; the model's corpus is split once per record (-HeldOut split it already).
    private int[] BaselineTraining((int[] Training, int[] HeldOut)? split)
    {
        if (TrainingCorpus is not null) return TrainingCorpus.IndicesIn(Model.Vocabulary, "CorpusOutOfVocabulary", "training corpus");
        if (Model.Corpus is null)
            throw new PSCharRnnException("BaselineNeedsTrainingText", ErrorKind.InvalidArgument, Model,
                "The baseline counts the text the model trained on, and this model remembers none (it was loaded from a file): give it with -TrainingCorpus.");
        return (split ?? Split()).Training;
    }
}
