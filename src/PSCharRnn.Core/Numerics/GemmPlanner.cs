using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json;
using PSCharRnn.Files;

namespace PSCharRnn.Numerics;

/// <summary>A plan chosen for a shape among candidates, with what each took (µs per product) and whether it came from the store.</summary>
public sealed record GemmChoice(ProductShape Shape, GemmPlan Plan, IReadOnlyList<GemmPlan> Candidates, IReadOnlyDictionary<string, double> Microseconds, bool Stored);

/// <summary>
/// A way chosen among ways to compute one thing (a product into one layout, or into the other and then transposed),
/// with what each took (µs per call) and whether it came from the store.
/// </summary>
public sealed record WayChoice(string Subject, string Way, IReadOnlyDictionary<string, double> Microseconds, bool Stored);

/// <summary>A named way to compute something, for <see cref="GemmPlanner.ChooseWay"/>.</summary>
public sealed record Way(string Name, Action Run);

/// <summary>
/// Chooses each product's plan by measurement: the first time a shape is seen, every candidate plan is timed on it
/// for a few milliseconds and the fastest is kept. Choices are stored per user under the machine's identity (its
/// processor, cores, vector width, the threads split products run on, and this module's version), so later processes
/// take the same plans without measuring and a -Seed run gives the same sums every time; another processor, as a new
/// VM may have, is measured anew.
/// <paramref name="compilationTime"/> tells how long the JIT has compiled, on every thread, and
/// <paramref name="parallelSlowdown"/> how much another load slows the split products' threads now (the runtime's count
/// and <see cref="ParallelProbe"/> unless a test gives others). Ways of computing one thing that a product's plan cannot
/// express (which layout a result is made in) are chosen, measured and stored the same way.
/// </summary>
public sealed class GemmPlanner(string storePath, Func<TimeSpan>? compilationTime = null, Func<double>? parallelSlowdown = null)
{
    public const string FileName = "gemm-plans.json";
    private const int Rounds = 5, MinCallsPerRound = 3;
    private const double RoundMilliseconds = 1.0, OutOfTheRunning = 2.0, CompilingShare = 0.1, PatienceMilliseconds = 3000;
    private const double ContendedSlowdown = 1.5, ContentionPatienceMilliseconds = 10_000;
    private readonly Func<TimeSpan> compiling = compilationTime ?? (() => System.Runtime.JitInfo.GetCompilationTime(currentThread: false));
    private readonly Func<double> slowdown = parallelSlowdown ?? ParallelProbe.Slowdown;
    private long contendedTicks;   // Stopwatch ticks of rounds measured again because another load held a core

    // Keyed by the candidate list itself: the seam passes one cached list per element type, so a lookup allocates nothing.
    private readonly ConcurrentDictionary<(ProductShape, IReadOnlyList<GemmPlan>), Lazy<GemmChoice>> choices = new();
    private readonly ConcurrentDictionary<string, Lazy<WayChoice>> ways = new();
    private readonly object storeGate = new();
    private Dictionary<string, StoredChoice>? stored;

    /// <summary>The process's planner, which keeps its choices in the per-user folder.</summary>
    public static GemmPlanner Default { get; } = new(Path.Combine(UserData.Folder, FileName));

    /// <summary>The file the choices are kept in.</summary>
    public string StorePath { get; } = storePath;

    /// <summary>What the stored choices are valid for.</summary>
    public static string MachineIdentity { get; } =
        $"{Processor()}; {Environment.ProcessorCount} processors; {Vector<byte>.Count * 8}-bit vectors; " +
        $"AVX-512 {(Avx512F.IsSupported ? "on" : "off")}; split products on {(ThreadTeam.OnOpenMp ? "OpenMP threads" : "the thread pool")}; " +
        $"PSCharRnn {typeof(GemmPlanner).Assembly.GetName().Version}";

    /// <summary>Every choice this process has made or read, by shape.</summary>
    public IReadOnlyList<GemmChoice> Made =>
        choices.Values.Where(c => c.IsValueCreated).Select(c => c.Value).OrderBy(c => c.Shape.ToString()).ToList();

    /// <summary>Every choice of a way this process has made or read, by subject.</summary>
    public IReadOnlyList<WayChoice> MadeWays =>
        ways.Values.Where(c => c.IsValueCreated).Select(c => c.Value).OrderBy(c => c.Subject).ToList();

    /// <summary>The choice this process has made or read for a shape among <paramref name="candidates"/>, or null.</summary>
    public GemmChoice? Chosen(ProductShape shape, IReadOnlyList<GemmPlan> candidates) =>
        choices.TryGetValue((shape, candidates), out var choice) && choice.IsValueCreated ? choice.Value : null;

