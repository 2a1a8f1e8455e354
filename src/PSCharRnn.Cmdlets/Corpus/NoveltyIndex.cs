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
    private readonly List<int> length = new() { 0 };
    private readonly List<int> link = new() { -1 };
    private readonly List<Dictionary<int, int>> next = new() { new() };
    private readonly HashSet<string> nGrams = new(StringComparer.Ordinal);

    public NoveltyIndex(string corpus, int nGramLength)
    {
        if (nGramLength < 1) throw new ArgumentOutOfRangeException(nameof(nGramLength));
        NGramLength = nGramLength;
        var codePoints = corpus.EnumerateRunes().Select(r => r.Value).ToArray();
        int last = 0;
        foreach (int c in codePoints) last = Extend(last, c);
        foreach (var gram in NGrams(codePoints)) nGrams.Add(gram);
    }

    public int NGramLength { get; }

    public NoveltyResult Measure(string text)
    {
        var codePoints = text.EnumerateRunes().Select(r => r.Value).ToArray();
        int state = 0, matched = 0, best = 0, bestEnd = 0;
        for (int i = 0; i < codePoints.Length; i++)
        {
            int c = codePoints[i];
            while (state != 0 && !next[state].ContainsKey(c))
            {
                state = link[state];
                matched = length[state];
            }
            if (next[state].TryGetValue(c, out int to))
            {
                state = to;
                matched++;
            }
            if (matched > best) (best, bestEnd) = (matched, i + 1);
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

    // The standard online construction: each character adds one state, and at most one clone.
    private int Extend(int last, int c)
    {
        int current = NewState(length[last] + 1);
        int p = last;
        while (p != -1 && !next[p].ContainsKey(c))
        {
            next[p][c] = current;
            p = link[p];
        }
        if (p == -1)
        {
            link[current] = 0;
            return current;
        }
        int q = next[p][c];
        if (length[p] + 1 == length[q])
        {
            link[current] = q;
            return current;
        }
        int clone = NewState(length[p] + 1, new Dictionary<int, int>(next[q]), link[q]);
        while (p != -1 && next[p].TryGetValue(c, out int target) && target == q)
        {
            next[p][c] = clone;
            p = link[p];
        }
        link[q] = link[current] = clone;
        return current;
    }

    private int NewState(int stateLength, Dictionary<int, int>? transitions = null, int suffixLink = -1)
    {
        length.Add(stateLength);
        link.Add(suffixLink);
        next.Add(transitions ?? new Dictionary<int, int>());
        return length.Count - 1;
    }
}
