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
    public int[] Encode(string text)
    {
        var indices = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
            indices.Add(indexOfCodePoint.TryGetValue(rune.Value, out int index) ? index : -1);
        return indices.ToArray();
    }

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
    public static Vocabulary Of(string text)
    {
        var codePoints = new HashSet<int>();
        foreach (var rune in text.EnumerateRunes()) codePoints.Add(rune.Value);
        return new Vocabulary(codePoints.Select(c => new Rune(c).ToString()));
    }
}
