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
}
