using PSCharRnn.Corpus;

namespace PSCharRnn.Generation;

/// <summary>
/// <see cref="DecodingRules"/> applied along one sample: it is told every character of the output in order
/// (<see cref="Accept"/>) and masks, before each generated one, the characters the rules forbid
/// (<see cref="Filter"/>: their logits become -∞). The copy guard walks the corpus's suffix automaton with the
/// output, so each step costs O(1) per candidate: extending the current match by c occurs in the corpus exactly
/// when the automaton has a transition on c, and the match is then one longer (only right after a prefix copied
/// beyond the limit does a candidate need the walk along suffix links).
/// </summary>
public sealed class SampleGuard
{
    private readonly DecodingRules rules;
    private readonly int[] codePoints;
    private readonly List<int> output = new();
    private readonly HashSet<int> used = new();
    private readonly List<int[]> excluded;
    private SuffixAutomaton.Position copied = SuffixAutomaton.Start;
    private readonly int separator = -1;
    private readonly int[] acrostic;
    private int lineLength;
    private int linesDone;
    private readonly string?[] rhymeOf;
    private string? rhyme;

    public SampleGuard(DecodingRules rules, Vocabulary vocabulary)
    {
        this.rules = rules;
        codePoints = vocabulary.Select(c => char.ConvertToUtf32(c, 0)).ToArray();
        // A word the vocabulary cannot spell can never appear: nothing to mask.
        excluded = rules.Exclude
            .Select(word => LyricsCorpus.Characters(word).Select(c => vocabulary.Contains(c) ? vocabulary.IndexOf(c) : -1).ToArray())
            .Where(word => word.Length > 0 && !word.Contains(-1)).ToList();
        if (rules.HasForm)
        {
            rules.CheckVocabulary(vocabulary);
            separator = vocabulary.IndexOf(DecodingRules.LineSeparator);
        }
        acrostic = rules.Acrostic.Select(vocabulary.IndexOf).ToArray();
        rhymeOf = rules.Rhyme || rules.RhymeWith is not null ? vocabulary.Select(RhymeTable.GroupOf).ToArray() : Array.Empty<string?>();
        rhyme = rules.RhymeWith is null ? null : RhymeTable.GroupOf(rules.RhymeWith);
    }

    private bool Rhyming => rhymeOf.Length > 0;

    // Whether a line may end on this character: of the rhyme group, or for -Rhyme's first line of any group.
    private bool EndsRhymed(int index) => !Rhyming || (rhyme is null ? rhymeOf[index] is not null : rhymeOf[index] == rhyme);

    // A copy that goes on apart: beam search follows several continuations of one output.
    private SampleGuard(SampleGuard other)
    {
        (rules, codePoints, excluded, separator, acrostic, rhymeOf) = (other.rules, other.codePoints, other.excluded, other.separator, other.acrostic, other.rhymeOf);
        output = new List<int>(other.output);
        used = new HashSet<int>(other.used);
        (copied, lineLength, linesDone, rhyme) = (other.copied, other.lineLength, other.linesDone, other.rhyme);
    }

    public SampleGuard Clone() => new(this);

    /// <summary>The line the next character belongs to, from 1.</summary>
    public int Line => linesDone + 1;

    /// <summary>Whether the sample has all its lines.</summary>
    public bool Finished => rules.LineCount is int lines && linesDone >= lines;

    /// <summary>How many characters of the output, ending with the last one, occur in the corpus to avoid.</summary>
    public int CopiedRun => copied.Matched;

    public void Accept(int index)
    {
        if (separator >= 0 && index == separator)
        {
            if (lineLength > 0)
            {
                linesDone++;
                if (Rhyming) rhyme ??= rhymeOf[output[^1]];
            }
            lineLength = 0;
        }
        else lineLength++;
        output.Add(index);
        used.Add(index);
        if (rules.Avoid is { } avoid) copied = avoid.Step(copied, codePoints[index]);
    }

