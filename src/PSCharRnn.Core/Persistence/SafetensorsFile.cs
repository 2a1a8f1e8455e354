using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PSCharRnn.Persistence;

/// <summary>
/// The safetensors layout for float32 tensors: an 8-byte little-endian header length, a JSON header
/// (string metadata under "__metadata__", and per tensor its dtype, shape and data offsets), then the
/// raw little-endian data. Reading only parses; nothing in a file is ever executed.
/// </summary>
public static class SafetensorsFile
{
    // The metadata keeps Chinese text readable: UTF-8 as it is, not \u escapes.
    private static readonly JsonSerializerOptions HeaderJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A header larger than this is not a model of ours (the book's model's header is ~100 KB).</summary>
    public const long MaxHeaderBytes = 256L * 1024 * 1024;

    public sealed record Entry(string Name, long[] Shape, float[] Data);

    // Large tensors move in slices, so that Ctrl+C is honoured within a big file (hundreds of megabytes).
    private const int SliceFloats = 1 << 20;

    public static void Write(Stream stream, IReadOnlyList<Entry> tensors, IReadOnlyDictionary<string, string> metadata, CancellationToken cancel = default)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject(metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value))) };
        long offset = 0;
        foreach (var t in tensors)
        {
            long bytes = t.Data.LongLength * sizeof(float);
            header[t.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(s => (JsonNode?)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString(HeaderJson));
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padding = (8 - json.Length % 8) % 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
        stream.Write(length);
        stream.Write(json);
        for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
        var slice = new byte[SliceFloats * sizeof(float)];
        foreach (var t in tensors)
            for (int start = 0; start < t.Data.Length; start += SliceFloats)
            {
                cancel.ThrowIfCancellationRequested();
                var values = t.Data.AsSpan(start, Math.Min(SliceFloats, t.Data.Length - start));
                for (int i = 0; i < values.Length; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(slice.AsSpan(i * sizeof(float)), values[i]);
                stream.Write(slice, 0, values.Length * sizeof(float));
            }
    }

    /// <summary>Reads metadata and tensors, or throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static (IReadOnlyDictionary<string, string> Metadata, IReadOnlyDictionary<string, Entry> Tensors) Read(byte[] file, CancellationToken cancel = default)
    {
        if (file.Length < 8) throw new InvalidDataException($"the file has {file.Length} bytes, fewer than a safetensors header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, file.Length - 8))
            throw new InvalidDataException($"the header length {headerLength} does not fit in a file of {file.Length} bytes (truncated, or not safetensors)");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(file.AsSpan(8, (int)headerLength))?.AsObject() ?? throw new InvalidDataException("the header is empty");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"the header is not a JSON object: {ex.Message}", ex);
        }

        long dataStart = 8 + (long)headerLength;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (key, value) in node?.AsObject() ?? new JsonObject())
                    metadata[key] = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : throw new InvalidDataException($"metadata '{key}' is not a string");
                continue;
            }
            tensors[name] = ReadTensor(name, node, file, dataStart, cancel);
        }
        return (metadata, tensors);
    }

    private static Entry ReadTensor(string name, JsonNode? node, byte[] file, long dataStart, CancellationToken cancel)
    {
        try
        {
            string dtype = node!["dtype"]!.GetValue<string>();
            if (dtype != "F32") throw new InvalidDataException($"tensor '{name}' has dtype {dtype}; only F32 is supported");
            var shape = node["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray();
            long count = shape.Aggregate(1L, (a, b) => b < 0 ? throw new InvalidDataException($"tensor '{name}' has a negative dimension") : a * b);
            if (offsets.Length != 2 || offsets[1] - offsets[0] != count * sizeof(float) || offsets[0] < 0 || dataStart + offsets[1] > file.Length)
                throw new InvalidDataException($"tensor '{name}' has data offsets [{string.Join(", ", offsets)}] that do not fit its shape or the file (truncated?)");
            var data = new float[count];
            var bytes = file.AsSpan((int)(dataStart + offsets[0]), (int)(count * sizeof(float)));
            for (int i = 0; i < data.Length; i++)
            {
                if (i % SliceFloats == 0) cancel.ThrowIfCancellationRequested();
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }
            return new Entry(name, shape, data);
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"tensor '{name}' has a malformed header entry", ex);
        }
    }
}
