using System.Text;

namespace PSCharRnn.Corpus;

/// <summary>
/// The distinct characters of a text, sorted by code point so that the same text always gives the same
/// indices (a set's order changes from run to run).
/// </summary>
public sealed class Vocabulary : IReadOnlyList<string>
{
    private readonly string[] characters;
    private readonly Dictionary<int, int> indexOfCodePoint;

    public Vocabulary(IEnumerable<string> characters)
    {
        this.characters = characters.Distinct(StringComparer.Ordinal)
            .OrderBy(c => char.ConvertToUtf32(c, 0))
            .ToArray();
        indexOfCodePoint = this.characters.Select((c, i) => (c, i)).ToDictionary(p => char.ConvertToUtf32(p.c, 0), p => p.i);
    }

    public int Count => characters.Length;

    public string this[int index] => characters[index];

    public int IndexOf(string character) => indexOfCodePoint[char.ConvertToUtf32(character, 0)];

    public bool Contains(string character) => indexOfCodePoint.ContainsKey(char.ConvertToUtf32(character, 0));

    /// <summary>The text as indices, one per character; -1 for a character this vocabulary lacks.</summary>
    public int[] Encode(string text, CancellationToken cancel = default)
    {
        // Sized for one index per UTF-16 unit and trimmed only if the text has characters outside the BMP.
        var indices = new int[text.Length];
        int count = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if ((count & CancelCheckMask) == 0) cancel.ThrowIfCancellationRequested();
            indices[count++] = indexOfCodePoint.TryGetValue(rune.Value, out int index) ? index : -1;
        }
        if (count < indices.Length) Array.Resize(ref indices, count);
        return indices;
    }

    // Long loops over a text look at Ctrl+C once per this many characters (+1).
    private const int CancelCheckMask = (1 << 20) - 1;

    /// <summary>The distinct characters of <paramref name="text"/> that this vocabulary lacks, in order of first use.</summary>
    public IReadOnlyList<string> Missing(string text)
    {
        var missing = new List<string>();
        var seen = new HashSet<int>();
        foreach (var rune in text.EnumerateRunes())
            if (!indexOfCodePoint.ContainsKey(rune.Value) && seen.Add(rune.Value)) missing.Add(rune.ToString());
        return missing;
    }

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)characters).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => characters.GetEnumerator();

    public override string ToString() => $"{Count} characters";

    /// <summary>The vocabulary of a text, built without a string per character (a corpus may have millions).</summary>
    public static Vocabulary Of(string text, CancellationToken cancel = default)
    {
        var seen = new bool[0x110000];
        int count = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if ((count++ & CancelCheckMask) == 0) cancel.ThrowIfCancellationRequested();
            seen[rune.Value] = true;
        }
        var characters = new List<string>();
        for (int c = 0; c < seen.Length; c++)
            if (seen[c]) characters.Add(new Rune(c).ToString());
        return new Vocabulary(characters);
    }
}
