namespace PSCharRnn.Training;

/// <summary>
/// Seeds derived from the run's seed and the epoch number, so that epoch N shuffles and drops out the same way
/// whether the run went through without a stop or was resumed from a checkpoint after epoch N − 1.
/// </summary>
public static class EpochSeeds
{
    public enum Stream : ulong
    {
        Shuffle = 1,
        Dropout = 2,
    }

    /// <summary>SplitMix64 of (seed, epoch, stream): stable across processes and platforms, unlike HashCode.</summary>
    public static long For(long seed, int epoch, Stream stream)
    {
        ulong z = (ulong)seed + 0x9E3779B97F4A7C15UL * ((ulong)epoch * 4 + (ulong)stream);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) >> 1);
    }
}
