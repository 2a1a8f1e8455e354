using System.Management.Automation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsData.Export, "RnnModel", SupportsShouldProcess = true)]
[OutputType(typeof(RnnModel))]
public sealed class ExportRnnModelCommand : OutputFileCmdlet
{
    /// <summary>The model to save.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnModel Model { get; set; } = null!;

    /// <summary>Write the model to the pipeline after saving it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        string path = PrepareTarget(ModelFile.CheckWritable, "ModelFileExists", "ModelFileReadOnly");
        if (!ShouldProcess(path, $"Save the {Model.CellType} model ({Model.EpochsTrained} epochs trained)")) return;
        ModelFile.Save(Model, path, Cancellation);
        if (PassThru) WriteObject(Model);
    });
}
