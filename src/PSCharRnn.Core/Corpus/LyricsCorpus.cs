using System.Text;

namespace PSCharRnn.Corpus;

/// <summary>A text as the model sees it: a sorted vocabulary of characters and the text as vocabulary indices.</summary>
public sealed class LyricsCorpus
{
    public LyricsCorpus(string text, IEnumerable<string> sources, CancellationToken cancel = default)
    {
        Text = text;
        Sources = sources.ToArray();
        Vocabulary = Vocabulary.Of(text, cancel);
        Indices = Vocabulary.Encode(text, cancel);
    }

    public string Text { get; }

    /// <summary>The files (or the book's archive) the text was read from.</summary>
    public IReadOnlyList<string> Sources { get; }

    public Vocabulary Vocabulary { get; }

    /// <summary>The text as indices into <see cref="Vocabulary"/>, one per character.</summary>
    public int[] Indices { get; }

    public int Length => Indices.Length;

    public int VocabularySize => Vocabulary.Count;

    public string Source => string.Join(", ", Sources.Select(Path.GetFileName));

    /// <summary>
    /// The text as indices into <paramref name="vocabulary"/> (a model's), or the error <paramref name="errorId"/> naming
    /// the characters the vocabulary lacks.
    /// </summary>
    public int[] IndicesIn(Vocabulary vocabulary, string errorId, string what)
    {
        if (vocabulary.SequenceEqual(Vocabulary)) return Indices;
        var indices = vocabulary.Encode(Text);
        if (Array.IndexOf(indices, -1) < 0) return indices;
        var missing = vocabulary.Missing(Text);
        throw new PSCharRnnException(errorId, ErrorKind.InvalidData, string.Join("", missing),
            $"The {what} has {missing.Count} characters the model's vocabulary lacks: {string.Join(" ", missing.Take(40))}" +
            (missing.Count > 40 ? " ..." : "") + ". Train a new model on a corpus that has them, or use a text within the model's vocabulary.");
    }

    /// <summary>The text's characters as Unicode scalar values (a character outside the BMP stays whole).</summary>
    public static string[] Characters(string text) => text.EnumerateRunes().Select(r => r.ToString()).ToArray();

    /// <summary>The first characters with runs of white space shown as one space, so a text that starts with blanks still shows.</summary>
    public string Preview(int characters)
    {
        var preview = new StringBuilder();
        bool space = true;                      // drops leading white space too
        int taken = 0;
        foreach (var rune in Text.EnumerateRunes())
        {
            if (taken == characters) break;
            if (Rune.IsWhiteSpace(rune))
            {
                if (space) continue;
                space = true;
                preview.Append(' ');
            }
            else
            {
                space = false;
                preview.Append(rune.ToString());
            }
            taken++;
        }
        return preview.ToString();
    }

    public override string ToString() => $"LyricsCorpus: {Length} characters, {VocabularySize} distinct, from {Source}";
}