    /// <summary>The plan for a product of this shape among <paramref name="candidates"/>: stored, or measured now.</summary>
    public GemmChoice Choose<T>(ProductShape shape, IReadOnlyList<GemmPlan> candidates) where T : unmanaged, INumber<T>
    {
        return choices.GetOrAdd((shape, candidates), key => new Lazy<GemmChoice>(() =>
        {
            string storeKey = $"{shape} of {string.Join(",", candidates)}";
            if (candidates.Count == 1) return new GemmChoice(shape, candidates[0], candidates, new Dictionary<string, double>(), Stored: false);
            if (Lookup(storeKey) is { } known)
                return new GemmChoice(shape, GemmPlan.Parse(known.Plan), candidates, known.Microseconds, Stored: true);
            var kept = MeasureAndKeep(storeKey, Measure<T>(shape, candidates), out bool stored);
            return new GemmChoice(shape, GemmPlan.Parse(kept.Plan), candidates, kept.Microseconds, stored);
        })).Value;
    }

    /// <summary>
    /// The way to compute <paramref name="subject"/> (which names the ways, what they compute and on what sizes, and
    /// what their products may run on): stored, or measured now as plans are. <paramref name="prepare"/> is called only
    /// to measure: it gives the ways and what they use, disposed after. Each way runs once before it is timed, so that
    /// the products it makes are planned first.
    /// </summary>
    public WayChoice ChooseWay(string subject, Func<(IReadOnlyList<Way> Ways, IDisposable Resources)> prepare)
    {
        return ways.GetOrAdd(subject, key => new Lazy<WayChoice>(() =>
        {
            if (Lookup(subject) is { } known) return new WayChoice(subject, known.Plan, known.Microseconds, Stored: true);
            var (candidates, resources) = prepare();
            using (resources)
            {
                var kept = MeasureAndKeep(subject, Time(candidates), out bool stored);
                return new WayChoice(subject, kept.Plan, kept.Microseconds, stored);
            }
        })).Value;
    }

    private StoredChoice MeasureAndKeep(string storeKey, Dictionary<string, double> timings, out bool stored)
    {
        var measured = new StoredChoice(timings.MinBy(t => t.Value).Key, timings);
        var kept = Keep(storeKey, measured);
        stored = !ReferenceEquals(kept, measured);
        return kept;
    }

    private unsafe Dictionary<string, double> Measure<T>(ProductShape shape, IReadOnlyList<GemmPlan> candidates)
        where T : unmanaged, INumber<T>
    {
        long aSize = (long)shape.M * shape.K, bSize = (long)shape.K * shape.N, cSize = (long)shape.M * shape.N;
        T* a = (T*)NativeMemory.Alloc((nuint)Math.Max(aSize, 1), (nuint)sizeof(T));
        T* b = (T*)NativeMemory.Alloc((nuint)Math.Max(bSize, 1), (nuint)sizeof(T));
        T* c = (T*)NativeMemory.Alloc((nuint)Math.Max(cSize, 1), (nuint)sizeof(T));
        try
        {
            for (long i = 0; i < aSize; i++) a[i] = T.CreateTruncating((i * 7919 % 1000) - 500) / T.CreateTruncating(1000);
            for (long i = 0; i < bSize; i++) b[i] = T.CreateTruncating((i * 104729 % 1000) - 500) / T.CreateTruncating(1000);
            return Time(candidates.Select(plan => new Way(plan.ToString(), () => Run(plan, shape, a, b, c))).ToList());
        }
        finally
        {
            NativeMemory.Free(a);
            NativeMemory.Free(b);
            NativeMemory.Free(c);
        }
    }

