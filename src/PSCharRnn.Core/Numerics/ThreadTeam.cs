using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using PSCharRnn.Native;

namespace PSCharRnn.Numerics;

/// <summary>
/// Runs the parts of a split product or loop at once, one thread each: on libtorch's OpenMP threads where its libgomp
/// is loaded (Linux), else on .NET's thread pool. The OpenMP threads are the ones MKL runs on and that spin briefly after
/// each call (GOMP_SPINCOUNT), so a recurrence's 35 small products start at once, and the two-core machine has one set of
/// worker threads instead of two competing for the core; a thread-pool worker has to be woken for each product.
/// </summary>
public static unsafe class ThreadTeam
{
    private static readonly Lazy<(nint Parallel, nint ThreadNumber, nint TeamSize)?> OpenMp = new(() =>
        OperatingSystem.IsLinux()
        && TorchRuntime.TryGetExport("GOMP_parallel") is { } parallel
        && TorchRuntime.TryGetExport("omp_get_thread_num") is { } threadNumber
        && TorchRuntime.TryGetExport("omp_get_num_threads") is { } teamSize
            ? (parallel, threadNumber, teamSize) : null);

    /// <summary>Whether parts run on libtorch's OpenMP threads (else on .NET's thread pool).</summary>
    public static bool OnOpenMp => OpenMp.Value is not null;

    /// <summary>Runs part(0) … part(parts − 1), each exactly once, on the team this process uses; the first exception is rethrown.</summary>
    public static void For(int parts, Action<int> part) => For(parts, part, OnOpenMp);

    /// <summary>
    /// Runs range(start, end) for each of <paramref name="parts"/> shares of [0, <paramref name="count"/>) at once
    /// (see <see cref="Share"/>), on this thread alone when there is one part.
    /// </summary>
    public static void ForRanges(int count, int parts, Action<int, int> range)
    {
        if (parts <= 1) range(0, count);
        else For(parts, part =>
        {
            var (start, end) = Share(count, parts, part);
            range(start, end);
        });
    }

    /// <summary>Part <paramref name="part"/> of [0, <paramref name="count"/>) split into <paramref name="parts"/>: [count·part/parts, count·(part + 1)/parts), as even as whole numbers allow.</summary>
    public static (int Start, int End) Share(int count, int parts, int part) =>
        ((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));

