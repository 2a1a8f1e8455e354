using System.Collections.Concurrent;
using PSCharRnn.Native;
using PSCharRnn.Numerics;
using Xunit;

namespace PSCharRnn.Tests;

/// <summary>The teams that split products and loops run on: libtorch's OpenMP threads (Linux) and .NET's thread pool.</summary>
public class ThreadTeamTests
{
    public static TheoryData<bool, int> TeamsAndParts()
    {
        var data = new TheoryData<bool, int>();
        foreach (bool openMp in new[] { false, true })
            foreach (int parts in new[] { 0, 1, 2, 3, 7 })
                data.Add(openMp, parts);
        return data;
    }

    [Fact]
    public void OnLinuxSplitPartsRunOnLibtorchsOpenMpThreads()
    {
        TorchRuntime.EnsureLoaded();
        Assert.Equal(OperatingSystem.IsLinux(), ThreadTeam.OnOpenMp);
    }

    [Theory]
    [MemberData(nameof(TeamsAndParts))]
    public void EveryPartRunsExactlyOnce(bool openMp, int parts)
    {
        if (openMp && !ThreadTeam.OnOpenMp) return;                        // no libgomp on this platform: the other team is the one used
        var runs = new int[parts];
        var threads = new ConcurrentDictionary<int, bool>();
        ThreadTeam.For(parts, part =>
        {
            Interlocked.Increment(ref runs[part]);
            threads[Environment.CurrentManagedThreadId] = true;
            Thread.Sleep(20);                                              // long enough that one thread could not take every part first
        }, openMp);
        Assert.All(runs, count => Assert.Equal(1, count));
        if (openMp && parts > 1) Assert.Equal(parts, threads.Count);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(7, 1)]
    [InlineData(7, 3)]
    [InlineData(1120, 2)]
    [InlineData(65, 64)]
    public void RangesCoverEveryIndexOnceInSharesThatDifferByOneAtMost(int count, int parts)
    {
        var covered = new int[count];
        var sizes = new ConcurrentBag<int>();
        ThreadTeam.ForRanges(count, parts, (start, end) =>
        {
            sizes.Add(end - start);
            for (int i = start; i < end; i++) Interlocked.Increment(ref covered[i]);
        });
        Assert.All(covered, runs => Assert.Equal(1, runs));
        Assert.Equal(Math.Max(parts, 1), sizes.Count);
        Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
        Assert.Equal((0, count), (ThreadTeam.Share(count, parts, 0).Start, ThreadTeam.Share(count, parts, parts - 1).End));
    }

    [Fact]
    public void PartsNestedInAPartStillEachRunOnce()
    {
        var runs = new int[3, 4];
        ThreadTeam.For(3, outer => ThreadTeam.For(4, inner => Interlocked.Increment(ref runs[outer, inner])));
        Assert.All(runs.Cast<int>(), count => Assert.Equal(1, count));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void APartsExceptionReachesTheCaller(bool openMp)
    {
        if (openMp && !ThreadTeam.OnOpenMp) return;
        var error = Assert.ThrowsAny<Exception>(() => ThreadTeam.For(4, part =>
        {
            if (part == 2) throw new InvalidOperationException("part 2");
        }, openMp));
        var thrown = error is AggregateException aggregate ? aggregate.InnerExceptions.Single() : error;
        Assert.IsType<InvalidOperationException>(thrown);
        Assert.Equal("part 2", thrown.Message);
    }

    [Theory]
    [InlineData(2, 2000)]
    [InlineData(1, 10)]
    public void TogetherRunsEveryThreadOfTheTeamAtOnceAndNoneLeavesTheBarrierBeforeAllHaveReachedIt(int parts, int steps)
    {
        if (!ThreadTeam.OnOpenMp) return;                                  // the loops that meet at a barrier run on OpenMP teams only
        int arrived = 0, early = 0, teamSize = 0;
        var seen = new ConcurrentDictionary<int, int>();
        ThreadTeam.Together(parts, (part, size, barrier) =>
        {
            seen[part] = Environment.CurrentManagedThreadId;
            teamSize = size;
            for (int step = 0; step < steps; step++)
            {
                Interlocked.Increment(ref arrived);
                barrier.Wait();
                if (Volatile.Read(ref arrived) < size * (step + 1)) Interlocked.Increment(ref early);
                barrier.Wait();                                            // no thread counts the next step before all have checked this one
            }
        });
        Assert.Equal(parts, teamSize);
        Assert.Equal(Enumerable.Range(0, parts), seen.Keys.Order());
        Assert.Equal(parts, seen.Values.Distinct().Count());
        Assert.Equal(parts * steps, arrived);
        Assert.Equal(0, early);
    }

    [Fact]
    public async Task AThreadsExceptionInATogetherLoopReleasesTheOthersAndReachesTheCaller()
    {
        if (!ThreadTeam.OnOpenMp) return;
        var run = Task.Run(() => Assert.Throws<InvalidOperationException>(() => ThreadTeam.Together(2, (part, parts, barrier) =>
        {
            for (int step = 0; step < 100; step++)
            {
                if (part == parts - 1 && step == 3) throw new InvalidOperationException("step 3");
                barrier.Wait();
            }
        })));
        var thrown = await run.WaitAsync(TimeSpan.FromMinutes(1));             // a TimeoutException: the others were never released
        Assert.Equal("step 3", thrown.Message);
    }

    [Fact]
    public void ATogetherLoopNestedInAPartRunsOnTheTeamOpenMpGivesIt()
    {
        if (!ThreadTeam.OnOpenMp) return;
        var runs = new ConcurrentBag<(int Outer, int Part, int Parts)>();
        ThreadTeam.For(2, outer => ThreadTeam.Together(2, (part, parts, barrier) =>
        {
            barrier.Wait();
            runs.Add((outer, part, parts));
        }));
        foreach (var outer in runs.GroupBy(r => r.Outer))
            Assert.Equal(Enumerable.Range(0, outer.First().Parts), outer.Select(r => r.Part).Order());
        Assert.Equal(new[] { 0, 1 }, runs.Select(r => r.Outer).Distinct().Order());
    }
}
