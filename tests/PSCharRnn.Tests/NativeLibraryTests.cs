using PSCharRnn.Native;
using Xunit;

namespace PSCharRnn.Tests;

public class NativeLibraryTests
{
    private static string PristineGlueLibrary()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibStdCxxCompatibility.GlueLibrary);
    }

    [Fact]
    public void MakingAVersionNeedWeakChangesOnlyItsFlags()
    {
        string copy = Path.Combine(Path.GetTempPath(), $"glue-{Guid.NewGuid():N}.so");
        File.Copy(PristineGlueLibrary(), copy);
        try
        {
            var before = ElfVersionNeeds.Read(copy);
            var target = Assert.Single(before, n => n.Version == "GLIBCXX_3.4.32");
            Assert.False(target.IsWeak);
            var original = File.ReadAllBytes(copy);

            Assert.Equal(1, ElfVersionNeeds.MakeWeak(copy, new HashSet<string> { "GLIBCXX_3.4.32" }));

            var after = ElfVersionNeeds.Read(copy);
            Assert.True(Assert.Single(after, n => n.Version == "GLIBCXX_3.4.32").IsWeak);
            Assert.Equal(before.Where(n => n.Version != "GLIBCXX_3.4.32"), after.Where(n => n.Version != "GLIBCXX_3.4.32"));
            var patched = File.ReadAllBytes(copy);
            Assert.Equal(original.Length, patched.Length);
            Assert.Single(Enumerable.Range(0, original.Length), i => original[i] != patched[i]);
            Assert.Equal(0, ElfVersionNeeds.MakeWeak(copy, new HashSet<string> { "GLIBCXX_3.4.32" }));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void TheBuildWeakensTheNeedAndAPristineCopySaysWhyItCannotLoad()
    {
        string folder = Directory.CreateTempSubdirectory("glue-").FullName;
        try
        {
            File.Copy(PristineGlueLibrary(), Path.Combine(folder, LibStdCxxCompatibility.GlueLibrary));
            bool systemLacks = !LibStdCxxCompatibility.ProvidedVersions(LibStdCxxCompatibility.FindSystemLibStdCxx()!).Contains(LibStdCxxCompatibility.WeakenableVersion);
            string problem = LibStdCxxCompatibility.Problem(folder);
            Assert.Equal(systemLacks, problem.Contains(LibStdCxxCompatibility.WeakenableVersion + ", which"));
            if (systemLacks) Assert.Contains("./build.ps1 Build", problem);

            Assert.True(LibStdCxxCompatibility.Weaken(folder));
            Assert.Equal("", LibStdCxxCompatibility.Problem(folder));
            Assert.False(LibStdCxxCompatibility.Weaken(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TheLoadedGlueLibraryNeedsNothingTheSystemLacks()
    {
        TorchRuntime.EnsureLoaded();
        string glue = Path.Combine(TorchRuntime.Folder, LibStdCxxCompatibility.GlueLibrary);
        var provided = LibStdCxxCompatibility.ProvidedVersions(LibStdCxxCompatibility.FindSystemLibStdCxx()!);
        Assert.Contains("GLIBCXX_3.4.21", provided);
        Assert.Empty(LibStdCxxCompatibility.MissingVersions(glue, provided));
    }

    [Fact]
    public void ANonElfFileIsRejected()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "not a library at all, just some text long enough to have a header".PadRight(80));
            Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
