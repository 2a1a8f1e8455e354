using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PSCharRnn.Numerics;

/// <summary>
/// How much longer the team a split product runs on takes to do one fixed piece of work on each of its threads than one
/// thread takes to do it alone, right now: about 1 when the machine's cores are free, about 2 while another load (another
/// process, a neighbour on a shared host) holds one of two cores. The planner measures it around its rounds of timings.
/// </summary>
public static class ParallelProbe
{
    // A chain of dependent multiply-adds: a fixed amount of work for one core (a few hundred microseconds) that neither
    // memory nor the other threads can speed up or slow down, only losing the core.
    private const int ChainLength = 100_000;

    /// <summary>The team's time over one thread's time for the same work each; 1 where split products run on one thread.</summary>
    public static double Slowdown()
    {
        int threads = Gemm.Threads(split: true, int.MaxValue);
        if (threads <= 1) return 1;
        Chain(16);   // compiled before anything is timed (a call the JIT cannot see into is never left out)
        long start = Stopwatch.GetTimestamp();
        Chain(ChainLength);
        double alone = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        ThreadTeam.For(threads, _ => Chain(16));   // wakes the team's threads: a sleeping one is not a busy core
        start = Stopwatch.GetTimestamp();
        ThreadTeam.For(threads, _ => Chain(ChainLength));
        double together = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        return together / alone;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Chain(int length)
    {
        double x = 1;
        for (int i = 0; i < length; i++) x = Math.FusedMultiplyAdd(x, 0.9999999, 1e-9);
        return x;
    }
}
