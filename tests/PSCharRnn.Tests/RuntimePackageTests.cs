using PSCharRnn.Native;
using Xunit;

namespace PSCharRnn.Tests;

/// <summary>How an installed module finds its platform's runtime package, on folder layouts built in a temporary directory.</summary>
public sealed class RuntimePackageTests : IDisposable
{
    private static readonly Version ModuleVersion = new(0, 1, 0);
    private readonly string root = Directory.CreateTempSubdirectory("runtime-package-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>An installed module's bin folder: &lt;modules&gt;/PSCharRnn/&lt;version&gt;/bin, without natives.</summary>
    private string InstalledModule(string modules, string version = "0.1.0") =>
        Directory.CreateDirectory(Path.Combine(root, modules, "PSCharRnn", version, "bin")).FullName;

    private string RuntimePackage(string modules, string version = "0.1.0", string? platform = null)
    {
        string folder = Directory.CreateDirectory(Path.Combine(root, modules, Native.RuntimePackage.NamePrefix + (platform ?? Native.RuntimePackage.Platform), version)).FullName;
        File.WriteAllText(Path.Combine(folder, "TorchSharp.dll"), "");
        return folder;
    }

    [Fact]
    public void ABuildUsesItsOwnFolder()
    {
        string bin = Directory.CreateDirectory(Path.Combine(root, "checkout", "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "TorchSharp.dll"), "");
        RuntimePackage("Modules");
        Assert.Equal(bin, Native.RuntimePackage.Find(bin, ModuleVersion, Path.Combine(root, "Modules")));
    }

    [Fact]
    public void AnInstalledModuleUsesTheRuntimePackageBesideIt()
    {
        string expected = RuntimePackage("Modules");
        Assert.Equal(expected, Native.RuntimePackage.Find(InstalledModule("Modules"), ModuleVersion, modulePath: null));
    }

    [Fact]
    public void ARuntimePackageElsewhereOnPSModulePathIsFound()
    {
        string bin = InstalledModule("AllUsers");
        string expected = RuntimePackage("CurrentUser");
        string modulePath = string.Join(Path.PathSeparator, Path.Combine(root, "Empty"), Path.Combine(root, "CurrentUser"));
        Assert.Equal(expected, Native.RuntimePackage.Find(bin, ModuleVersion, modulePath));
    }

    [Fact]
    public void OnlyTheModulesOwnVersionAndPlatformCount()
    {
        string bin = InstalledModule("Modules");
        RuntimePackage("Modules", version: "0.0.9");
        RuntimePackage("Modules", platform: "plan9-mips");
        Assert.Null(Native.RuntimePackage.Find(bin, ModuleVersion, Path.Combine(root, "Modules")));
    }

    [Fact]
    public void AnEmptyRuntimeFolderIsNotARuntime()
    {
        string bin = InstalledModule("Modules");
        Directory.CreateDirectory(Path.Combine(root, "Modules", Native.RuntimePackage.Name, "0.1.0"));
        Assert.Null(Native.RuntimePackage.Find(bin, ModuleVersion, modulePath: null));
    }

    [Fact]
    public void ThePlatformIsNamedAsDotNetRuntimeIdentifiersNameIt() =>
        Assert.Matches("^(linux|win|osx)-(x64|x86|arm64|arm)", Native.RuntimePackage.Platform);
}
