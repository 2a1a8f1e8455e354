using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PSCharRnn.Native;

/// <summary>
/// Sets the native environment when this assembly's code first runs, before any method that touches
/// TorchSharp is compiled: the JIT may run TorchSharp's static constructor, which loads libtorch, that early.
/// </summary>
internal static class ModuleInitializer
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "libtorch must see the environment before it loads, in pwsh and in tests alike.")]
    internal static void Initialize() => NativeSetup.Prepare();
}
