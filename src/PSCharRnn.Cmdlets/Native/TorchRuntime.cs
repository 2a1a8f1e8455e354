using TorchSharp;

namespace PSCharRnn.Native;

/// <summary>Loads libtorch once, with the environment and library fixes it needs, and says clearly what failed.</summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool environmentPrepared;
    private static bool loaded;

    /// <summary>The folder holding PSCharRnn.dll, TorchSharp.dll and the flat native libraries.</summary>
    public static string BinFolder => Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location)!;

    /// <summary>The OpenMP spin count in force: see the README's performance section for the measurements.</summary>
    public static string? SpinCount { get; private set; }

    public static void PrepareEnvironment()
    {
        lock (Gate)
        {
            if (environmentPrepared) return;
            // A short spin keeps small recurrent products fast on an idle machine without burning a core
            // that another process needs; a user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
            if (NativeEnvironment.Get("OMP_WAIT_POLICY") is null)
                SpinCount = NativeEnvironment.SetDefault("GOMP_SPINCOUNT", DefaultSpinCount);
            if (OperatingSystem.IsLinux())
                LibStdCxxCompatibility.Apply(BinFolder);
            environmentPrepared = true;
        }
    }

    public const string DefaultSpinCount = "10000";

    /// <summary>Loads libtorch (idempotent) or throws an exception that names the folder and the cause.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (loaded) return;
            PrepareEnvironment();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception ex)
            {
                throw new NativeLibraryException(
                    $"libtorch could not be loaded from '{BinFolder}'. The folder must hold TorchSharp.dll, " +
                    $"{LibStdCxxCompatibility.GlueLibrary} and libtorch*.so side by side (run ./build.ps1 Build). " +
                    $"On Linux, 'ldd {Path.Combine(BinFolder, LibStdCxxCompatibility.GlueLibrary)}' shows a missing " +
                    $"system library. Cause: {ex.Message}", ex);
            }
            loaded = true;
        }
    }
}

public sealed class NativeLibraryException : Exception
{
    public NativeLibraryException(string message, Exception inner) : base(message, inner) { }
}
