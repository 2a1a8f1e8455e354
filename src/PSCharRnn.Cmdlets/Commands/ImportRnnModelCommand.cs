using System.Management.Automation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsData.Import, "RnnModel", DefaultParameterSetName = PathSet)]
[OutputType(typeof(RnnModel))]
public sealed class ImportRnnModelCommand : FilePathCmdlet
{
    protected override void ProcessRecord() =>
        ForEachFile("ModelFileNotFound", file => WriteObject(ModelFile.Load(file)));
}
