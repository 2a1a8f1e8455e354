using System.Management.Automation;

namespace PSCharRnn.Model;

/// <summary>One parameter tensor of a model: its name (the book's, prefixed by its layer) and shape.</summary>
public sealed record ParameterSpec(string Name, long[] Shape);

/// <summary>
/// What a model is, from which everything else follows: its parameters with their names and shapes, the
/// file layout, and the shape checks on load. Each layer has, per gate g, W_xg (input × hidden),
/// W_hg (hidden × hidden) and b_g; the output layer W_hq, b_q reads the top layer.
/// </summary>
public sealed record ModelDescription
{
    public const int MaxLayers = 64;

    public ModelDescription(CellType cell, int vocabularySize, int hiddenSize, int numLayers = 1)
    {
        if (!Enum.IsDefined(cell))
            throw new PSCharRnnException("CellTypeUnknown", ErrorCategory.InvalidArgument, cell, $"'{cell}' is not a cell type; use RNN, GRU or LSTM.");
        if (numLayers is < 1 or > MaxLayers)
            throw new PSCharRnnException("NumLayersOutOfRange", ErrorCategory.InvalidArgument, numLayers, $"A model has 1 to {MaxLayers} layers, not {numLayers}.");
        if (hiddenSize < 1 || vocabularySize < 1)
            throw new PSCharRnnException("ModelSizeInvalid", ErrorCategory.InvalidArgument, hiddenSize,
                $"A model needs at least one hidden unit and one character (hidden {hiddenSize}, vocabulary {vocabularySize}).");
        (Cell, VocabularySize, HiddenSize, NumLayers) = (cell, vocabularySize, hiddenSize, numLayers);
    }

    public CellType Cell { get; }
    public int VocabularySize { get; }
    public int HiddenSize { get; }
    public int NumLayers { get; }

    /// <summary>The gate letters of the book's parameter names, in the order of its get_params.</summary>
    public IReadOnlyList<string> Gates => Cell switch
    {
        CellType.GRU => new[] { "z", "r", "h" },
        CellType.LSTM => new[] { "i", "f", "o", "c" },
        _ => new[] { "h" },
    };

    /// <summary>Whether the state carries a memory cell C beside H (the LSTM).</summary>
    public bool HasMemoryCell => Cell == CellType.LSTM;

    public static string LayerPrefix(int layer) => $"layers.{layer}.";

    public IReadOnlyList<ParameterSpec> LayerParameters(int layer)
    {
        long input = layer == 0 ? VocabularySize : HiddenSize, h = HiddenSize;
        string prefix = LayerPrefix(layer);
        return Gates.SelectMany(g => new[]
        {
            new ParameterSpec($"{prefix}W_x{g}", new[] { input, h }),
            new ParameterSpec($"{prefix}W_h{g}", new[] { h, h }),
            new ParameterSpec($"{prefix}b_{g}", new[] { h }),
        }).ToList();
    }

    public IReadOnlyList<ParameterSpec> OutputParameters => new[]
    {
        new ParameterSpec("W_hq", new long[] { HiddenSize, VocabularySize }),
        new ParameterSpec("b_q", new long[] { VocabularySize }),
    };

    /// <summary>Every parameter, layer by layer, then the output layer.</summary>
    public IReadOnlyList<ParameterSpec> Parameters =>
        Enumerable.Range(0, NumLayers).SelectMany(LayerParameters).Concat(OutputParameters).ToList();

    public long ParameterCount => Parameters.Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    public override string ToString() =>
        $"{Cell}, {NumLayers} layer{(NumLayers == 1 ? "" : "s")} of {HiddenSize}, vocabulary {VocabularySize}";
}
