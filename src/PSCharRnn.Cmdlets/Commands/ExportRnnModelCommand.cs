using System.Management.Automation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsData.Export, "RnnModel", SupportsShouldProcess = true)]
[OutputType(typeof(RnnModel))]
public sealed class ExportRnnModelCommand : PSCharRnnCmdlet
{
    /// <summary>The file to write (.safetensors), replaced atomically. Taken literally (wildcard characters are part of the name); its folder must exist.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>The model to save.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnModel Model { get; set; } = null!;

    /// <summary>Overwrite a read-only file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Never overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>Write the model to the pipeline after saving it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        string path = ModelFile.CheckWritable(GetUnresolvedProviderPathFromPSPath(Path));
        if (File.Exists(path))
        {
            if (NoClobber)
                throw new PSCharRnnException("ModelFileExists", ErrorCategory.ResourceExists, path,
                    $"'{path}' exists and -NoClobber was given; the file was left as it is.");
            var attributes = File.GetAttributes(path);
            if (attributes.HasFlag(FileAttributes.ReadOnly))
            {
                if (!Force)
                    throw new PSCharRnnException("ModelFileReadOnly", ErrorCategory.PermissionDenied, path,
                        $"'{path}' is read-only; use -Force to replace it.");
                File.SetAttributes(path, attributes & ~FileAttributes.ReadOnly);
            }
        }
        if (!ShouldProcess(path, $"Save the {Model.CellType} model ({Model.EpochsTrained} epochs trained)")) return;
        ModelFile.Save(Model, path);
        if (PassThru) WriteObject(Model);
    });
}
