using PSCharRnn.Model;

namespace PSCharRnn.Training;

/// <summary>Cuts one epoch of minibatches from a corpus' indices, exactly as the book's two data iterators.</summary>
public abstract class MinibatchSampler
{
    protected MinibatchSampler(int[] corpus, int batchSize, int numSteps)
    {
        Corpus = corpus;
        BatchSize = batchSize;
        NumSteps = numSteps;
    }

    protected int[] Corpus { get; }
    public int BatchSize { get; }
    public int NumSteps { get; }

    /// <summary>Minibatches per epoch (the book's epoch_size).</summary>
    public abstract int BatchesPerEpoch { get; }

    /// <summary>Whether the hidden state is carried from one minibatch to the next.</summary>
    public abstract bool CarriesState { get; }

    /// <summary>The minibatches of epoch <paramref name="epoch"/> (counted from 1 over the model's whole history).</summary>
    public abstract IEnumerable<Minibatch> Epoch(int epoch);

    public static MinibatchSampler Create(Sampling sampling, int[] corpus, int batchSize, int numSteps, long seed)
    {
        MinibatchSampler sampler = sampling == Sampling.Random
            ? new RandomSampler(corpus, batchSize, numSteps, seed)
            : new ConsecutiveSampler(corpus, batchSize, numSteps);
        if (sampler.BatchesPerEpoch < 1)
            throw new PSCharRnnException("CorpusTooShort", ErrorKind.InvalidArgument, corpus.Length,
                $"A corpus of {corpus.Length} characters gives no minibatch of {batchSize} sequences of {numSteps} steps " +
                $"with {sampling} sampling; use a longer corpus or a smaller -BatchSize or -NumSteps.");
        return sampler;
    }

    protected int[] Window(int start) => Corpus.AsSpan(start, NumSteps).ToArray();
}

/// <summary>
/// data_iter_random: the corpus cut into non-overlapping windows, shuffled, taken batch by batch. Each epoch's
/// order follows from the seed and the epoch number alone, so a resumed run shuffles as an uninterrupted one.
/// </summary>
public sealed class RandomSampler : MinibatchSampler
{
    private readonly long seed;

    public RandomSampler(int[] corpus, int batchSize, int numSteps, long seed) : base(corpus, batchSize, numSteps) =>
        this.seed = seed;

    private int WindowCount => (Corpus.Length - 1) / NumSteps;

    public override int BatchesPerEpoch => WindowCount / BatchSize;

    public override bool CarriesState => false;

    public override IEnumerable<Minibatch> Epoch(int epoch)
    {
        var order = Enumerable.Range(0, WindowCount).ToArray();
        new Random((int)(EpochSeeds.For(seed, epoch, EpochSeeds.Stream.Shuffle) % int.MaxValue)).Shuffle(order);
        for (int i = 0; i < BatchesPerEpoch; i++)
        {
            var windows = order.AsSpan(i * BatchSize, BatchSize).ToArray();
            yield return new Minibatch(
                windows.Select(w => Window(w * NumSteps)).ToArray(),
                windows.Select(w => Window(w * NumSteps + 1)).ToArray());
        }
    }
}

/// <summary>data_iter_consecutive: the corpus folded into BatchSize rows, read left to right NumSteps at a time.</summary>
public sealed class ConsecutiveSampler : MinibatchSampler
{
    public ConsecutiveSampler(int[] corpus, int batchSize, int numSteps) : base(corpus, batchSize, numSteps) { }

    private int RowLength => Corpus.Length / BatchSize;

    public override int BatchesPerEpoch => (RowLength - 1) / NumSteps;

    public override bool CarriesState => true;

    public override IEnumerable<Minibatch> Epoch(int epoch)
    {
        for (int i = 0; i < BatchesPerEpoch; i++)
        {
            int offset = i * NumSteps;
            yield return new Minibatch(
                Enumerable.Range(0, BatchSize).Select(row => Window(row * RowLength + offset)).ToArray(),
                Enumerable.Range(0, BatchSize).Select(row => Window(row * RowLength + offset + 1)).ToArray());
        }
    }
}
