using System.Text.Json;
using PSCharRnn.Numerics;
using Xunit;

namespace PSCharRnn.Tests;

/// <summary>Plans chosen by measurement, kept per machine: each test has a planner and a store of its own.</summary>
public sealed class GemmPlannerTests : IDisposable
{
    private static readonly ProductShape Step = new("f32", false, false, 32, 256, 256);
    private readonly string folder = Directory.CreateTempSubdirectory("gemm-plans-").FullName;
    private string Store => Path.Combine(folder, GemmPlanner.FileName);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void AShapeIsMeasuredOnEveryCandidateAndRunsOnTheFastest()
    {
        var choice = new GemmPlanner(Store).Choose<float>(Step, Gemm.Plans);

        Assert.False(choice.Stored);
        Assert.Equal(Gemm.Plans.Select(p => p.ToString()).Order(), choice.Microseconds.Keys.Order());
        Assert.All(choice.Microseconds.Values, t => Assert.InRange(t, 0.001, 1e6));
        Assert.Equal(choice.Microseconds.MinBy(t => t.Value).Key, choice.Plan.ToString());
    }

    [Fact]
    public void ALaterProcessTakesTheStoredPlanWithoutMeasuring()
    {
        var first = new GemmPlanner(Store).Choose<float>(Step, Gemm.Plans);
        var later = new GemmPlanner(Store).Choose<float>(Step, Gemm.Plans);

        Assert.True(later.Stored);
        Assert.Equal(first.Plan, later.Plan);
        Assert.Contains(GemmPlanner.MachineIdentity, File.ReadAllText(Store));
    }

    [Fact]
    public void AProcessTakesAPlanAnotherStoredAfterItFirstReadTheStore()
    {
        var running = new GemmPlanner(Store);
        running.Choose<float>(Step with { N = 64 }, Gemm.Plans);          // has read the store, without Step
        var other = new GemmPlanner(Store).Choose<float>(Step, Gemm.Plans);

        var taken = running.Choose<float>(Step, Gemm.Plans);

        Assert.True(taken.Stored);
        Assert.Equal(other.Plan, taken.Plan);
    }

    [Fact]
    public void AnotherMachinesPlansAreKeptButNotUsed()
    {
        string key = $"{Step} of {string.Join(",", Gemm.Plans)}";
        var other = new Dictionary<string, Dictionary<string, object>>
        {
            ["Another CPU; 64 processors"] = new() { [key] = new { Plan = "portable/1", Microseconds = new Dictionary<string, double>() } },
        };
        File.WriteAllText(Store, JsonSerializer.Serialize(other));

        var choice = new GemmPlanner(Store).Choose<float>(Step, Gemm.Plans);

        Assert.False(choice.Stored);
        using var stored = JsonDocument.Parse(File.ReadAllText(Store));
        Assert.True(stored.RootElement.TryGetProperty("Another CPU; 64 processors", out _));
        Assert.True(stored.RootElement.GetProperty(GemmPlanner.MachineIdentity).TryGetProperty(key, out _));
    }

    [Fact]
    public void ADamagedStoreIsMeasuredOverAndRewritten()
    {
        File.WriteAllText(Store, "{ not json");
        var choice = new GemmPlanner(Store).Choose<float>(Step, Gemm.Plans);
        Assert.False(choice.Stored);
        Assert.True(new GemmPlanner(Store).Choose<float>(Step, Gemm.Plans).Stored);
    }

    [Fact]
    public void AStoreThatCannotBeWrittenOnlyCostsAMeasurement()
    {
        string blocked = Path.Combine(folder, "a-file", GemmPlanner.FileName);
        File.WriteAllText(Path.Combine(folder, "a-file"), "");
        var choice = new GemmPlanner(blocked).Choose<float>(Step, Gemm.Plans);
        Assert.Contains(choice.Plan, Gemm.Plans);
    }

    [Fact]
    public void RoundsDuringWhichTheJitCompilesAreMeasuredAgainUntilItStops()
    {
        // A JIT that compiles through the first half second of the planning (a second of compiling at each look), then stops.
        var planning = System.Diagnostics.Stopwatch.StartNew();
        var compiled = TimeSpan.Zero;
        TimeSpan Compiled() => planning.Elapsed.TotalSeconds < 0.5 ? compiled += TimeSpan.FromSeconds(1) : compiled;

        var choice = new GemmPlanner(Store, Compiled).Choose<float>(Step, Gemm.Plans);

        Assert.True(planning.Elapsed.TotalSeconds >= 0.5, $"planned in {planning.Elapsed.TotalSeconds:F3} s, while the JIT still compiled");
        Assert.Equal(choice.Microseconds.MinBy(t => t.Value).Key, choice.Plan.ToString());
        Assert.All(choice.Microseconds.Values, t => Assert.InRange(t, 0.001, 1e6));
    }

    [Fact]
    public void AJitThatNeverStopsCompilingDelaysThePlanOnlyForAWhile()
    {
        var compiled = TimeSpan.Zero;
        var planning = System.Diagnostics.Stopwatch.StartNew();

        var choice = new GemmPlanner(Store, () => compiled += TimeSpan.FromSeconds(1)).Choose<float>(Step, Gemm.Plans);

        Assert.InRange(planning.Elapsed.TotalSeconds, 2.9, 60);
        Assert.Equal(choice.Microseconds.MinBy(t => t.Value).Key, choice.Plan.ToString());
    }

