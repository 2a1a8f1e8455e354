using PSCharRnn.Corpus;

namespace PSCharRnn.Generation;

/// <summary>
/// What a sample must obey besides the model's probabilities: at most <see cref="MaxCopied"/> characters in a row
/// copied from a corpus, a CTRL-style <see cref="RepetitionPenalty"/>, no repeated n-gram, no excluded character or
/// word. Each rule acts on the logits before the next character is chosen, greedy or sampled alike.
/// </summary>
public sealed record DecodingRules
{
    public static readonly DecodingRules None = new();

    /// <summary>The longest run of output characters, one generated at least, that may occur in <see cref="Avoid"/>.</summary>
    public int? MaxCopied { get; init; }

    /// <summary>The text to stay away from (typically the training text), as its suffix automaton.</summary>
    public SuffixAutomaton? Avoid { get; init; }

    /// <summary>Above 1: a character already in the output has its positive logit divided by this, its negative one multiplied.</summary>
    public double RepetitionPenalty { get; init; } = 1;

    /// <summary>No n-character sequence appears twice in one sample.</summary>
    public int? NoRepeatNGram { get; init; }

    /// <summary>Characters or words that never appear; a word is blocked by masking the character that would complete it.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();

    /// <summary>The line separator: the book's corpus made every line break a space, so a line is a run between spaces.</summary>
    public const string LineSeparator = " ";

    /// <summary>Write this many lines, then stop (null: -Length characters, no form).</summary>
    public int? Lines { get; init; }

    /// <summary>Each line's length in characters: the separator is masked before the minimum and forced at the maximum.</summary>
    public int MinLineLength { get; init; } = 1;
    public int? MaxLineLength { get; init; }

    /// <summary>藏头: line i starts with the i-th of these characters (and there are as many lines).</summary>
    public IReadOnlyList<string> Acrostic { get; init; } = Array.Empty<string>();

    /// <summary>Every line ends on a character of the first line's last character's rhyme group (十三辙).</summary>
    public bool Rhyme { get; init; }

    /// <summary>Every line ends on a character of this character's rhyme group.</summary>
    public string? RhymeWith { get; init; }

    /// <summary>Whether the output is lines (joined by newlines) rather than one run of characters.</summary>
    public bool HasForm => Lines is not null || Acrostic.Count > 0 || MaxLineLength is not null || MinLineLength > 1 || Rhyme || RhymeWith is not null;

    /// <summary>How many lines a sample has: -Lines, or one per acrostic character.</summary>
    public int? LineCount => Lines ?? (Acrostic.Count > 0 ? Acrostic.Count : null);

    public DecodingRules Validate()
    {
        if (MaxCopied is not null && Avoid is null)
            throw new PSCharRnnException("MaxCopiedNeedsCorpus", ErrorKind.InvalidArgument, MaxCopied,
                "-MaxCopied limits what is copied from a corpus: give the corpus to stay away from with -Corpus (typically the training text).");
        if (MaxCopied is < 1)
            throw new PSCharRnnException("MaxCopiedOutOfRange", ErrorKind.InvalidArgument, MaxCopied, $"-MaxCopied is at least 1, not {MaxCopied}.");
        if (!(RepetitionPenalty >= 1) || double.IsInfinity(RepetitionPenalty))
            throw new PSCharRnnException("RepetitionPenaltyOutOfRange", ErrorKind.InvalidArgument, RepetitionPenalty,
                $"-RepetitionPenalty is a finite number of at least 1 (1: none), not {RepetitionPenalty}.");
        if (NoRepeatNGram is < 1)
            throw new PSCharRnnException("NoRepeatNGramOutOfRange", ErrorKind.InvalidArgument, NoRepeatNGram, $"-NoRepeatNGram is at least 1, not {NoRepeatNGram}.");
        if (Lines is not null && Acrostic.Count > 0 && Lines != Acrostic.Count)
            throw new PSCharRnnException("AcrosticLinesConflict", ErrorKind.InvalidArgument, Lines,
                $"-Acrostic gives {Acrostic.Count} lines, one per character, but -Lines asks for {Lines}: give one of them, or both alike.");
        if (MaxLineLength is int most && most < MinLineLength)
            throw new PSCharRnnException("LineLengthOutOfRange", ErrorKind.InvalidArgument, MaxLineLength,
                $"A line cannot be at most {most} and at least {MinLineLength} characters long.");
        if (RhymeWith is not null && RhymeTable.GroupOf(RhymeWith) is null)
            throw new PSCharRnnException("RhymeUnknown", ErrorKind.InvalidArgument, RhymeWith,
                $"'{RhymeWith}' has no Mandarin reading in the thirteen rhyme groups ({string.Join(", ", RhymeTable.Groups)}): give a Chinese character.");
        if (Rhyme && RhymeWith is not null)
            throw new PSCharRnnException("RhymeConflict", ErrorKind.InvalidArgument, RhymeWith,
                "-Rhyme takes the rhyme from the first line, -RhymeWith from a given character: give one of them.");
        if (MinLineLength < 1)
            throw new PSCharRnnException("LineLengthOutOfRange", ErrorKind.InvalidArgument, MinLineLength, $"A line has at least 1 character, not {MinLineLength}.");
        return this;
    }

    /// <summary>Throws, naming what is missing, when the vocabulary cannot write the form (no separator, an unknown acrostic character).</summary>
    public void CheckVocabulary(Vocabulary vocabulary)
    {
        if (HasForm && !vocabulary.Contains(LineSeparator))
            throw new PSCharRnnException("LineSeparatorOutOfVocabulary", ErrorKind.InvalidArgument, LineSeparator,
                "The model's vocabulary has no space, which separates lines (the book's corpus made every line break a space): it cannot write lines.");
        if (RhymeWith is not null && RhymeTable.GroupOf(RhymeWith) is string group && !vocabulary.Any(c => RhymeTable.GroupOf(c) == group))
            throw new PSCharRnnException("RhymeOutOfVocabulary", ErrorKind.InvalidArgument, RhymeWith,
                $"The model's vocabulary has no character of the rhyme group {group} ('{RhymeWith}'): no line can end on that rhyme.");
        var missing = Acrostic.Where(c => !vocabulary.Contains(c)).Distinct().ToList();
        if (missing.Count > 0)
            throw new PSCharRnnException("AcrosticOutOfVocabulary", ErrorKind.InvalidArgument, string.Concat(missing),
                $"The acrostic has characters the model's vocabulary lacks: {string.Join(" ", missing.Select(c => $"'{c}'"))}; no line can start with them.");
    }

    /// <summary>The rules' state for one sample of <paramref name="vocabulary"/>'s characters.</summary>
    public SampleGuard Start(Vocabulary vocabulary) => new(this, vocabulary);
}
