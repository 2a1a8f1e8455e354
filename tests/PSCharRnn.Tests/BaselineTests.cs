using PSCharRnn.Baselines;
using Xunit;

namespace PSCharRnn.Tests;

public class BaselineTests
{
    private static readonly int[] Text = "abracadabra abracadabra cadabra".Select(c => "abcdr ".IndexOf(c)).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void EveryHistoryGivesADistributionOverTheVocabulary(int order)
    {
        var model = new KneserNeyNGram(Text, vocabularySize: 8, order);
        var histories = new[] { Array.Empty<int>(), new[] { 0 }, new[] { 0, 1 }, new[] { 1, 4, 0 }, new[] { 7, 7, 7, 7 }, new[] { 3, 0, 1, 4, 0, 2 } };
        foreach (var history in histories)
        {
            var probabilities = Enumerable.Range(0, 8).Select(w => model.Probability(history, w)).ToArray();
            Assert.Equal(1.0, probabilities.Sum(), 1e-12);
            Assert.All(probabilities, p => Assert.True(p > 0, "every character keeps a floor"));
        }
    }

    [Fact]
    public void ABigramIsKneserNeysFormulaWorkedByHand()
    {
        // "abab": bigrams ab, ba, ab. History 'a' was followed by b twice (one distinct follower).
        // Continuation counts of unigrams: a is preceded by one distinct character (b), b by one (a): N₁₊(••) = 2,
        // two types, so p₁(b) = (1 − 0.75)/2 + 0.75·2/2·(1/3) = 0.375 and p₁(a) likewise; p₁(c) = 0.25.
        // p(b | a) = (2 − 0.75)/2 + 0.75·1/2·p₁(b) = 0.625 + 0.140625.
        var model = new KneserNeyNGram(new[] { 0, 1, 0, 1 }, vocabularySize: 3, order: 2);
        Assert.Equal(0.765625, model.Probability(new[] { 0 }, 1), 1e-12);
        Assert.Equal(0.375 * 0.375, model.Probability(new[] { 0 }, 0), 1e-12);
        Assert.Equal(0.25, model.Probability(new[] { 2 }, 2), 1e-12);                  // an unseen history backs off entirely
    }

    [Fact]
    public void PerplexityScoresEveryCharacterAfterTheFirstGivenTheOnesBefore()
    {
        var model = new KneserNeyNGram(Text, vocabularySize: 8, order: 3);
        int[] heldOut = { 0, 1, 4, 0, 6 };
        double expected = Math.Exp(-(Math.Log(model.Probability(new[] { 0 }, 1)) + Math.Log(model.Probability(new[] { 0, 1 }, 4))
            + Math.Log(model.Probability(new[] { 1, 4 }, 0)) + Math.Log(model.Probability(new[] { 4, 0 }, 6))) / 4);
        Assert.Equal(expected, model.Perplexity(heldOut), 1e-9);
        Assert.True(double.IsFinite(model.Perplexity(heldOut)), "a character never seen in training costs a finite amount");
    }
}
