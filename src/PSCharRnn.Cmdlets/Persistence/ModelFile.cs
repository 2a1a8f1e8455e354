using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using PSCharRnn.Corpus;
using PSCharRnn.Model;
using PSCharRnn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Persistence;

/// <summary>
/// A model as one .safetensors file: the five weights as float32 tensors, and in the metadata everything
/// needed to use and resume it (vocabulary, sizes, settings, history). Writes are atomic.
/// </summary>
public static class ModelFile
{
    public const string FormatName = "pscharrnn";
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static void Save(RnnModel model, string path)
    {
        var tensors = model.Parameters.Select((p, i) =>
        {
            using var values = p.detach().to(ScalarType.Float32).cpu().contiguous();
            return new SafetensorsFile.Entry(RnnModel.ParameterNames[i], p.shape, values.data<float>().ToArray());
        }).ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["cell_type"] = model.CellType,
            ["hidden_size"] = model.HiddenSize.ToString(CultureInfo.InvariantCulture),
            ["vocabulary"] = JsonSerializer.Serialize(model.Vocabulary.ToArray()),
            ["epochs_trained"] = model.EpochsTrained.ToString(CultureInfo.InvariantCulture),
            ["training"] = model.LastTraining is null ? "null" : JsonSerializer.Serialize(model.LastTraining, Json),
            ["history"] = JsonSerializer.Serialize(model.History, Json),
        };
        AtomicFile.Write(path, stream => SafetensorsFile.Write(stream, tensors, metadata));
    }

    public static RnnModel Load(string path)
    {
        if (!File.Exists(path))
            throw new PSCharRnnException("ModelFileNotFound", ErrorCategory.ObjectNotFound, path, $"Cannot find the model file '{path}'.");
        IReadOnlyDictionary<string, string> metadata;
        IReadOnlyDictionary<string, SafetensorsFile.Entry> tensors;
        try
        {
            (metadata, tensors) = SafetensorsFile.Read(File.ReadAllBytes(path));
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(path, ex.Message, ex);
        }

        if (!metadata.TryGetValue("format", out var format) || format != FormatName)
            throw new PSCharRnnException("ModelFileForeign", ErrorCategory.InvalidData, path,
                $"'{path}' is a safetensors file but not a PSCharRnn model (its metadata has no \"format\": \"{FormatName}\").");
        if (!int.TryParse(metadata.GetValueOrDefault("format_version"), NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            throw Corrupt(path, "the format version is missing");
        if (version > FormatVersion)
            throw new PSCharRnnException("ModelFileNewerFormat", ErrorCategory.InvalidData, path,
                $"'{path}' has model format version {version}; this PSCharRnn reads up to version {FormatVersion}. Update PSCharRnn.");
        if (metadata.GetValueOrDefault("cell_type") != RnnModel.RnnCellType)
            throw Corrupt(path, $"the cell type '{metadata.GetValueOrDefault("cell_type")}' is not supported");

        try
        {
            int hidden = int.Parse(metadata["hidden_size"], CultureInfo.InvariantCulture);
            var characters = JsonSerializer.Deserialize<string[]>(metadata["vocabulary"]) ?? throw new InvalidDataException("the vocabulary is empty");
            var vocabulary = new Vocabulary(characters);
            if (!vocabulary.SequenceEqual(characters))
                throw new InvalidDataException("the vocabulary is not sorted and distinct");
            var history = JsonSerializer.Deserialize<List<EpochRecord>>(metadata["history"], Json) ?? new();
            var training = JsonSerializer.Deserialize<TrainingOptions>(metadata["training"], Json);

            long v = vocabulary.Count, h = hidden;
            var expected = new Dictionary<string, long[]>
            {
                ["W_xh"] = new[] { v, h }, ["W_hh"] = new[] { h, h }, ["b_h"] = new[] { h }, ["W_hq"] = new[] { h, v }, ["b_q"] = new[] { v },
            };
            foreach (var (name, shape) in expected)
            {
                if (!tensors.TryGetValue(name, out var entry))
                    throw new InvalidDataException($"the tensor '{name}' is missing");
                if (!entry.Shape.SequenceEqual(shape))
                    throw new PSCharRnnException("ModelFileShapeMismatch", ErrorCategory.InvalidData, path,
                        $"'{path}': tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], but a vocabulary of {v} and " +
                        $"hidden size {h} need [{string.Join(", ", shape)}].");
            }

            Native.TorchRuntime.EnsureLoaded();
            Tensor Make(string name) => tensor(tensors[name].Data, tensors[name].Shape);
            var model = new RnnModel(vocabulary, hidden, Make("W_xh"), Make("W_hh"), Make("b_h"), Make("W_hq"), Make("b_q"))
            {
                LastTraining = training,
            };
            model.History.AddRange(history);
            return model;
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or KeyNotFoundException or FormatException or OverflowException)
        {
            throw Corrupt(path, ex.Message, ex);
        }
    }

    private static PSCharRnnException Corrupt(string path, string reason, Exception? inner = null) =>
        new("ModelFileCorrupt", ErrorCategory.InvalidData, path, $"'{path}' is not a readable PSCharRnn model: {reason}.", inner);
}
