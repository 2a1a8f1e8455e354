using System.Management.Automation;

namespace PSCharRnn.Commands;

/// <summary>A cmdlet that reads files named by -Path (wildcards) or -LiteralPath (e.g. from Get-ChildItem).</summary>
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

    /// <summary>Calls <paramref name="read"/> for every existing file the bound paths name; a missing one is an error with the given id.</summary>
    protected void ForEachFile(string notFoundErrorId, Action<string> read)
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (var path in literal ? LiteralPath : Path)
            Run(() =>
            {
                foreach (var file in Resolve(path, literal, notFoundErrorId)) read(file);
            });
    }

    private IReadOnlyList<string> Resolve(string path, bool literal, string notFoundErrorId)
    {
        PSCharRnnException NotFound(Exception? inner = null) =>
            new(notFoundErrorId, ErrorCategory.ObjectNotFound, path, $"Cannot find the file '{path}'.", inner);
        if (literal)
        {
            string resolved = GetUnresolvedProviderPathFromPSPath(path);
            return File.Exists(resolved) ? new[] { resolved } : throw NotFound();
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
