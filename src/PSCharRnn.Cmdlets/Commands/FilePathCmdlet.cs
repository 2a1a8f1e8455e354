using System.Management.Automation;

namespace PSCharRnn.Commands;

/// <summary>
/// A cmdlet that reads files named by -Path (wildcards) or -LiteralPath (e.g. from Get-ChildItem). A folder stands
/// for the files in it that match <see cref="FolderFilter"/>, in name order.
/// </summary>
public abstract class FilePathCmdlet : PSCharRnnCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    /// <summary>The files to read; wildcards are expanded.</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The files to read, taken exactly as written; Get-ChildItem output binds here through PSPath.</summary>
    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>The files a folder given as a path stands for, e.g. "*.txt".</summary>
    protected abstract string FolderFilter { get; }

    /// <summary>
    /// Calls <paramref name="read"/> for every file the bound paths name. A path that names nothing is an error with
    /// <paramref name="notFoundErrorId"/>. With <paramref name="stopOnError"/> an error ends the command; without, it
    /// is reported for that path or file and the others are still read.
    /// </summary>
    protected void ForEachFile(string notFoundErrorId, bool stopOnError, Action<string> read)
    {
        bool literal = ParameterSetName == LiteralPathSet;
        Action<Action> attempt = stopOnError ? Run : Report;
        foreach (var path in literal ? LiteralPath : Path)
            attempt(() =>
            {
                foreach (var file in Resolve(path, literal, notFoundErrorId).SelectMany(f => Expand(f, notFoundErrorId)))
                    attempt(() => read(file));
            });
    }

    private IEnumerable<string> Expand(string path, string notFoundErrorId)
    {
        if (!Directory.Exists(path)) return new[] { path };
        var files = Directory.EnumerateFiles(path, FolderFilter).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new PSCharRnnException(notFoundErrorId, ErrorKind.ObjectNotFound, path, $"'{path}' is a folder with no {FolderFilter} file in it.");
        WriteVerbose($"'{path}' is a folder: reading its {files.Count} {FolderFilter} files.");
        return files;
    }

    private IReadOnlyList<string> Resolve(string path, bool literal, string notFoundErrorId)
    {
        PSCharRnnException NotFound(Exception? inner = null) =>
            new(notFoundErrorId, ErrorKind.ObjectNotFound, path, $"Cannot find the file '{path}'.", inner);
        if (literal)
        {
            string resolved = GetUnresolvedProviderPathFromPSPath(path);
            return File.Exists(resolved) || Directory.Exists(resolved) ? new[] { resolved } : throw NotFound();
        }
        try
        {
            var resolved = GetResolvedProviderPathFromPSPath(path, out _);
            return resolved.Count > 0 ? resolved.ToList() : throw NotFound();
        }
        catch (ItemNotFoundException ex)
        {
            throw NotFound(ex);
        }
    }
}
