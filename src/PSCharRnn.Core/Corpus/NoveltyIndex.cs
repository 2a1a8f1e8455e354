namespace PSCharRnn.Corpus;

/// <summary>How much of a text is new: its longest substring found in the corpus, and its n-grams the corpus never has.</summary>
public sealed record NoveltyResult(string Text, string LongestCopied, int LongestCopiedLength, double? NovelNGramFraction, int NGramLength);

/// <summary>
/// A corpus indexed once, then asked about many texts: a suffix automaton of its characters (code points) finds the
/// longest substring of a text that occurs in the corpus in time linear in the text, and a set of its n-grams counts
/// a text's novel n-grams. Exact; building it is linear in the corpus.
/// </summary>
public sealed class NoveltyIndex
{
    private readonly HashSet<string> nGrams = new(StringComparer.Ordinal);

    public NoveltyIndex(string corpus, int nGramLength)
    {
        if (nGramLength < 1) throw new ArgumentOutOfRangeException(nameof(nGramLength));
        NGramLength = nGramLength;
        var codePoints = corpus.EnumerateRunes().Select(r => r.Value).ToArray();
        Automaton = new SuffixAutomaton(codePoints);
        foreach (var gram in NGrams(codePoints)) nGrams.Add(gram);
    }

    public int NGramLength { get; }

    /// <summary>The corpus's suffix automaton, which generation walks to keep its copying short.</summary>
    public SuffixAutomaton Automaton { get; }

    public NoveltyResult Measure(string text)
    {
        var codePoints = text.EnumerateRunes().Select(r => r.Value).ToArray();
        var at = SuffixAutomaton.Start;
        int best = 0, bestEnd = 0;
        for (int i = 0; i < codePoints.Length; i++)
        {
            at = Automaton.Step(at, codePoints[i]);
            if (at.Matched > best) (best, bestEnd) = (at.Matched, i + 1);
        }
        string copied = string.Concat(codePoints[(bestEnd - best)..bestEnd].Select(char.ConvertFromUtf32));
        var grams = NGrams(codePoints).ToList();
        double? novel = grams.Count == 0 ? null : (double)grams.Count(g => !nGrams.Contains(g)) / grams.Count;
        return new NoveltyResult(text, copied, best, novel, NGramLength);
    }

    private IEnumerable<string> NGrams(int[] codePoints)
    {
        for (int i = 0; i + NGramLength <= codePoints.Length; i++)
            yield return string.Concat(codePoints.AsSpan(i, NGramLength).ToArray().Select(char.ConvertFromUtf32));
    }
}