    public void Filter(Span<float> logits)
    {
        if (rules.RepetitionPenalty > 1)
            foreach (int i in used)
                logits[i] = logits[i] > 0 ? (float)(logits[i] / rules.RepetitionPenalty) : (float)(logits[i] * rules.RepetitionPenalty);
        if (rules.Avoid is { } avoid && rules.MaxCopied is int most && copied.Matched + 1 > most)
        {
            // Within the limit, only a continued match can grow past it. A prefix may already be copied further:
            // then a shorter suffix that c extends can still be too long, and the walk tells.
            bool withinLimit = copied.Matched <= most;
            for (int i = 0; i < logits.Length; i++)
                if (withinLimit ? avoid.Continues(copied, codePoints[i]) : avoid.Step(copied, codePoints[i]).Matched > most)
                    logits[i] = float.NegativeInfinity;
        }
        if (rules.NoRepeatNGram is int n) MaskRepeatedNGrams(logits, n);
        foreach (var word in excluded)
            if (EndsWith(word.AsSpan(0, word.Length - 1))) logits[word[^1]] = float.NegativeInfinity;
        if (separator >= 0) ApplyForm(logits);
    }

    /// <summary>Why the rules allowed nothing at this step, for the error a user sees.</summary>
    public string Reason => separator < 0 ? "no character is left"
        : lineLength == 0 && linesDone < acrostic.Length ? $"line {Line} must start with '{rules.Acrostic[linesDone]}', which the other rules forbid here"
        : Rhyming && rules.MaxLineLength is int last && lineLength == last - 1 ? $"line {Line} must end on a rhyme of {rhyme ?? "a rhyme group"}, and the model's vocabulary or the other rules allow none here"
        : rules.MaxLineLength is int most && lineLength >= most ? $"line {Line} must end at {most} characters{(Rhyming ? $" on a rhyme of {rhyme ?? "a rhyme group"}" : "")}, and the other rules forbid that"
        : $"no character may continue line {Line}";

    // Lines: no empty line; the separator waits for the minimum length and comes at the maximum; an acrostic line
    // starts with its character. A forced character keeps its own logit, or -∞ when another rule forbade it.
    private void ApplyForm(Span<float> logits)
    {
        if (lineLength == 0 && linesDone < acrostic.Length) Force(logits, acrostic[linesDone]);
        else if (rules.MaxLineLength is int most && lineLength >= most) Force(logits, EndsRhymed(output[^1]) ? separator : -1);
        else if (lineLength < rules.MinLineLength || !EndsRhymed(output[^1])) logits[separator] = float.NegativeInfinity;
        // The last character of a line of fixed length must rhyme.
        if (Rhyming && rules.MaxLineLength is int end && lineLength == end - 1)
            for (int i = 0; i < logits.Length; i++)
                if (!EndsRhymed(i)) logits[i] = float.NegativeInfinity;
    }

    // Only this character may come (-1: none may); it keeps -∞ when another rule forbade it.
    private static void Force(Span<float> logits, int index)
    {
        float kept = index < 0 ? float.NegativeInfinity : logits[index];
        logits.Fill(float.NegativeInfinity);
        if (index >= 0) logits[index] = float.IsNegativeInfinity(kept) ? kept : 0;
    }

    // Every earlier place where the last n − 1 characters stand is followed by a character that would repeat an n-gram.
    private void MaskRepeatedNGrams(Span<float> logits, int n)
    {
        int context = n - 1;
        if (output.Count < context) return;
        for (int start = 0; start + context < output.Count; start++)
        {
            bool same = true;
            for (int k = 0; k < context && same; k++) same = output[start + k] == output[output.Count - context + k];
            if (same) logits[output[start + context]] = float.NegativeInfinity;
        }
    }

    private bool EndsWith(ReadOnlySpan<int> head)
    {
        if (head.Length > output.Count) return false;
        for (int k = 0; k < head.Length; k++)
            if (output[output.Count - head.Length + k] != head[k]) return false;
        return true;
    }
}
