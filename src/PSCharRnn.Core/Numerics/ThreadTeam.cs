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
        var (parallel, _, _) = OpenMp.Value ?? throw new PlatformNotSupportedException("libtorch's OpenMP runtime (libgomp) is not loaded here.");
        var work = new Work(part, parts);
        var handle = GCHandle.Alloc(work);
        try
        {
            ((delegate* unmanaged<delegate* unmanaged<nint, void>, nint, uint, uint, void>)parallel)(&RunPart, GCHandle.ToIntPtr(handle), (uint)parts, 0);
        }
        finally
        {
            handle.Free();
        }
        if (work.Error is { } error) ExceptionDispatchInfo.Throw(error);
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
        var (_, threadNumber, teamSize) = OpenMp.Value!.Value;
        int first = ((delegate* unmanaged<int>)threadNumber)(), step = ((delegate* unmanaged<int>)teamSize)();
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
