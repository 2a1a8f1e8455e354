using System.Management.Automation;
using static TorchSharp.torch;

namespace PSCharRnn.Commands;

/// <summary>The -Device seam: only the CPU build of libtorch is shipped, so anything else is a clear error.</summary>
internal static class DeviceArgument
{
    public const string Cpu = "cpu";

    public static Device Parse(string name)
    {
        if (!name.Equals(Cpu, StringComparison.OrdinalIgnoreCase))
            throw new PSCharRnnException("DeviceNotSupported", ErrorCategory.NotImplemented, name,
                $"Device '{name}' is not available: PSCharRnn ships the CPU build of libtorch only. Use -Device cpu.");
        Native.TorchRuntime.EnsureLoaded();
        return CPU;
    }
}
