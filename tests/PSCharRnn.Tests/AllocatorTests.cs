using System.Runtime.InteropServices;
using PSCharRnn.Model;
using PSCharRnn.Native;
using PSCharRnn.Persistence;
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

    // Tensors this thread made and nobody disposed: their memory waits for the garbage collector's finalizers.
    private static long LiveTensors() => TorchSharp.DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    [Fact]
    public void TrainingReusesTheHeapAndLeavesNoTensorToTheFinalizer()
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
        long live = LiveTensors();
        // The heap grows in steps to its fragmented peak over the first few calls, and how soon varies from run to run;
        // glibc's defaults fault in every minibatch's tensors on every call. The quietest of five calls tells them apart
        // (three calls in a row have all been growing the heap, at just over 1,000 faults a minibatch each).
        var faults = new List<long>();
        for (int call = 0; call < 5; call++)
        {
            long before = MinorFaults();
            new Trainer(model, corpus, options with { Epochs = 2 }).Train(CancellationToken.None);
            faults.Add(MinorFaults() - before);
        }
        int minibatches = 2 * ((6000 - 1) / 35 / 32);
        Assert.True(faults.Min() < 1000 * minibatches, $"{string.Join(", ", faults)} page faults in {minibatches} minibatches");
        Assert.Equal(live, LiveTensors());
    }

    [Fact]
    public void ValidatingSamplingAndSavingLeaveNoTensorToTheFinalizer()
    {
        // A long run scores held-out text and writes samples every epoch and a checkpoint every few: nothing may pile up.
        var corpus = Tiny.Corpus("abcdefghij abcdefghij abcdefghij abcdefghij");
        using var model = new ModelSettings { Cell = CellType.GRU, HiddenSize = 8 }.Create(corpus.Vocabulary, 5, CPU);
        var options = new TrainingOptions
        {
            Epochs = 1, BatchSize = 2, NumSteps = 3, Optimizer = OptimizerKind.Adam, LearningRate = 0.01, Seed = 5,
            ValidationFraction = 0.25, ReportEvery = 1, SamplePrefixes = ["ab"], SampleLength = 5,
        };
        new Trainer(model, corpus, options).Train(CancellationToken.None);
        long live = LiveTensors();
        new Trainer(model, corpus, options with { Epochs = 2 }).Train(CancellationToken.None);
        Assert.NotEmpty(ModelFile.ToBytes(model));
        Assert.Equal(3, model.History.Count(r => r.ValidationPerplexity is not null && r.Samples.Count == 1));
        Assert.Equal(live, LiveTensors());
    }
}
