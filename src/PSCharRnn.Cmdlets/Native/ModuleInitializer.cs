using System.Management.Automation;

namespace PSCharRnn.Native;

/// <summary>Prepares the native environment on Import-Module, before libtorch is loaded.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport() => TorchRuntime.PrepareEnvironment();
}
