using PSCharRnn.Corpus;
using PSCharRnn.Model;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

/// <summary>Small corpora and models made in the test, so every test runs in milliseconds.</summary>
internal static class Tiny
{
    public static LyricsCorpus Corpus(string text) => new(text, new[] { "test" });

    public static Vocabulary Letters(int count) => new(Enumerable.Range(0, count).Select(i => ((char)('a' + i)).ToString()));

    public static RnnModel Model(int vocabulary, int hidden, long seed, ScalarType dtype = ScalarType.Float32, double scale = 1,
        CellType cell = CellType.RNN, int layers = 1, int embedding = 0, bool tied = false)
    {
        // Tied weights need an embedding of the hidden size.
        var description = new ModelDescription(cell, vocabulary, hidden, layers, tied ? hidden : embedding, tied);
        var model = new RnnModel(Letters(vocabulary), description, seed, dtype: dtype);
        // Scaled as if every weight started at the book's N(0, 0.01): the tests' values then lie in one range.
        if (scale != 1)
            using (no_grad())
                foreach (var (p, spec) in model.Parameters.Zip(description.Parameters)) p.mul_(scale * ParameterSpec.BookStd / spec.InitialStd);
        return model;
    }
}
