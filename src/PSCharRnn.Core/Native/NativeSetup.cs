namespace PSCharRnn.Native;

/// <summary>The process environment libtorch needs before it loads (OpenMP's waiting, the allocator's thresholds); touches no TorchSharp type and writes no file.</summary>
public static class NativeSetup
{
    private static readonly object Gate = new();
    private static bool prepared;

    /// <summary>The OpenMP spin count used unless the user sets OMP_WAIT_POLICY or GOMP_SPINCOUNT (see the README).</summary>
    public const string DefaultSpinCount = "10000";

    public static void Prepare()
    {
        lock (Gate)
        {
            if (prepared) return;
            // A short spin keeps small recurrent products fast on an idle machine without burning a core
            // that another process needs; a user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
            if (NativeEnvironment.Get("OMP_WAIT_POLICY") is null)
                NativeEnvironment.SetDefault("GOMP_SPINCOUNT", DefaultSpinCount);
            GlibcMalloc.Tune();
            prepared = true;
        }
    }
}
