using System.Management.Automation;
using PSCharRnn.Native;

namespace PSCharRnn.Commands;

/// <summary>
/// Runs when Import-Module loads the module, before any cmdlet: points TorchSharp and the chart libraries at this
/// platform's native libraries (beside the module in a build, in its runtime package once installed).
/// </summary>
public sealed class ModuleImport : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        var assembly = typeof(ModuleImport).Assembly;
        RuntimePackage.Register(Path.GetDirectoryName(assembly.Location)!, assembly.GetName().Version!);
    }
}
