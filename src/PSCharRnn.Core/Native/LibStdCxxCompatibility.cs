namespace PSCharRnn.Native;

/// <summary>
/// Makes TorchSharp's glue library load on systems whose libstdc++ is older than the one it was built
/// against (Debian 12 stops at GLIBCXX_3.4.30), by weakening only the version needs the system lacks.
/// </summary>
public static class LibStdCxxCompatibility
{
    public const string GlueLibrary = "libLibTorchSharp.so";

    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    /// <summary>The libstdc++ this process will load, or null when none is found.</summary>
    public static string? FindSystemLibStdCxx() => LibStdCxxCandidates.FirstOrDefault(File.Exists);

    /// <summary>The GLIBCXX_* and CXXABI_* version names that a libstdc++ defines (read from its strings).</summary>
    public static ISet<string> ProvidedVersions(string libStdCxx)
    {
        var text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(libStdCxx));
        return System.Text.RegularExpressions.Regex.Matches(text, @"(?:GLIBCXX|CXXABI)_[0-9.]+(?=\0)")
            .Select(m => m.Value)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The libstdc++ versions the glue library needs strictly and the system does not provide.</summary>
    public static IReadOnlyList<string> MissingVersions(string glueLibrary, ISet<string> provided) =>
        ElfVersionNeeds.Read(glueLibrary)
            .Where(n => n.Library.StartsWith("libstdc++", StringComparison.Ordinal) && !n.IsWeak && !provided.Contains(n.Version))
            .Select(n => n.Version)
            .Distinct()
            .ToList();

    /// <summary>Weakens what is missing in the glue library beside TorchSharp.dll; returns the versions weakened.</summary>
    public static IReadOnlyList<string> Apply(string binFolder)
    {
        string glue = Path.Combine(binFolder, GlueLibrary);
        if (!File.Exists(glue)) return Array.Empty<string>();
        // Only the dummy GCC 13 need is safe to weaken; any other missing version is a real incompatibility.
        // Once weakened it stays so, and later imports need not read the system's libstdc++ at all.
        if (!ElfVersionNeeds.Read(glue).Any(n => n.Version == WeakenableVersion && !n.IsWeak)) return Array.Empty<string>();
        string? libStdCxx = FindSystemLibStdCxx();
        if (libStdCxx is null || !MissingVersions(glue, ProvidedVersions(libStdCxx)).Contains(WeakenableVersion))
            return Array.Empty<string>();
        ElfVersionNeeds.MakeWeak(glue, new HashSet<string> { WeakenableVersion });
        return new[] { WeakenableVersion };
    }

    private const string WeakenableVersion = "GLIBCXX_3.4.32";
}
