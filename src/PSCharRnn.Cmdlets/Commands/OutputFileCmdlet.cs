using System.Management.Automation;

namespace PSCharRnn.Commands;

/// <summary>A cmdlet that writes one file: -Path taken literally, -Force for a read-only file, -NoClobber to keep an existing one.</summary>
public abstract class OutputFileCmdlet : PSCharRnnCmdlet
{
    /// <summary>The file to write, replaced atomically. Taken literally (wildcard characters are part of the name); its folder must exist.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Overwrite a read-only file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Never overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>
    /// The full path to write, after the checks: writable (<paramref name="checkWritable"/>), -NoClobber
    /// (<paramref name="existsId"/>), read-only without -Force (<paramref name="readOnlyId"/>).
    /// </summary>
    protected string PrepareTarget(Func<string, string> checkWritable, string existsId, string readOnlyId)
    {
        string path = checkWritable(GetUnresolvedProviderPathFromPSPath(Path));
        if (!File.Exists(path)) return path;
        if (NoClobber)
            throw new PSCharRnnException(existsId, ErrorKind.ResourceExists, path,
                $"'{path}' exists and -NoClobber was given; the file was left as it is.");
        var attributes = File.GetAttributes(path);
        if (attributes.HasFlag(FileAttributes.ReadOnly))
        {
            if (!Force)
                throw new PSCharRnnException(readOnlyId, ErrorKind.PermissionDenied, path, $"'{path}' is read-only; use -Force to replace it.");
            File.SetAttributes(path, attributes & ~FileAttributes.ReadOnly);
        }
        return path;
    }
}