    // A host where another load holds one of two cores for the first `busySeconds` of the planning: the probe reports
    // it, and a split way takes 2 ms then against 0.5 ms on free cores, where a one-thread way always takes 1 ms.
    private static (Func<double> Probe, Func<(IReadOnlyList<Way>, IDisposable)> Ways) HostBusyFor(double busySeconds)
    {
        var planning = System.Diagnostics.Stopwatch.StartNew();
        bool Busy() => planning.Elapsed.TotalSeconds < busySeconds;
        static void Spin(double ms) { var w = System.Diagnostics.Stopwatch.StartNew(); while (w.Elapsed.TotalMilliseconds < ms) { } }
        return (() => Busy() ? 2.0 : 1.0,
            () => ([new Way("split", () => Spin(Busy() ? 2 : 0.5)), new Way("one thread", () => Spin(1))], new Resources()));
    }

    [Fact]
    public void RoundsDuringWhichAnotherLoadHoldsACoreAreMeasuredAgainUntilItStops()
    {
        var (probe, ways) = HostBusyFor(0.5);

        var choice = new GemmPlanner(Store, parallelSlowdown: probe).ChooseWay("something", ways);

        Assert.Equal("split", choice.Way);
        Assert.InRange(choice.Microseconds["split"], 400, 900);
    }

    [Fact]
    public void WithoutTheProbeABurstOfLoadMakesTheSplitWayLose()
    {
        // What the rule above is for: the same host, measured as if the cores were free.
        var (_, ways) = HostBusyFor(0.5);

        var choice = new GemmPlanner(Store, parallelSlowdown: () => 1.0).ChooseWay("something", ways);

        Assert.Equal("one thread", choice.Way);
    }

    [Fact]
    public void ALoadThatNeverStopsDelaysAShapeOnlyForAWhileAndTheProcessOnlyForTenSeconds()
    {
        var planner = new GemmPlanner(Store, parallelSlowdown: () => 2.0);
        var planning = System.Diagnostics.Stopwatch.StartNew();
        for (int shape = 0; shape < 4; shape++) planner.Choose<float>(Step with { N = 16 * (shape + 1) }, Gemm.Plans);
        double firstFour = planning.Elapsed.TotalSeconds;
        planning.Restart();
        var fifth = planner.Choose<float>(Step with { N = 80 }, Gemm.Plans);

        Assert.InRange(firstFour, 10, 60);
        Assert.InRange(planning.Elapsed.TotalSeconds, 0, 2);
        Assert.Equal(fifth.Microseconds.MinBy(t => t.Value).Key, fifth.Plan.ToString());
    }

    [Fact]
    public void TheProbeGivesTheTeamsTimeOverOneThreadsForTheSameWork()
    {
        // Its value depends on the load beside the tests; what is fixed is that it is a finite ratio of two timings.
        Assert.InRange(ParallelProbe.Slowdown(), 0.2, 1000);
    }

    [Fact]
    public void OneCandidateNeedsNoMeasurement()
    {
        var only = new[] { new GemmPlan(GemmBackend.Portable, false) };
        var choice = new GemmPlanner(Store).Choose<float>(Step, only);
        Assert.Equal(only[0], choice.Plan);
        Assert.Empty(choice.Microseconds);
        Assert.False(File.Exists(Store));
    }

    [Fact]
    public void AWayIsMeasuredAgainstTheOthersAndTheFastestKeptForLaterProcesses()
    {
        var resources = new Resources();
        (IReadOnlyList<Way>, IDisposable) Ways() => ([new Way("slow", () => Thread.Sleep(2)), new Way("fast", () => { })], resources);

        var first = new GemmPlanner(Store).ChooseWay("something", Ways);
        Assert.True(resources.Disposed);
        resources = new Resources();
        var later = new GemmPlanner(Store).ChooseWay("something", Ways);

        Assert.Equal("fast", first.Way);
        Assert.False(first.Stored);
        Assert.InRange(first.Microseconds["slow"], 1500, 1e6);
        Assert.Equal(("fast", true), (later.Way, later.Stored));
        Assert.False(resources.Disposed, "a stored way is taken without preparing the ways");
    }

    [Fact]
    public void TheWayMadeFirstIsTheWayAProcessKeeps()
    {
        var planner = new GemmPlanner(Store);
        int runs = 0;
        (IReadOnlyList<Way>, IDisposable) Ways() => ([new Way("a", () => runs++), new Way("b", () => runs++)], new Resources());
        var first = planner.ChooseWay("something", Ways);
        int measuring = runs;

        var again = planner.ChooseWay("something", Ways);

        Assert.Same(first, again);
        Assert.Equal(measuring, runs);
        Assert.Contains(first, planner.MadeWays);
    }

    private sealed class Resources : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    [Fact]
    public void TheMachineIdentityNamesTheProcessorAndWhatChangesTheKernels()
    {
        Assert.Contains("processors", GemmPlanner.MachineIdentity);
        Assert.Contains("-bit vectors", GemmPlanner.MachineIdentity);
        Assert.Contains("AVX-512", GemmPlanner.MachineIdentity);
        Assert.Contains(ThreadTeam.OnOpenMp ? "split products on OpenMP threads" : "split products on the thread pool", GemmPlanner.MachineIdentity);
        Assert.Contains("PSCharRnn", GemmPlanner.MachineIdentity);
    }
}
