using System.Runtime.InteropServices;
using PSCharRnn.Model;
using PSCharRnn.Native;
using PSCharRnn.Training;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

[CollectionDefinition(nameof(AllocatorTests), DisableParallelization = true)]
public sealed class AllocatorCollection;

// Alone: page faults are counted for the whole process, and other tests' allocations would add theirs.
[Collection(nameof(AllocatorTests))]
public partial class AllocatorTests
{
    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetResourceUsage(int who, Span<long> usage);

    // struct rusage: two timevals (four longs), then ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ...
    private static long MinorFaults()
    {
        Span<long> usage = stackalloc long[18];
        Assert.Equal(0, GetResourceUsage(0 /* RUSAGE_SELF */, usage));
        return usage[8];
    }

    [Fact]
    public void TrainingReusesTheHeapInsteadOfFaultingEveryMinibatchAfresh()
    {
        TorchRuntime.EnsureLoaded();
        if (!OperatingSystem.IsLinux())
        {
            Assert.StartsWith("the platform's own allocator", GlibcMalloc.Settings);
            return;
        }
        Assert.Equal("glibc malloc: mmap threshold 32 MiB, trim threshold 256 MiB (set by PSCharRnn)", GlibcMalloc.Settings);
        // The book's sizes: 1,000 characters, H = 256, 32 × 35 minibatches, an LSTM's four gates.
        var random = new Random(5);
        var corpus = Tiny.Corpus(new string(Enumerable.Range(0, 6000).Select(_ => (char)(0x4E00 + random.Next(1000))).ToArray()));
        using var model = new ModelSettings { Cell = CellType.LSTM }.Create(corpus.Vocabulary, 5, CPU);
        var options = new TrainingOptions { Epochs = 1, Seed = 5, ReportEvery = 0, ThreadCount = 2 };
        new Trainer(model, corpus, options).Train(CancellationToken.None);
        long before = MinorFaults();
        var trainer = new Trainer(model, corpus, options with { Epochs = 2 });
        trainer.Train(CancellationToken.None);
        long faults = MinorFaults() - before;
        int minibatches = 2 * ((6000 - 1) / 35 / 32);
        // glibc's defaults unmap and trim each minibatch's multi-megabyte tensors and fault their pages in again (thousands
        // of faults a minibatch); tuned, what faults is the trainer's own set-up.
        Assert.True(faults < 1000 * minibatches, $"{faults} page faults in {minibatches} minibatches");
    }
}
