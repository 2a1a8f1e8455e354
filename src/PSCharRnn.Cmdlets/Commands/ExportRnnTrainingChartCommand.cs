using System.Management.Automation;
using PSCharRnn.Files;
using PSCharRnn.Model;
using PSCharRnn.Reporting;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsData.Export, "RnnTrainingChart", SupportsShouldProcess = true, DefaultParameterSetName = ModelSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnTrainingChartCommand : OutputFileCmdlet
{
    private const string ModelSet = "Model";
    private const string HistorySet = "History";
    private const string WriteFailedId = "ChartFileWriteFailed";

    private readonly List<EpochRecord> history = new();
    private string? modelName;

    /// <summary>The model whose history to draw.</summary>
    [Parameter(ParameterSetName = ModelSet, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnModel Model { get; set; } = null!;

    /// <summary>Epoch records to draw, e.g. $model.History or a selection of it.</summary>
    [Parameter(ParameterSetName = HistorySet, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public EpochRecord[] History { get; set; } = Array.Empty<EpochRecord>();

    /// <summary>The chart's title (ASCII draws everywhere; other scripts need a font that has them).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Title { get; set; }

    /// <summary>Width of the picture in pixels.</summary>
    [Parameter]
    [ValidateRange(100, 10_000)]
    public int Width { get; set; } = 800;

    /// <summary>Height of the picture in pixels.</summary>
    [Parameter]
    [ValidateRange(100, 10_000)]
    public int Height { get; set; } = 500;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ModelSet)
        {
            history.AddRange(Model.History);
            modelName ??= $"{Model.CellType}, {Model.NumLayers} layer{(Model.NumLayers == 1 ? "" : "s")} of {Model.HiddenSize} units";
        }
        else
        {
            history.AddRange(History);
        }
    }

    // The whole history is needed before drawing: records may arrive one by one from the pipeline.
    protected override void EndProcessing() => Run(() =>
    {
        if (history.Count == 0)
            throw new PSCharRnnException("ChartHistoryEmpty", ErrorKind.InvalidData, Path,
                "There is nothing to draw: the model has not been trained (its History is empty).");
        string path = PrepareTarget(p => AtomicFile.CheckWritable(p, WriteFailedId), "ChartFileExists", "ChartFileReadOnly");
        var format = TrainingChart.FormatOf(path);
        if (!ShouldProcess(path, $"Draw the perplexity of {history.Count} epochs as {format}")) return;
        string epochs = $"epochs {history.Min(r => r.Epoch)}-{history.Max(r => r.Epoch)}";
        var picture = TrainingChart.Render(history, Title ?? $"PSCharRnn: {(modelName is null ? epochs : $"{modelName}, {epochs}")}", Width, Height, format);
        AtomicFile.Write(path, WriteFailedId, stream => stream.Write(picture));
        WriteObject(new FileInfo(path));
    });
}
