using System.Runtime.InteropServices;
using TorchSharp;

namespace PSCharRnn.Native;

/// <summary>
/// The one owner of libtorch in the process: loads it once, says clearly where it looked and why it failed, and
/// hands out its exported symbols (MKL's products, where the platform's libtorch exports them).
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool loaded;
    private static readonly Lazy<nint> TorchCpu = new(() =>
        NativeLibrary.TryLoad(Path.Combine(Folder, TorchCpuLibrary), out var handle) ? handle : 0);

    /// <summary>
    /// The folder of TorchSharp.dll, which holds libtorch's libraries and TorchSharp's glue beside it: the module's own
    /// folder in a build, the runtime package's once installed (<see cref="RuntimePackage"/>).
    /// </summary>
    public static string Folder => Path.GetDirectoryName(typeof(torch).Assembly.Location)!;

    /// <summary>libtorch's CPU library as each platform names it.</summary>
    public static string TorchCpuLibrary =>
        OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";

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
                string glue = Path.Combine(Folder, LibStdCxxCompatibility.GlueLibrary);
                throw new NativeLibraryException(
                    $"libtorch could not be loaded from '{Folder}'. The folder must hold TorchSharp.dll, its native glue " +
                    "(LibTorchSharp) and libtorch's libraries side by side: run ./build.ps1 Build in a " +
                    $"checkout, or reinstall {RuntimePackage.Name} where the module is installed. " +
                    (OperatingSystem.IsLinux() ? $"On Linux, 'ldd {glue}' shows a missing system library. {LibStdCxxCompatibility.Problem(Folder)} " : "") +
                    (OperatingSystem.IsWindows() ? "On Windows, libtorch needs the Microsoft Visual C++ Redistributable (x64). " : "") +
                    $"Cause: {ex.Message}", ex);
            }
            loaded = true;
        }
    }

    /// <summary>The address of a symbol libtorch's CPU library exports, or null when it exports none of that name.</summary>
    public static nint? TryGetExport(string name)
    {
        EnsureLoaded();
        return TorchCpu.Value != 0 && NativeLibrary.TryGetExport(TorchCpu.Value, name, out var address) ? address : null;
    }
}

public sealed class NativeLibraryException : Exception
{
    public NativeLibraryException(string message, Exception? inner) : base(message, inner) { }
}
