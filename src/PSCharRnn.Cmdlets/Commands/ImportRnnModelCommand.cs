using System.Management.Automation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsData.Import, "RnnModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(RnnModel))]
public sealed class ImportRnnModelCommand : PSCharRnnCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Model files written by Export-RnnModel or a training checkpoint; wildcards allowed.</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Model files taken exactly as written, e.g. from Get-ChildItem through the pipeline.</summary>
    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        var paths = ParameterSetName == PathSet ? Path : LiteralPath;
        foreach (var path in paths)
        {
            Run(() =>
            {
                foreach (var file in ResolveFiles(path, literal: ParameterSetName == LiteralPathSet, "ModelFileNotFound"))
                    WriteObject(ModelFile.Load(file));
            });
        }
    }
}
