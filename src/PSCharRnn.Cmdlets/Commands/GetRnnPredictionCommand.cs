using System.Management.Automation;
using PSCharRnn.Corpus;
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

    /// <summary>The text to continue; one output string per prefix (and per -Count), the prefix included. Required unless -Acrostic gives the first character.</summary>
    [Parameter(Position = 0)]
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

    /// <summary>Never copy more than this many characters in a row from -Corpus: a candidate that would make the copied run longer is excluded before choosing.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int? MaxCopied { get; set; }

    /// <summary>The text -MaxCopied keeps away from, typically the training corpus (a corpus, or plain text).</summary>
    [Parameter]
    [ValidateNotNull]
    [TextAsCorpus]
    public LyricsCorpus? Corpus { get; set; }

    /// <summary>Above 1, makes characters already in the output less likely (CTRL's penalty: positive logits divided by it, negative ones multiplied).</summary>
    [Parameter]
    [ValidateNumber(1.0, 1000.0)]
    public double RepetitionPenalty { get; set; } = DecodingRules.None.RepetitionPenalty;

    /// <summary>Never repeat a sequence of this many characters within one sample.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int? NoRepeatNGram { get; set; }

    /// <summary>Characters or words that must never appear (a word is blocked by masking the character that would complete it).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Exclude { get; set; } = Array.Empty<string>();

    /// <summary>Write this many lines (a line ends at a space, as the book's corpus made every line break one), joined by newlines; -Length then caps the characters.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int? Lines { get; set; }

    /// <summary>Characters per line: one number, or a range such as 5..9 (its smallest and largest values).</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    [RangeTransformation]
    public int[] LineLength { get; set; } = Array.Empty<int>();

    /// <summary>藏头: line i starts with the i-th character, one line per character; the prefix (by default its first character) starts the first line.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Acrostic { get; set; }

    /// <summary>Every line ends on a character of the rhyme group (十三辙) of the first line's last character.</summary>
    [Parameter]
    public SwitchParameter Rhyme { get; set; }

    /// <summary>Every line ends on a character of this character's rhyme group (十三辙), e.g. 开 for 怀来.</summary>
    [Parameter]
    [ValidateLength(1, 2)]
    public string? RhymeWith { get; set; }

    /// <summary>Beam search with this many beams (1: greedy, as the book): the continuations with the best mean log-probability; -Count writes the best distinct beams.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int BeamWidth { get; set; } = 1;

    /// <summary>Write LyricsPrediction objects (model, its file, prefix, text, sample number, settings) instead of plain strings.</summary>
    [Parameter]
    public SwitchParameter AsObject { get; set; }

    private SamplingOptions sampling = SamplingOptions.Greedy;
    private DecodingRules rules = DecodingRules.None;
    private string[] prefixes = Array.Empty<string>();

    private const int LineCap = 10_000;

    private string[] Prefixes(IReadOnlyList<string> acrostic)
    {
        if (acrostic.Count == 0)
            return Prefix.Length > 0 ? Prefix
                : throw new PSCharRnnException("PrefixRequired", ErrorKind.InvalidArgument, null, "Give the text to continue with -Prefix (or an -Acrostic, whose first character starts the lyrics).");
        if (Prefix.Length == 0) return new[] { acrostic[0] };
        var mismatch = Prefix.FirstOrDefault(p => !p.StartsWith(acrostic[0], StringComparison.Ordinal));
        return mismatch is null ? Prefix
            : throw new PSCharRnnException("AcrosticPrefixMismatch", ErrorKind.InvalidArgument, mismatch,
                $"The acrostic's first line starts with '{acrostic[0]}', but the prefix '{mismatch}' does not: start the prefix with it, or leave -Prefix out.");
    }

    protected override void BeginProcessing()
    {
        sampling = new SamplingOptions { Temperature = Temperature, TopK = TopK, TopP = TopP, Seed = Seed };
        Run(() =>
        {
            sampling.Validate();
            rules = new DecodingRules
            {
                MaxCopied = MaxCopied,
                Avoid = Corpus is null ? null : new SuffixAutomaton(Corpus.Text.EnumerateRunes().Select(r => r.Value)),
                RepetitionPenalty = RepetitionPenalty,
                NoRepeatNGram = NoRepeatNGram,
                Exclude = Exclude,
                Lines = Lines,
                MinLineLength = LineLength.Length > 0 ? LineLength.Min() : 1,
                MaxLineLength = LineLength.Length > 0 ? LineLength.Max() : null,
                Acrostic = Acrostic is null ? Array.Empty<string>() : LyricsCorpus.Characters(Acrostic),
                Rhyme = Rhyme,
                RhymeWith = RhymeWith,
            }.Validate();
            prefixes = Prefixes(rules.Acrostic);
            // Lines end when they are written: -Length only caps them, unless the user set it.
            if (rules.LineCount is not null && !MyInvocation.BoundParameters.ContainsKey(nameof(Length))) Length = LineCap;
        });
        if (BeamWidth > 1 && !sampling.IsGreedy)
            Run(() => throw new PSCharRnnException("BeamSamplingConflict", ErrorKind.InvalidArgument, BeamWidth,
                "-BeamWidth searches for the most likely continuations, deterministically; -Temperature above 0 draws them at random. Give one of them."));
        if (BeamWidth > 1 && Count > BeamWidth)
            Run(() => throw new PSCharRnnException("BeamCountTooLarge", ErrorKind.InvalidArgument, Count,
                $"-Count {Count} asks for more beams than -BeamWidth {BeamWidth} keeps."));
        if (sampling.IsGreedy && Count > 1 && BeamWidth == 1)
            WriteWarning($"-Count {Count} with greedy decoding (-Temperature 0) writes the same text {Count} times; give -Temperature above 0 for different samples.");
    }

    protected override void ProcessRecord()
    {
        foreach (var prefix in prefixes)
            Report(() =>
            {
                // One random stream per prefix, so a prefix's samples do not depend on the prefixes before it.
                var next = new NextCharacter(sampling);
                var texts = BeamWidth > 1
                    ? BeamSearch.Predict(Model, prefix, Length, BeamWidth, Count, rules)
                    : Enumerable.Range(0, Count).Select(_ => Predictor.Predict(Model, prefix, Length, next, rules));
                int sample = 0;
                foreach (var text in texts)
                    WriteObject(AsObject ? new LyricsPrediction(Model.ToString(), Model.Path, prefix, text, ++sample, sampling) : text);
            });
    }
}