    /// <summary>The same on the team named (the tests run both where both exist).</summary>
    public static void For(int parts, Action<int> part, bool openMp)
    {
        if (parts <= 1)
        {
            if (parts == 1) part(0);
            return;
        }
        if (!openMp)
        {
            Parallel.For(0, parts, part);
            return;
        }
        var work = new Work(part, parts);
        OnOpenMpTeam(&RunPart, work, parts);
        if (work.Error is { } error) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>
    /// Runs body(part, parts, barrier) on every thread of one OpenMP team at once, for a loop whose steps each thread
    /// shares and that meet at the barrier it is given between steps: one parallel region for the whole loop. parts is
    /// the team's real size, which OpenMP may make smaller than asked (nested in another region, OMP_THREAD_LIMIT); the
    /// first exception is rethrown, after it has released the others from the barrier.
    /// </summary>
    public static void Together(int parts, Action<int, int, TeamBarrier> body)
    {
        var work = new TogetherWork(body);
        OnOpenMpTeam(&RunTogether, work, Math.Max(parts, 1));
        if ((work.Failure ?? work.Released) is { } error) ExceptionDispatchInfo.Throw(error);
    }

    // Calls run(state) on every thread of one OpenMP team of (at most) the given size, state a handle to work.
    private static void OnOpenMpTeam(delegate* unmanaged<nint, void> run, object work, int threads)
    {
        var (parallel, _, _) = OpenMp.Value ?? throw new PlatformNotSupportedException("libtorch's OpenMP runtime (libgomp) is not loaded here.");
        var handle = GCHandle.Alloc(work);
        try
        {
            ((delegate* unmanaged<delegate* unmanaged<nint, void>, nint, uint, uint, void>)parallel)(run, GCHandle.ToIntPtr(handle), (uint)threads, 0);
        }
        finally
        {
            handle.Free();
        }
    }

    // This thread's number in its OpenMP team, and the team's size.
    private static (int Thread, int Team) TeamPosition()
    {
        var (_, threadNumber, teamSize) = OpenMp.Value!.Value;
        return (((delegate* unmanaged<int>)threadNumber)(), ((delegate* unmanaged<int>)teamSize)());
    }

    private sealed class TogetherWork(Action<int, int, TeamBarrier> body)
    {
        public Action<int, int, TeamBarrier> Body { get; } = body;
        public TeamBarrier? Barrier;
        public Exception? Failure, Released;
    }

    [UnmanagedCallersOnly]
    private static void RunTogether(nint state)
    {
        var work = (TogetherWork)GCHandle.FromIntPtr(state).Target!;
        var (part, parts) = TeamPosition();
        if (work.Barrier is null) Interlocked.CompareExchange(ref work.Barrier, new TeamBarrier(parts), null);
        try
        {
            work.Body(part, parts, work.Barrier);
        }
        catch (TeamBarrier.BrokenException released)
        {
            work.Released = released;
        }
        catch (Exception error)
        {
            Interlocked.CompareExchange(ref work.Failure, error, null);
            work.Barrier.Break();
        }
    }

    private sealed class Work(Action<int> part, int parts)
    {
        public Action<int> Part { get; } = part;
        public int Parts { get; } = parts;
        public Exception? Error;
    }

    // Each OpenMP thread of the team runs its share of the parts: every part, when OpenMP gave a team smaller than asked
    // (nested in another parallel region, or limited by OMP_THREAD_LIMIT). An exception must not unwind into OpenMP.
    [UnmanagedCallersOnly]
    private static void RunPart(nint state)
    {
        var work = (Work)GCHandle.FromIntPtr(state).Target!;
        var (first, step) = TeamPosition();
        try
        {
            for (int part = first; part < work.Parts; part += step) work.Part(part);
        }
        catch (Exception error)
        {
            Interlocked.CompareExchange(ref work.Error, error, null);
        }
    }
}

/// <summary>
/// Where the threads of a <see cref="ThreadTeam.Together"/> loop wait for each other between steps: spinning for a
/// short while (a step is microseconds long), then asleep until the last one arrives, so that a thread whose partner
/// lost its core to another process does not spin on a core that process or the partner needs (as OpenMP's own
/// threads do after GOMP_SPINCOUNT). Each wait's release makes every write before it visible to every thread after it.
/// </summary>
public sealed class TeamBarrier(int parties)
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000;   // 100 µs
    private readonly object gate = new();
    private int arrived, sleepers;
    private volatile int generation;
    private volatile bool broken;

    /// <summary>Returns when all parties have called it; throws <see cref="BrokenException"/> if another party failed.</summary>
    public void Wait()
    {
        if (parties <= 1) return;
        int current = generation;
        if (Interlocked.Increment(ref arrived) == parties)
        {
            arrived = 0;                                                       // before the release, which publishes it
            Interlocked.Increment(ref generation);                             // a full fence: the read of sleepers cannot pass it
            if (Volatile.Read(ref sleepers) > 0)
                lock (gate) Monitor.PulseAll(gate);
            return;
        }
        long start = Stopwatch.GetTimestamp();
        while (generation == current)
        {
            if (broken) throw new BrokenException();
            if (Stopwatch.GetTimestamp() - start < SpinTicks) Thread.SpinWait(1);
            else
                lock (gate)
                {
                    Interlocked.Increment(ref sleepers);                       // a full fence: the read of generation cannot pass it
                    while (generation == current && !broken) Monitor.Wait(gate);
                    Interlocked.Decrement(ref sleepers);
                }
        }
    }

    /// <summary>Releases every waiting party, and every later one, with a <see cref="BrokenException"/>.</summary>
    internal void Break()
    {
        broken = true;
        lock (gate) Monitor.PulseAll(gate);
    }

    /// <summary>Another thread of the team failed, so this one stopped waiting for it.</summary>
    public sealed class BrokenException() : OperationCanceledException("Another thread of the team failed.");
}
