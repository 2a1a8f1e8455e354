using PSCharRnn.Files;

namespace PSCharRnn.Corpus;

/// <summary>Where the book's lyrics archive comes from and how it is recognised.</summary>
public static class BookCorpus
{
    public const string FileName = "jaychou_lyrics.txt.zip";

    public const string Sha256 = "3cfedd7d174111cdad5a27eaffaa6a2432a2842cf2590a03dd8a97610ea07043";

    public const string DefaultUri =
        "https://raw.githubusercontent.com/ShusenTang/Dive-into-DL-PyTorch/master/data/jaychou_lyrics.txt.zip";

    public const string DataFolderVariable = "PSCHARRNN_DATA";

    /// <summary>The folders searched, in order: $env:PSCHARRNN_DATA, then the per-user data folder.</summary>
    public static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string>();
        string? configured = Environment.GetEnvironmentVariable(DataFolderVariable);
        if (!string.IsNullOrWhiteSpace(configured)) folders.Add(Path.GetFullPath(configured));
        folders.Add(UserData.Folder);
        return folders;
    }

    /// <summary>The first search folder that holds the archive, or null.</summary>
    public static string? Find() =>
        SearchFolders().Select(f => Path.Combine(f, FileName)).FirstOrDefault(File.Exists);
}
