namespace PSCharRnn.Native;

/// <summary>
/// Makes TorchSharp's glue library load on systems whose libstdc++ is older than the one it was built against
/// (Debian 12 stops at GLIBCXX_3.4.30). The build marks the one need that is safe to weaken weak in the copy it ships
/// (<see cref="Weaken"/>); a process only reads the library (<see cref="Problem"/>), and never writes into its folder.
/// </summary>
public static class LibStdCxxCompatibility
{
    public const string GlueLibrary = "libLibTorchSharp.so";

    // GCC 13 adds this need for a dummy symbol (std::ios_base_library_init) that is never relocated: weak, it lets an
    // older libstdc++ load the library, and a newer one binds it as before. Any other missing version is a real need.
    public const string WeakenableVersion = "GLIBCXX_3.4.32";

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

    /// <summary>Build time: marks <see cref="WeakenableVersion"/> weak in the glue library of <paramref name="folder"/>; returns whether it changed the file.</summary>
    public static bool Weaken(string folder)
    {
        string glue = Path.Combine(folder, GlueLibrary);
        return File.Exists(glue) && ElfVersionNeeds.MakeWeak(glue, new HashSet<string> { WeakenableVersion }) > 0;
    }

    /// <summary>Why the glue library in <paramref name="folder"/> cannot load against this system's libstdc++, or an empty string.</summary>
    public static string Problem(string folder)
    {
        string glue = Path.Combine(folder, GlueLibrary);
        string? libStdCxx = FindSystemLibStdCxx();
        if (!File.Exists(glue) || libStdCxx is null) return "";
        var missing = MissingVersions(glue, ProvidedVersions(libStdCxx));
        return missing.Count == 0 ? ""
            : $"{GlueLibrary} needs {string.Join(", ", missing)}, which {libStdCxx} lacks" +
              (missing.Contains(WeakenableVersion) ? $": this copy was not prepared by ./build.ps1 Build, which marks {WeakenableVersion} weak." : ".");
    }
}