    // Each candidate in turn, a round of at least three calls and a millisecond each, the median call of the best round
    // kept: rounds interleave so that a burst of load on a shared machine does not fall on one candidate, and the
    // median leaves out the one call that wakes a backend's threads after another backend ran. A candidate more than
    // twice as slow as the fastest after a round is timed no more: only a burst on every round of the fastest could
    // make it the choice, and timing the slow kernels was most of a first run's planning.
    // A round is run again (for up to three seconds a shape) when something took a core from the products meanwhile:
    // - the JIT, compiling for a tenth of the round or more: a process's first products are planned while the tiered
    //   JIT recompiles its hot methods on a thread of its own, which on two cores takes one from the products for a
    //   second or two, and from split plans more than from single-threaded ones;
    // - another load, seen by the probe before or after the round: on a shared host a neighbour can hold one of two
    //   cores for a second at a time, every round of a shape falls in it, and the split plans, twice as slow then,
    //   lost to single-threaded ones for good. Such waits stop after ten seconds in all: a machine busy for that long
    //   (two trainings at once) is measured as it is.
    private Dictionary<string, double> Time(IReadOnlyList<Way> candidates)
    {
        var best = candidates.ToDictionary(w => w.Name, _ => double.PositiveInfinity);
        foreach (var way in candidates) way.Run();
        var running = candidates.ToList();
        long start = Stopwatch.GetTimestamp();
        double slowdownBefore = slowdown();
        for (int round = 0; round < Rounds;)
        {
            var medians = new Dictionary<string, double>();
            bool compiled = false;
            long roundStart = Stopwatch.GetTimestamp();
            foreach (var way in running)
            {
                var calls = new List<double>();
                var compiledBefore = compiling();
                long wayStart = Stopwatch.GetTimestamp();
                do
                {
                    long callStart = Stopwatch.GetTimestamp();
                    way.Run();
                    calls.Add(Stopwatch.GetElapsedTime(callStart).TotalMicroseconds);
                }
                while (calls.Count < MinCallsPerRound || Stopwatch.GetElapsedTime(wayStart).TotalMilliseconds < RoundMilliseconds);
                compiled |= (compiling() - compiledBefore).TotalMilliseconds >= CompilingShare * Stopwatch.GetElapsedTime(wayStart).TotalMilliseconds;
                calls.Sort();
                medians[way.Name] = calls[calls.Count / 2];
            }
            double slowdownAfter = slowdown();
            bool contended = Math.Max(slowdownBefore, slowdownAfter) >= ContendedSlowdown
                && Stopwatch.GetElapsedTime(0, Interlocked.Read(ref contendedTicks)).TotalMilliseconds < ContentionPatienceMilliseconds;
            slowdownBefore = slowdownAfter;
            if ((compiled || contended) && Stopwatch.GetElapsedTime(start).TotalMilliseconds < PatienceMilliseconds)
            {
                if (contended) Interlocked.Add(ref contendedTicks, Stopwatch.GetTimestamp() - roundStart);
                continue;
            }
            foreach (var (name, median) in medians) best[name] = Math.Min(best[name], median);
            double fastest = running.Min(w => best[w.Name]);
            running.RemoveAll(w => best[w.Name] > OutOfTheRunning * fastest);
            round++;
        }
        return best;
    }

    private static unsafe void Run<T>(GemmPlan plan, ProductShape shape, T* a, T* b, T* c) where T : unmanaged, INumber<T> =>
        Gemm.Multiply(plan, shape.TransposeA, shape.TransposeB, shape.M, shape.N, shape.K, T.One,
            a, shape.TransposeA ? shape.M : shape.K, b, shape.TransposeB ? shape.K : shape.N, T.Zero, c, shape.N);

    private sealed record StoredChoice(string Plan, Dictionary<string, double> Microseconds);

    // The store as this process last read it; a shape it lacks is looked for again on disk, where another process
    // (a job, a killed run's checkpointing child) may have put it since.
    private StoredChoice? Lookup(string key)
    {
        lock (storeGate)
        {
            if (stored is not null && stored.TryGetValue(key, out var known)) return known;
            stored = ReadStore().GetValueOrDefault(MachineIdentity) ?? [];
            return stored.GetValueOrDefault(key);
        }
    }

    private Dictionary<string, Dictionary<string, StoredChoice>> ReadStore()
    {
        try
        {
            using var stream = File.OpenRead(StorePath);
            return JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, StoredChoice>>>(stream) ?? [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];   // none yet, unreadable or damaged: measure, and write a good one
        }
    }

    // The first process to store a shape's plan decides it: under a lock file, a plan another process stored while this
    // one measured is taken instead of this one's, so that processes that start together compute the same sums. The
    // store is merged and replaced atomically; one that cannot be written (a read-only home) costs the next process a
    // measurement.
    private StoredChoice Keep(string key, StoredChoice measured)
    {
        lock (storeGate)
        {
            stored ??= [];
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
                using var exclusive = LockStore();
                var all = ReadStore();
                var mine = all.GetValueOrDefault(MachineIdentity) ?? [];
                if (mine.TryGetValue(key, out var earlier)) return stored[key] = earlier;
                mine[key] = measured;
                all[MachineIdentity] = mine;
                AtomicFile.Write(StorePath, "GemmPlansWriteFailed", stream =>
                    JsonSerializer.Serialize(stream, all, new JsonSerializerOptions { WriteIndented = true }));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PSCharRnnException) { }
            return stored[key] = measured;
        }
    }

    private FileStream LockStore()
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(StorePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 100)
            {
                Thread.Sleep(50);   // another process is writing the store
            }
        }
    }

    private static string Processor()
    {
        if (!X86Base.IsSupported) return RuntimeInformation.ProcessArchitecture.ToString();
        if ((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax < 0x80000004) return "x86";
        var brand = new StringBuilder();
        for (uint leaf = 0x80000002; leaf <= 0x80000004; leaf++)
        {
            var (eax, ebx, ecx, edx) = X86Base.CpuId(unchecked((int)leaf), 0);
            foreach (int register in new[] { eax, ebx, ecx, edx }) brand.Append(Encoding.ASCII.GetString(BitConverter.GetBytes(register)));
        }
        return $"{brand.ToString().TrimEnd('\0').Trim()} (signature {X86Base.CpuId(1, 0).Eax:X})";
    }
}
