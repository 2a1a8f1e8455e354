using System.Management.Automation;
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

    public DecodingRules Validate()
    {
        if (MaxCopied is not null && Avoid is null)
            throw new PSCharRnnException("MaxCopiedNeedsCorpus", ErrorCategory.InvalidArgument, MaxCopied,
                "-MaxCopied limits what is copied from a corpus: give the corpus to stay away from with -Corpus (typically the training text).");
        if (MaxCopied is < 1)
            throw new PSCharRnnException("MaxCopiedOutOfRange", ErrorCategory.InvalidArgument, MaxCopied, $"-MaxCopied is at least 1, not {MaxCopied}.");
        if (!(RepetitionPenalty >= 1) || double.IsInfinity(RepetitionPenalty))
            throw new PSCharRnnException("RepetitionPenaltyOutOfRange", ErrorCategory.InvalidArgument, RepetitionPenalty,
                $"-RepetitionPenalty is a finite number of at least 1 (1: none), not {RepetitionPenalty}.");
        if (NoRepeatNGram is < 1)
            throw new PSCharRnnException("NoRepeatNGramOutOfRange", ErrorCategory.InvalidArgument, NoRepeatNGram, $"-NoRepeatNGram is at least 1, not {NoRepeatNGram}.");
        return this;
    }

    /// <summary>The rules' state for one sample of <paramref name="vocabulary"/>'s characters.</summary>
    public SampleGuard Start(Vocabulary vocabulary) => new(this, vocabulary);
}
