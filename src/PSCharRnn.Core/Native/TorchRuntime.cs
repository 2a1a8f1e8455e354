using TorchSharp;

namespace PSCharRnn.Native;

/// <summary>Loads libtorch once and, when it cannot, says clearly where it looked and why it failed.</summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool loaded;

    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (loaded) return;
            NativeSetup.Prepare();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception ex)
            {
                string glue = Path.Combine(NativeSetup.BinFolder, LibStdCxxCompatibility.GlueLibrary);
                throw new NativeLibraryException(
                    $"libtorch could not be loaded from '{NativeSetup.BinFolder}'. The folder must hold TorchSharp.dll, " +
                    $"{LibStdCxxCompatibility.GlueLibrary} and libtorch*.so side by side (run ./build.ps1 Build). " +
                    $"On Linux, 'ldd {glue}' shows a missing system library. " +
                    (NativeSetup.CompatibilityProblem is { } problem ? problem + " (is the module folder writable?) " : "") +
                    $"Cause: {ex.Message}", ex);
            }
            loaded = true;
        }
    }
}

public sealed class NativeLibraryException : Exception
{
    public NativeLibraryException(string message, Exception? inner) : base(message, inner) { }
}
