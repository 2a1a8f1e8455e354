using PSCharRnn.Corpus;
using Xunit;

namespace PSCharRnn.Tests;

public class NoveltyTests
{
    // The longest substring of text that occurs in corpus, by brute force.
    private static int BruteForce(string corpus, string text)
    {
        int best = 0;
        for (int i = 0; i < text.Length; i++)
            for (int j = i + 1; j <= text.Length; j++)
                if (j - i > best && corpus.Contains(text[i..j], StringComparison.Ordinal)) best = j - i;
        return best;
    }

    [Fact]
    public void TheLongestCopiedSubstringAgreesWithBruteForceOnRandomTexts()
    {
        var random = new Random(5);
        string Random(int length) => new(Enumerable.Range(0, length).Select(_ => "abcab c"[random.Next(7)]).ToArray());
        var corpus = Random(3000);
        var index = new NoveltyIndex(corpus, 3);
        for (int trial = 0; trial < 200; trial++)
        {
            var text = Random(random.Next(0, 60));
            var result = index.Measure(text);
            Assert.Equal(BruteForce(corpus, text), result.LongestCopiedLength);
            Assert.Contains(result.LongestCopied, corpus);
            Assert.Contains(result.LongestCopied, text);
        }
    }

    [Fact]
    public void CharactersOutsideTheBasicPlaneCountAsOne()
    {
        var index = new NoveltyIndex("a😀b😀c", 2);
        var result = index.Measure("x😀b😀y");
        Assert.Equal("😀b😀", result.LongestCopied);
        Assert.Equal(3, result.LongestCopiedLength);
        Assert.Equal(2 / 4.0, result.NovelNGramFraction);
    }
}
