using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace PSCharRnn.Native;

/// <summary>
/// Where this platform's native libraries are. A build puts them beside the module's assemblies; an installed module
/// finds them in the runtime package of its own version, PSCharRnn.Runtime.&lt;platform&gt;, which PSResourceGet
/// installs beside it (no package may carry all platforms' libtorch within the PowerShell Gallery's size limit).
/// </summary>
public static class RuntimePackage
{
    /// <summary>The package name every runtime package starts with.</summary>
    public const string NamePrefix = "PSCharRnn.Runtime.";

    /// <summary>
    /// The managed assemblies that load their native libraries from their own folder, so they ship in the runtime
    /// package beside those libraries rather than in the module.
    /// </summary>
    public static IReadOnlyList<string> NativeLoadingAssemblies { get; } = ["TorchSharp", "SkiaSharp", "HarfBuzzSharp"];

    /// <summary>This machine's platform as .NET runtime identifiers name it (linux-x64, win-x64, osx-arm64, ...).</summary>
    public static string Platform =>
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    /// <summary>The runtime package this machine needs.</summary>
    public static string Name => NamePrefix + Platform;

    private static readonly object Gate = new();
    private static string? registeredFolder;

    /// <summary>
    /// The folder holding the native libraries for a module whose assemblies are in <paramref name="assemblyFolder"/>:
    /// that folder when TorchSharp.dll lies in it (a build), else the first &lt;root&gt;/PSCharRnn.Runtime.&lt;platform&gt;/&lt;version&gt;
    /// that holds it, the roots being the folder the module is installed in, then each folder of PSModulePath.
    /// Null when there is none.
    /// </summary>
    public static string? Find(string assemblyFolder, Version version, string? modulePath)
    {
        if (HoldsNatives(assemblyFolder)) return assemblyFolder;
        string versionFolder = $"{version.Major}.{version.Minor}.{Math.Max(version.Build, 0)}";
        // An installed module is <root>/PSCharRnn/<version>/bin.
        string? installRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(assemblyFolder)));
        var roots = new[] { installRoot }.Concat((modulePath ?? "").Split(Path.PathSeparator));
        return roots.Where(root => !string.IsNullOrWhiteSpace(root))
            .Select(root => Path.Combine(root!, Name, versionFolder))
            .FirstOrDefault(HoldsNatives);
    }

    private static bool HoldsNatives(string folder) => File.Exists(Path.Combine(folder, "TorchSharp.dll"));

    /// <summary>
    /// Makes the native-loading assemblies load from the runtime package of the module in <paramref name="assemblyFolder"/>;
    /// throws a <see cref="PSCharRnnException"/> naming the package when it is not installed. Idempotent.
    /// </summary>
    public static string Register(string assemblyFolder, Version version)
    {
        lock (Gate)
        {
            if (registeredFolder is not null) return registeredFolder;
            string folder = Find(assemblyFolder, version, Environment.GetEnvironmentVariable("PSModulePath"))
                ?? throw new PSCharRnnException("RuntimePackageMissing", ErrorKind.NotInstalled, Name,
                    $"PSCharRnn {version.ToString(3)} needs its native libraries for {Platform}, the module {Name} of the same version, " +
                    $"and found it neither beside '{assemblyFolder}' nor under any folder of PSModulePath. Install it with " +
                    $"'Install-PSResource {Name} -Version {version.ToString(3)}' (Install-PSResource PSCharRnn installs it for " +
                    "linux-x64, win-x64 and osx-arm64).");
            if (folder != assemblyFolder)
                AssemblyLoadContext.Default.Resolving += (context, name) => LoadFrom(folder, context, name);
            registeredFolder = folder;
            return folder;
        }
    }

    private static Assembly? LoadFrom(string folder, AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name is null || !NativeLoadingAssemblies.Contains(name.Name)) return null;
        string path = Path.Combine(folder, name.Name + ".dll");
        return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
    }
}
