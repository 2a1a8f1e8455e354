using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PSCharRnn.Corpus;
using PSCharRnn.Files;
using PSCharRnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Persistence;

/// <summary>
/// A model as one .safetensors file: its parameters as float32 tensors named as <see cref="ModelDescription"/> names
/// them, the optimizer's state tensors, and in the metadata everything needed to use and resume it (vocabulary,
/// description, settings, history, optimizer). Writes are atomic. Version 1 files (one RNN layer, unprefixed
/// names) and version 2 files (no embedding, tied weights, input, output or recurrent dropout, weight decay, label
/// smoothing or schedule) still load.
/// </summary>
public static class ModelFile
{
    public const string FormatName = "pscharrnn";
    public const int FormatVersion = 3;
    private const string OptimizerPrefix = "optimizer.";

    /// <summary>Readable UTF-8 (no \u escapes for Chinese), enums by name, and NaN/Infinity stored as strings.</summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private sealed record OptimizerMetadata(OptimizerKind Kind, double LearningRate, long Step, double WeightDecay = 0);

    public const string WriteFailedId = "ModelFileWriteFailed";

    /// <summary>Fails early, with <see cref="WriteFailedId"/>, when a model could not be written at <paramref name="path"/>.</summary>
    public static string CheckWritable(string path) => AtomicFile.CheckWritable(path, WriteFailedId);

    /// <summary>Writes the model atomically; <paramref name="cancel"/> (Ctrl+C) stops it with the earlier file left as it was.</summary>
    public static void Save(RnnModel model, string path, CancellationToken cancel = default)
    {
        AtomicFile.Write(path, WriteFailedId, stream => Write(model, stream, cancel));
        model.Path = Path.GetFullPath(path);
    }

    /// <summary>The bytes of the model's file, for a copy that crosses a process (a job, a remote session, Export-Clixml).</summary>
    public static byte[] ToBytes(RnnModel model)
    {
        using var stream = new MemoryStream();
        Write(model, stream, CancellationToken.None);
        return stream.ToArray();
    }

