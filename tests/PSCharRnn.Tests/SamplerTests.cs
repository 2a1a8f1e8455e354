using PSCharRnn.Model;
using PSCharRnn.Training;
using Xunit;

namespace PSCharRnn.Tests;

public class SamplerTests
{
    private static readonly int[] Corpus = Enumerable.Range(0, 10_000).ToArray();   // index == position

    [Fact]
    public void RandomSamplingCutsTheBooksNonOverlappingShuffledWindows()
    {
        var sampler = new RandomSampler(Corpus, batchSize: 32, numSteps: 35, seed: 1);
        Assert.Equal(285 / 32, sampler.BatchesPerEpoch);                 // (10000 - 1) // 35 = 285 windows
        var batches = sampler.Epoch(1).ToList();
        Assert.Equal(8, batches.Count);
        var starts = new HashSet<int>();
        foreach (var batch in batches)
        {
            Assert.Equal(32, batch.BatchSize);
            Assert.Equal(35, batch.NumSteps);
            for (int row = 0; row < batch.BatchSize; row++)
            {
                int start = batch.Inputs[row][0];
                Assert.Equal(0, start % 35);                             // on the window grid
                Assert.True(starts.Add(start), "a window repeats within an epoch");
                Assert.Equal(Enumerable.Range(start, 35), batch.Inputs[row]);
                Assert.Equal(Enumerable.Range(start + 1, 35), batch.Targets[row]);
                Assert.True(start + 35 < Corpus.Length);                 // the target window stays inside the corpus
            }
        }
        var sorted = starts.OrderBy(s => s).ToList();
        Assert.NotEqual(sorted, starts.ToList());                        // shuffled, not in corpus order
    }

    [Fact]
    public void RandomSamplingFollowsFromTheSeedAndTheEpochAlone()
    {
        int[] FirstStarts(RandomSampler s, int epoch) => s.Epoch(epoch).First().Inputs.Select(r => r[0]).ToArray();
        var a = new RandomSampler(Corpus, 32, 35, seed: 9);
        var b = new RandomSampler(Corpus, 32, 35, seed: 9);
        var epoch3 = FirstStarts(a, 3);
        Assert.Equal(epoch3, FirstStarts(b, 3));                        // another sampler (a resumed run) agrees
        Assert.Equal(epoch3, FirstStarts(a, 3));                        // asking again gives the same order
        Assert.NotEqual(epoch3, FirstStarts(a, 4));                     // a new order each epoch
        Assert.NotEqual(epoch3, FirstStarts(new RandomSampler(Corpus, 32, 35, seed: 10), 3));
    }

    [Fact]
    public void ConsecutiveSamplingContinuesEveryRowAcrossMinibatches()
    {
        var sampler = new ConsecutiveSampler(Corpus, batchSize: 32, numSteps: 35);
        Assert.Equal((10_000 / 32 - 1) / 35, sampler.BatchesPerEpoch);  // the book's epoch_size: 8
        var batches = sampler.Epoch(1).ToList();
        Assert.Equal(8, batches.Count);
        for (int row = 0; row < 32; row++)
        {
            Assert.Equal(row * 312, batches[0].Inputs[row][0]);         // rows of batch_len = 312
            for (int i = 1; i < batches.Count; i++)
                Assert.Equal(batches[i - 1].Inputs[row][^1] + 1, batches[i].Inputs[row][0]);
            foreach (var batch in batches)
                Assert.Equal(batch.Inputs[row].Select(x => x + 1), batch.Targets[row]);
        }
    }

    [Fact]
    public void TimeMajorOrderPutsAllRowsOfAStepTogether()
    {
        var flat = Minibatch.TimeMajor(new[] { new[] { 1, 2, 3 }, new[] { 4, 5, 6 } });
        Assert.Equal(new long[] { 1, 4, 2, 5, 3, 6 }, flat);
    }

    [Fact]
    public void ACorpusTooShortForOneMinibatchIsAClearError()
    {
        var ex = Assert.Throws<PSCharRnnException>(() => MinibatchSampler.Create(Sampling.Random, new int[100], 32, 35, seed: 1));
        Assert.Equal("CorpusTooShort", ex.ErrorId);
    }
}
