using System.Management.Automation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsData.Import, "RnnModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(RnnModel))]
public sealed class ImportRnnModelCommand : FilePathCmdlet
{
    protected override string FolderFilter => "*.safetensors";

    /// <summary>A bad file is reported on its own (non-terminating); the other files still load.</summary>
    protected override void ProcessRecord() =>
        ForEachFile("ModelFileNotFound", stopOnError: false, file => WriteObject(ModelFile.Load(file, Cancellation)));
}
