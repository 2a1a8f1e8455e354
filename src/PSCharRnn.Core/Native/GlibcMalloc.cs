using System.Runtime.InteropServices;

namespace PSCharRnn.Native;

/// <summary>
/// glibc's malloc, which libtorch allocates every tensor from on Linux. By default it maps a block of more than its
/// (adaptive) threshold fresh from the kernel and returns the heap's free top on each free, so every minibatch's
/// multi-megabyte tensors page-fault afresh on first touch, a cost a virtual machine multiplies. With the mmap threshold
/// at glibc's maximum and a high trim threshold, freed blocks stay in the heap for the next minibatch: the process
/// keeps its training peak instead of returning it between minibatches. A user's own malloc settings win.
/// </summary>
public static class GlibcMalloc
{
    /// <summary>Blocks below this come from the heap (glibc's largest allowed threshold on 64-bit).</summary>
    public const int MmapThreshold = 32 << 20;

    /// <summary>Free memory at the heap's top is returned to the kernel once it exceeds this.</summary>
    public const int TrimThreshold = 256 << 20;

    /// <summary>The variables by which a user sets these thresholds; either leaves malloc as the user set it.</summary>
    public static readonly IReadOnlyList<string> UserVariables = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"];

    private const int TrimThresholdOption = -1, MmapThresholdOption = -3;

    /// <summary>What this process's malloc runs with, for verbose output and Bench.</summary>
    public static string Settings { get; private set; } = "";   // set by the module initializer, before any reader runs

    internal static unsafe void Tune()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)
            || !NativeLibrary.TryGetExport(libc, "mallopt", out var malloptAddress))
        {
            Settings = "the platform's own allocator, untuned (not glibc)";
            return;
        }
        if (UserSettings() is { } user)
        {
            Settings = $"glibc malloc as the user set it ({user})";
            return;
        }
        var mallopt = (delegate* unmanaged<int, int, int>)malloptAddress;
        bool mmapSet = mallopt(MmapThresholdOption, MmapThreshold) == 1;
        bool trimSet = mallopt(TrimThresholdOption, TrimThreshold) == 1;
        Settings = mmapSet && trimSet ? $"glibc malloc: mmap threshold {MmapThreshold >> 20} MiB, trim threshold {TrimThreshold >> 20} MiB (set by PSCharRnn)"
            : $"glibc malloc, not fully tuned (mallopt took the mmap threshold: {mmapSet}; the trim threshold: {trimSet})";
    }

    private static string? UserSettings()
    {
        var set = UserVariables.Select(v => (Name: v, Value: NativeEnvironment.Get(v))).Where(v => !string.IsNullOrEmpty(v.Value))
            .Select(v => $"{v.Name}={v.Value}").ToList();
        if (NativeEnvironment.Get("GLIBC_TUNABLES") is { } tunables && (tunables.Contains("glibc.malloc.mmap_threshold", StringComparison.Ordinal) || tunables.Contains("glibc.malloc.trim_threshold", StringComparison.Ordinal)))
            set.Add($"GLIBC_TUNABLES={tunables}");
        return set.Count == 0 ? null : string.Join(", ", set);
    }
}
