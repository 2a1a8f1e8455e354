namespace PSCharRnn.Native;

/// <summary>The process environment and library fixes libtorch needs; touches no TorchSharp type.</summary>
public static class NativeSetup
{
    private static readonly object Gate = new();
    private static bool prepared;

    /// <summary>The OpenMP spin count used unless the user sets OMP_WAIT_POLICY or GOMP_SPINCOUNT (see the README).</summary>
    public const string DefaultSpinCount = "10000";

    /// <summary>The folder holding PSCharRnn.dll, TorchSharp.dll and the flat native libraries.</summary>
    public static string BinFolder => Path.GetDirectoryName(typeof(NativeSetup).Assembly.Location)!;

    /// <summary>Why the libstdc++ fix could not be applied (e.g. a read-only module folder), for the load error.</summary>
    public static string? CompatibilityProblem { get; private set; }

    public static void Prepare()
    {
        lock (Gate)
        {
            if (prepared) return;
            // A short spin keeps small recurrent products fast on an idle machine without burning a core
            // that another process needs; a user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
            if (NativeEnvironment.Get("OMP_WAIT_POLICY") is null)
                NativeEnvironment.SetDefault("GOMP_SPINCOUNT", DefaultSpinCount);
            if (OperatingSystem.IsLinux())
            {
                // This runs as the assembly's initializer: an exception here would surface as an obscure type
                // load error, so remember it and let the libtorch load error say it.
                try
                {
                    LibStdCxxCompatibility.Apply(BinFolder);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    CompatibilityProblem = $"Marking GLIBCXX_3.4.32 weak in {LibStdCxxCompatibility.GlueLibrary} failed: {ex.Message}";
                }
            }
            prepared = true;
        }
    }
}
