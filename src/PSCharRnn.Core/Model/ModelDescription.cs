
namespace PSCharRnn.Model;

/// <summary>
/// One parameter tensor of a model: its name (the book's, prefixed by its layer), its shape, which of its axes runs
/// over the vocabulary (null: none), so that a vocabulary can grow by rows or columns, and the standard deviation of
/// its initial values (biases start at 0).
/// </summary>
public sealed record ParameterSpec(string Name, long[] Shape, int? VocabularyAxis = null, double InitialStd = ParameterSpec.BookStd)
{
    /// <summary>The book's get_params: N(0, 0.01).</summary>
    public const double BookStd = 0.01;
}

/// <summary>
/// What a model is, from which everything else follows: its parameters with their names and shapes, the
/// file layout, and the shape checks on load. An optional embedding [V, E] turns characters into vectors (without
/// it, as in the book, a character is a one-hot vector and layer 0's W_x* rows are its embedding). Each layer has,
/// per gate g, W_xg (input × hidden), W_hg (hidden × hidden) and b_g; the output layer W_hq, b_q reads the top layer.
/// </summary>
public sealed record ModelDescription
{
    public const int MaxLayers = 64;
    public const int MaxHiddenSize = 8192;
    public const int DefaultHiddenSize = 256;
    public const int DefaultLayers = 1;

    /// <summary>The name of the embedding's parameter.</summary>
    public const string EmbeddingName = "embedding";

    public ModelDescription(CellType cell, int vocabularySize, int hiddenSize, int numLayers = DefaultLayers, int embeddingSize = 0, bool tiedOutput = false)
    {
        if (!Enum.IsDefined(cell))
            throw new PSCharRnnException("CellTypeUnknown", ErrorKind.InvalidArgument, cell, $"'{cell}' is not a cell type; use RNN, GRU or LSTM.");
        if (numLayers is < 1 or > MaxLayers)
            throw new PSCharRnnException("NumLayersOutOfRange", ErrorKind.InvalidArgument, numLayers, $"A model has 1 to {MaxLayers} layers, not {numLayers}.");
        if (hiddenSize < 1 || vocabularySize < 1)
            throw new PSCharRnnException("ModelSizeInvalid", ErrorKind.InvalidArgument, hiddenSize,
                $"A model needs at least one hidden unit and one character (hidden {hiddenSize}, vocabulary {vocabularySize}).");
        if (embeddingSize is < 0 or > MaxHiddenSize)
            throw new PSCharRnnException("EmbeddingSizeOutOfRange", ErrorKind.InvalidArgument, embeddingSize,
                $"An embedding has 1 to {MaxHiddenSize} units (0: none, the book's one-hot input), not {embeddingSize}.");
        if (tiedOutput && embeddingSize != hiddenSize)
            throw new PSCharRnnException("TiedWeightsSizeMismatch", ErrorKind.InvalidArgument, embeddingSize,
                $"Tied weights use the embedding as the output layer's weights, so the embedding needs the hidden size: give -EmbeddingSize {hiddenSize}, not {embeddingSize}.");
        (Cell, VocabularySize, HiddenSize, NumLayers, EmbeddingSize, TiedOutput) = (cell, vocabularySize, hiddenSize, numLayers, embeddingSize, tiedOutput);
    }

    public CellType Cell { get; }
    public int VocabularySize { get; }
    public int HiddenSize { get; }
    public int NumLayers { get; }

    /// <summary>Units of the character embedding; 0: none (one-hot input, the book's).</summary>
    public int EmbeddingSize { get; }

    public bool HasEmbedding => EmbeddingSize > 0;

    /// <summary>Whether the output layer's weights are the embedding's, transposed (W_hq = embeddingᵀ), rather than a W_hq of their own.</summary>
    public bool TiedOutput { get; }

    /// <summary>The same model over a vocabulary of another size (a vocabulary extended for fine-tuning).</summary>
    public ModelDescription WithVocabularySize(int vocabularySize) => new(Cell, vocabularySize, HiddenSize, NumLayers, EmbeddingSize, TiedOutput);

    /// <summary>The gate letters of the book's parameter names, in the order of its get_params.</summary>
    public IReadOnlyList<string> Gates => CellDefinition.Of(Cell).Gates;

    /// <summary>Whether the state carries a memory cell C beside H (the LSTM).</summary>
    public bool HasMemoryCell => CellDefinition.Of(Cell).HasMemoryCell;

    public static string LayerPrefix(int layer) => $"layers.{layer}.";

    public IReadOnlyList<ParameterSpec> LayerParameters(int layer)
    {
        bool readsCharacters = layer == 0 && !HasEmbedding;
        long input = layer > 0 ? HiddenSize : HasEmbedding ? EmbeddingSize : VocabularySize, h = HiddenSize;
        string prefix = LayerPrefix(layer);
        return Gates.SelectMany(g => new[]
        {
            new ParameterSpec($"{prefix}W_x{g}", new[] { input, h }, readsCharacters ? 0 : null),
            new ParameterSpec($"{prefix}W_h{g}", new[] { h, h }),
            new ParameterSpec($"{prefix}b_{g}", new[] { h }),
        }).ToList();
    }

    public IReadOnlyList<ParameterSpec> OutputParameters => TiedOutput
        ? new[] { new ParameterSpec("b_q", new long[] { VocabularySize }, 0) }
        : new[]
        {
            new ParameterSpec("W_hq", new long[] { HiddenSize, VocabularySize }, 1),
            new ParameterSpec("b_q", new long[] { VocabularySize }, 0),
        };

    /// <summary>
    /// The embedding, if any: one row of E units per character, N(0, 1) as torch.nn.Embedding (at the book's 0.01 the
    /// input would reach the first layer a hundred times weaker than a one-hot row of W_x*). Tied to the output layer,
    /// N(0, 1/√H), so that the first logits are of order one.
    /// </summary>
    public IReadOnlyList<ParameterSpec> EmbeddingParameters => HasEmbedding
        ? new[] { new ParameterSpec(EmbeddingName, new long[] { VocabularySize, EmbeddingSize }, 0, TiedOutput ? 1 / Math.Sqrt(HiddenSize) : 1) }
        : Array.Empty<ParameterSpec>();

    /// <summary>Every parameter: the embedding if any, layer by layer, then the output layer.</summary>
    public IReadOnlyList<ParameterSpec> Parameters =>
        EmbeddingParameters.Concat(Enumerable.Range(0, NumLayers).SelectMany(LayerParameters)).Concat(OutputParameters).ToList();

    public long ParameterCount => Parameters.Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    public override string ToString() =>
        $"{Cell}, {NumLayers} layer{(NumLayers == 1 ? "" : "s")} of {HiddenSize}, " +
        (HasEmbedding ? $"embedding {EmbeddingSize}{(TiedOutput ? " tied" : "")}, " : "") + $"vocabulary {VocabularySize}";
}
