using PSCharRnn.Generation;
using Xunit;

namespace PSCharRnn.Tests;

public class SamplingTests
{
    private static readonly float[] Logits = { 2f, 1f, 0f, 0f, -1f, 3f };     // most likely: 5, then 0, then 1

    private static int[] Counts(SamplingOptions options, int draws = 20_000)
    {
        var next = new NextCharacter(options);
        var counts = new int[Logits.Length];
        for (int i = 0; i < draws; i++) counts[next.Choose(Logits)]++;
        return counts;
    }

    [Fact]
    public void TemperatureZeroIsTheArgmax() => Assert.Equal(new[] { 0, 0, 0, 0, 0, 10 }, Counts(SamplingOptions.Greedy, 10));

    [Fact]
    public void TemperatureOneDrawsFromTheSoftmax()
    {
        var counts = Counts(new SamplingOptions { Temperature = 1, Seed = 1 });
        double total = Logits.Sum(l => Math.Exp(l));
        for (int i = 0; i < Logits.Length; i++)
            Assert.InRange(counts[i] / 20_000.0, Math.Exp(Logits[i]) / total - 0.015, Math.Exp(Logits[i]) / total + 0.015);
    }

    [Fact]
    public void TopKDrawsOnlyAmongTheKMostLikely()
    {
        var counts = Counts(new SamplingOptions { Temperature = 1, TopK = 2, Seed = 1 });
        Assert.Equal(0, counts[1] + counts[2] + counts[3] + counts[4]);
        Assert.InRange(counts[5] / (double)(counts[5] + counts[0]), Math.E / (Math.E + 1) - 0.02, Math.E / (Math.E + 1) + 0.02);
    }

    [Fact]
    public void TopPKeepsTheSmallestSetReachingP()
    {
        // Probabilities: 5 ≈ 0.60, 0 ≈ 0.22, 1 ≈ 0.08, ...: p = 0.7 keeps {5, 0}; p = 0.5 keeps {5}.
        var counts = Counts(new SamplingOptions { Temperature = 1, TopP = 0.7, Seed = 1 });
        Assert.Equal(20_000, counts[5] + counts[0]);
        Assert.True(counts[0] > 0);
        Assert.Equal(20_000, Counts(new SamplingOptions { Temperature = 1, TopP = 0.5, Seed = 1 })[5]);
    }

    [Fact]
    public void LowTemperatureSharpensAndHighTemperatureFlattens()
    {
        Assert.True(Counts(new SamplingOptions { Temperature = 0.3, Seed = 2 })[5] > 19_000);
        Assert.InRange(Counts(new SamplingOptions { Temperature = 50, Seed = 2 })[4], 2_800, 3_900);   // nearly 1/6
    }

    [Fact]
    public void TheSameSeedGivesTheSameDraws() =>
        Assert.Equal(Counts(new SamplingOptions { Temperature = 1, Seed = 9 }, 50), Counts(new SamplingOptions { Temperature = 1, Seed = 9 }, 50));

    [Fact]
    public void ImpossibleCombinationsAreErrors()
    {
        Assert.Equal("SamplingOptionsConflict", Assert.Throws<PSCharRnnException>(() => new SamplingOptions { TopK = 3 }.Validate()).ErrorId);
        Assert.Equal("TopPOutOfRange", Assert.Throws<PSCharRnnException>(() => new SamplingOptions { Temperature = 1, TopP = 1.5 }.Validate()).ErrorId);
    }
}
