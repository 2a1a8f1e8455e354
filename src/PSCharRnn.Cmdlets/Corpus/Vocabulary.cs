namespace PSCharRnn.Corpus;

/// <summary>
/// The distinct characters of a text, sorted by code point so that the same text always gives the same
/// indices (a set's order changes from run to run).
/// </summary>
public sealed class Vocabulary : IReadOnlyList<string>
{
    private readonly string[] characters;
    private readonly Dictionary<string, int> indexOf;

    public Vocabulary(IEnumerable<string> characters)
    {
        this.characters = characters.Distinct(StringComparer.Ordinal)
            .OrderBy(c => char.ConvertToUtf32(c, 0))
            .ToArray();
        indexOf = this.characters.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
    }

    public int Count => characters.Length;

    public string this[int index] => characters[index];

    public int IndexOf(string character) => indexOf[character];

    public bool Contains(string character) => indexOf.ContainsKey(character);

    /// <summary>The distinct characters of <paramref name="text"/> that this vocabulary lacks, in order of first use.</summary>
    public IReadOnlyList<string> Missing(string text) =>
        LyricsCorpus.Characters(text).Where(c => !Contains(c)).Distinct(StringComparer.Ordinal).ToList();

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)characters).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => characters.GetEnumerator();

    public override string ToString() => $"{Count} characters";
}
