namespace PSCharRnn.Baselines;

/// <summary>
/// The counting baseline a network must beat: an interpolated Kneser-Ney character n-gram (Chen and Goodman's form,
/// one absolute discount D for every order). The highest order uses raw counts, the lower orders continuation counts
/// (how many distinct characters precede an n-gram), and the unigram level interpolates with a uniform distribution
/// over the vocabulary, so every character keeps a probability above zero:
/// p(w | h) = max(c(h w) − D, 0) / c(h) + D·N₁₊(h •) / c(h) · p(w | h without its first character).
/// A history never seen in training backs off to the shorter one entirely; a history shorter than the order (the
/// first characters of a text) starts at the order that fits it.
/// </summary>
public sealed class KneserNeyNGram
{
    public const int DefaultOrder = 5;
    public const double DefaultDiscount = 0.75;

    // Per order k (index k − 1): the counts of k-grams, and per (k − 1)-character history its total and distinct followers.
    private readonly Dictionary<string, int>[] counts;
    private readonly Dictionary<string, (long Total, int Followers)>[] histories;

    public KneserNeyNGram(IReadOnlyList<int> training, int vocabularySize, int order = DefaultOrder, double discount = DefaultDiscount)
    {
        if (order < 1) throw new ArgumentOutOfRangeException(nameof(order), order, "An n-gram has an order of at least 1.");
        if (discount is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(discount), discount, "The discount lies in (0, 1).");
        (Order, Discount, VocabularySize) = (order, discount, vocabularySize);
        counts = new Dictionary<string, int>[order];
        histories = new Dictionary<string, (long, int)>[order];
        var raw = Count(training, order);
        counts[order - 1] = raw;
        // Continuation counts: an n-gram of order k counts the distinct characters seen before it, that is the
        // distinct (k + 1)-grams it ends.
        for (int k = order - 1; k >= 1; k--)
        {
            var continuation = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var longer in (k == order - 1 ? raw : Count(training, k + 1)).Keys)
            {
                string suffix = longer[2..];
                continuation[suffix] = continuation.GetValueOrDefault(suffix) + 1;
            }
            counts[k - 1] = continuation;
        }
        for (int k = 1; k <= order; k++)
        {
            var byHistory = new Dictionary<string, (long Total, int Followers)>(StringComparer.Ordinal);
            foreach (var (gram, count) in counts[k - 1])
            {
                string history = gram[..^2];
                var (total, followers) = byHistory.GetValueOrDefault(history);
                byHistory[history] = (total + count, followers + 1);
            }
            histories[k - 1] = byHistory;
        }
    }

    public int Order { get; }
    public double Discount { get; }
    public int VocabularySize { get; }

    /// <summary>p(<paramref name="next"/> | <paramref name="history"/>), using at most the last Order − 1 characters of the history.</summary>
    public double Probability(ReadOnlySpan<int> history, int next)
    {
        if (history.Length > Order - 1) history = history[^(Order - 1)..];
        return Probability(Key(history), Key(next), history.Length + 1);
    }

    private double Probability(string history, string next, int k)
    {
        double lower = k == 1 ? 1.0 / VocabularySize : Probability(history[2..], next, k - 1);
        if (!histories[k - 1].TryGetValue(history, out var seen)) return lower;
        int count = counts[k - 1].GetValueOrDefault(history + next);
        return (Math.Max(count - Discount, 0) + Discount * seen.Followers * lower) / seen.Total;
    }

    /// <summary>
    /// The perplexity of a text as <c>Measure-RnnPerplexity</c> defines it: every character after the first, given
    /// those before it within the text; exp of the mean cross-entropy.
    /// </summary>
    public double Perplexity(IReadOnlyList<int> text)
    {
        if (text.Count < 2) throw new ArgumentException("A text needs at least two characters to score one.", nameof(text));
        var indices = text.ToArray();
        double total = 0;
        for (int i = 1; i < indices.Length; i++)
            total -= Math.Log(Probability(indices.AsSpan(Math.Max(0, i - (Order - 1)), Math.Min(i, Order - 1)), indices[i]));
        return Math.Exp(total / (indices.Length - 1));
    }

    private static Dictionary<string, int> Count(IReadOnlyList<int> text, int k)
    {
        var grams = new Dictionary<string, int>(StringComparer.Ordinal);
        var indices = text.ToArray();
        for (int i = 0; i + k <= indices.Length; i++)
        {
            string gram = Key(indices.AsSpan(i, k));
            grams[gram] = grams.GetValueOrDefault(gram) + 1;
        }
        return grams;
    }

    // Each index as two UTF-16 units, so any vocabulary size fits and n-grams compare as ordinal strings.
    private static string Key(ReadOnlySpan<int> indices)
    {
        var units = new char[indices.Length * 2];
        for (int i = 0; i < indices.Length; i++) (units[2 * i], units[2 * i + 1]) = ((char)(indices[i] >> 16), (char)indices[i]);
        return new string(units);
    }

    private static string Key(int index) => Key(stackalloc[] { index });
}
