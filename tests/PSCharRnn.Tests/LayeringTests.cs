using System.Text.RegularExpressions;
using PSCharRnn.Model;
using Xunit;

namespace PSCharRnn.Tests;

/// <summary>
/// The core's folders depend one way: each may use only the folders before it in <see cref="Layers"/> (and the root
/// namespace's error types), so the model never knows the trainer and the trainer never knows the file format.
/// </summary>
public class LayeringTests
{
    private static readonly string[] Layers =
        { "Native", "Files", "Numerics", "Corpus", "Model", "Generation", "Baselines", "Training", "Persistence", "Reporting" };

    private static string CoreFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string core = Path.Combine(dir.FullName, "src", "PSCharRnn.Core");
            if (Directory.Exists(core)) return core;
        }
        throw new DirectoryNotFoundException("src/PSCharRnn.Core was not found above the test's folder.");
    }

    [Fact]
    public void EachFolderUsesOnlyTheFoldersBeforeIt()
    {
        string core = CoreFolder();
        var folders = Directory.GetDirectories(core).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToList();
        Assert.Equal(Layers.OrderBy(f => f, StringComparer.Ordinal), folders.OrderBy(f => f, StringComparer.Ordinal));
        var reference = new Regex(@"\bPSCharRnn\.(" + string.Join("|", Layers) + @")\b");
        var wrongWay = new List<string>();
        for (int layer = 0; layer < Layers.Length; layer++)
            foreach (var file in Directory.GetFiles(Path.Combine(core, Layers[layer]), "*.cs", SearchOption.AllDirectories))
                foreach (Match m in reference.Matches(File.ReadAllText(file)))
                    if (Array.IndexOf(Layers, m.Groups[1].Value) > layer)
                        wrongWay.Add($"{Path.GetRelativePath(core, file)} uses {m.Value}");
        Assert.Empty(wrongWay);
    }

    [Fact]
    public void TheCoreNeedsNoPowerShell() =>
        Assert.DoesNotContain(typeof(RnnModel).Assembly.GetReferencedAssemblies(), a => a.Name!.StartsWith("System.Management.Automation", StringComparison.Ordinal));
}
