namespace PSCharRnn.Corpus;

/// <summary>
/// The suffix automaton of a text's characters (code points): every substring of the text is a path from the start
/// state. Walking another text through it gives, at each position, the longest suffix that occurs in the text, in
/// time linear in the walk. Built online, one state per character and at most one clone.
/// </summary>
public sealed class SuffixAutomaton
{
    private readonly List<int> length = new() { 0 };
    private readonly List<int> link = new() { -1 };
    private readonly List<Dictionary<int, int>> next = new() { new() };

    public SuffixAutomaton(IEnumerable<int> codePoints)
    {
        int last = 0;
        foreach (int c in codePoints) last = Extend(last, c);
    }

    /// <summary>Where a walk stands: a state, and how many of the walked characters end there (the longest match).</summary>
    public readonly record struct Position(int State, int Matched);

    public static readonly Position Start = new(0, 0);

    /// <summary>Whether the current match, extended by <paramref name="c"/>, still occurs in the text (then it is Matched + 1 long).</summary>
    public bool Continues(Position at, int c) => next[at.State].ContainsKey(c);

    /// <summary>The position after one more character: the longest suffix of the walk, <paramref name="c"/> included, found in the text.</summary>
    public Position Step(Position at, int c)
    {
        var (state, matched) = at;
        while (state != 0 && !next[state].ContainsKey(c))
        {
            state = link[state];
            matched = length[state];
        }
        return next[state].TryGetValue(c, out int to) ? new Position(to, matched + 1) : Start;
    }

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