    private static void Write(RnnModel model, Stream stream, CancellationToken cancel)
    {
        SafetensorsFile.Entry Entry(string name, Tensor value)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();   // the detached, converted and moved intermediates too, not only the last
            var values = value.detach().to(ScalarType.Float32).cpu().contiguous();
            return new SafetensorsFile.Entry(name, value.shape, values.data<float>().ToArray());
        }
        var tensors = model.NamedParameters.Select(p => Entry(p.Name, p.Value)).ToList();
        if (model.Optimizer is { } optimizer)
            for (int i = 0; i < model.NamedParameters.Count; i++)
                tensors.AddRange(optimizer.StateTensors(i).Select(s => Entry($"{OptimizerPrefix}{s.Name}.{model.NamedParameters[i].Name}", s.Value)));
        var d = model.Description;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["cell_type"] = d.Cell.ToString(),
            ["hidden_size"] = d.HiddenSize.ToString(CultureInfo.InvariantCulture),
            ["num_layers"] = d.NumLayers.ToString(CultureInfo.InvariantCulture),
            ["embedding_size"] = d.EmbeddingSize.ToString(CultureInfo.InvariantCulture),
            ["tied_output"] = d.TiedOutput ? "true" : "false",
            ["vocabulary"] = JsonSerializer.Serialize(model.Vocabulary.ToArray(), Json),
            ["epochs_trained"] = model.EpochsTrained.ToString(CultureInfo.InvariantCulture),
            ["training"] = JsonSerializer.Serialize(model.LastTraining, Json),
            ["history"] = JsonSerializer.Serialize(model.History, Json),
            ["optimizer"] = JsonSerializer.Serialize(model.Optimizer is { } o ? new OptimizerMetadata(o.Kind, o.LearningRate, o.StepCount, o.WeightDecay) : null, Json),
        };
        foreach (var kind in DropoutRates.Kinds) metadata[kind.FileKey] = kind.Get(model.Dropouts).ToString("R", CultureInfo.InvariantCulture);
        SafetensorsFile.Write(stream, tensors, metadata, cancel);
    }

    /// <summary>Reads a model; <paramref name="cancel"/> (Ctrl+C) stops a long read.</summary>
    public static RnnModel Load(string path, CancellationToken cancel = default)
    {
        if (!File.Exists(path))
            throw new PSCharRnnException("ModelFileNotFound", ErrorKind.ObjectNotFound, path, $"Cannot find the model file '{path}'.");
        byte[] bytes;
        try
        {
            bytes = SlicedFile.ReadAllBytes(path, cancel);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new PSCharRnnException("ModelFileAccessDenied", ErrorKind.PermissionDenied, path,
                $"Cannot read the model file '{path}': permission denied.", ex);
        }
        catch (IOException ex)
        {
            throw new PSCharRnnException("ModelFileUnreadable", ErrorKind.ReadError, path, $"Cannot read the model file '{path}': {ex.Message}", ex);
        }
        var model = FromBytes(bytes, path, cancel);
        model.Path = Path.GetFullPath(path);
        return model;
    }

    /// <summary>A model from the bytes of its file; <paramref name="path"/> names where they came from in errors.</summary>
    public static RnnModel FromBytes(byte[] bytes, string path, CancellationToken cancel = default)
    {
        IReadOnlyDictionary<string, string> metadata;
        IReadOnlyDictionary<string, SafetensorsFile.Entry> tensors;
        try
        {
            (metadata, tensors) = SafetensorsFile.Read(bytes, cancel);
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(path, ex.Message, ex);
        }
        // A NaN or infinite weight loads silently and then writes blanks or nonsense; this module never saves one
        // (a diverged epoch is rolled back first), so such a file was damaged or made elsewhere.
        foreach (var (name, entry) in tensors)
            if (!AllFinite(entry.Data))
                throw Corrupt(path, $"the tensor '{name}' holds NaN or infinite values");

        if (!metadata.TryGetValue("format", out var format) || format != FormatName)
            throw new PSCharRnnException("ModelFileForeign", ErrorKind.InvalidData, path,
                $"'{path}' is a safetensors file but not a PSCharRnn model (its metadata has no \"format\": \"{FormatName}\").");
        if (!int.TryParse(metadata.GetValueOrDefault("format_version"), NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1)
            throw Corrupt(path, "the format version is missing");
        if (version > FormatVersion)
            throw new PSCharRnnException("ModelFileNewerFormat", ErrorKind.InvalidData, path,
                $"'{path}' has model format version {version}; this PSCharRnn reads up to version {FormatVersion}. Update PSCharRnn.");
        string cellName = metadata.GetValueOrDefault("cell_type") ?? "";
        if (!Enum.TryParse<CellType>(cellName, ignoreCase: false, out var cell) || !Enum.IsDefined(cell) || (version == 1 && cell != CellType.RNN))
            throw new PSCharRnnException("ModelFileCellTypeUnknown", ErrorKind.InvalidData, path,
                $"'{path}' has the cell type '{cellName}', which this PSCharRnn does not know (it knows {string.Join(", ", Enum.GetNames<CellType>())}).");

        try
        {
            int hidden = int.Parse(metadata["hidden_size"], CultureInfo.InvariantCulture);
            int layers = version == 1 ? 1 : int.Parse(metadata["num_layers"], CultureInfo.InvariantCulture);
            var characters = JsonSerializer.Deserialize<string[]>(metadata["vocabulary"]) ?? throw new InvalidDataException("the vocabulary is empty");
            var vocabulary = new Vocabulary(characters);
            if (!vocabulary.SequenceEqual(characters))
                throw new InvalidDataException("the vocabulary is not sorted and distinct");
            var history = JsonSerializer.Deserialize<List<EpochRecord>>(metadata["history"], Json) ?? new();
            var training = JsonSerializer.Deserialize<TrainingOptions>(metadata["training"], Json);
            // Version 3 added these; older files had neither.
            int embedding = version < 3 ? 0 : int.Parse(metadata["embedding_size"], CultureInfo.InvariantCulture);
            bool tied = version >= 3 && bool.Parse(metadata["tied_output"]);
            var description = new ModelDescription(cell, vocabulary.Count, hidden, layers, embedding, tied);
            // Version 1 named the single RNN layer's tensors without a layer prefix.
            string StoredName(string name) => version == 1 ? name.Replace(ModelDescription.LayerPrefix(0), "") : name;
            CheckTensors(path, description, description.Parameters.Select(p => (StoredName(p.Name), p.Shape)), tensors);

            Native.TorchRuntime.EnsureLoaded();
            Tensor Make(string name) => tensor(tensors[name].Data, tensors[name].Shape);
            var model = new RnnModel(vocabulary, description, description.Parameters.ToDictionary(p => p.Name, p => Make(StoredName(p.Name))))
            {
                LastTraining = training,
                // Version 1 had no dropout, version 2 only between layers; version 3 has every rate.
                Dropouts = DropoutRates.Kinds.Aggregate(DropoutRates.None, (rates, kind) => version >= 3 || metadata.ContainsKey(kind.FileKey)
                    ? kind.With(rates, double.Parse(metadata[kind.FileKey], CultureInfo.InvariantCulture)) : rates),
            };
            try
            {
                model.History.AddRange(history);
                if (version > 1 && JsonSerializer.Deserialize<OptimizerMetadata>(metadata["optimizer"], Json) is { } optimizer)
                    model.Optimizer = LoadOptimizer(path, model, optimizer, tensors);
                return model;
            }
            catch
            {
                model.Dispose();            // nothing half-loaded stays behind, native memory included
                throw;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or KeyNotFoundException or FormatException or OverflowException)
        {
            throw Corrupt(path, ex.Message, ex);
        }
        catch (PSCharRnnException ex) when (ex.ErrorId is "DropoutOutOfRange" or "NumLayersOutOfRange" or "ModelSizeInvalid" or "EmbeddingSizeOutOfRange" or "TiedWeightsSizeMismatch")
        {
            throw Corrupt(path, ex.Message, ex);
        }
    }

    private static void CheckTensors(string path, ModelDescription description, IEnumerable<(string Name, long[] Shape)> expected,
        IReadOnlyDictionary<string, SafetensorsFile.Entry> tensors)
    {
        foreach (var (name, shape) in expected)
        {
            if (!tensors.TryGetValue(name, out var entry))
                throw new PSCharRnnException("ModelFileShapeMismatch", ErrorKind.InvalidData, path,
                    $"'{path}': the tensor '{name}' of a {description} model is missing.");
            if (!entry.Shape.SequenceEqual(shape))
                throw new PSCharRnnException("ModelFileShapeMismatch", ErrorKind.InvalidData, path,
                    $"'{path}': tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], but a {description} model needs [{string.Join(", ", shape)}].");
        }
    }

    private static ModelOptimizer LoadOptimizer(string path, RnnModel model, OptimizerMetadata metadata, IReadOnlyDictionary<string, SafetensorsFile.Entry> tensors)
    {
        var optimizer = new ModelOptimizer(metadata.Kind, model.Parameters, metadata.LearningRate, metadata.WeightDecay) { StepCount = metadata.Step };
        using var _ = no_grad();
        for (int i = 0; i < model.NamedParameters.Count; i++)
        {
            var (name, parameter) = model.NamedParameters[i];
            foreach (var (state, live) in optimizer.StateTensors(i))
            {
                string key = $"{OptimizerPrefix}{state}.{name}";
                CheckTensors(path, model.Description, new[] { (key, parameter.shape) }, tensors);
                using var stored = tensor(tensors[key].Data, tensors[key].Shape);
                live.copy_(stored);
            }
        }
        return optimizer;
    }

    private static bool AllFinite(float[] values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }

    private static PSCharRnnException Corrupt(string path, string reason, Exception? inner = null) =>
        new("ModelFileCorrupt", ErrorKind.InvalidData, path, $"'{path}' is not a readable PSCharRnn model: {reason}.", inner);
}
