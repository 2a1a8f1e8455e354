using PSCharRnn.Corpus;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>The settings a new model is made with, and the check that an existing model agrees with those a user named.</summary>
public sealed record ModelSettings
{
    public CellType Cell { get; init; } = CellType.RNN;
    public int HiddenSize { get; init; } = ModelDescription.DefaultHiddenSize;
    public int NumLayers { get; init; } = ModelDescription.DefaultLayers;

    /// <summary>Units of a character embedding; 0: none (the book's one-hot input).</summary>
    public int EmbeddingSize { get; init; }

    /// <summary>Whether the output layer reuses the embedding's weights (it needs EmbeddingSize = HiddenSize).</summary>
    public bool TieWeights { get; init; }
    public DropoutRates Dropouts { get; init; } = DropoutRates.None;

    public RnnModel Create(Vocabulary vocabulary, long? seed, Device device) =>
        new(vocabulary, new ModelDescription(Cell, vocabulary.Count, HiddenSize, NumLayers, EmbeddingSize, TieWeights), seed, device)
        {
            Dropouts = Dropouts,
        };

    /// <summary>A warning when <paramref name="dropout"/> would be stored but do nothing: it applies between stacked layers only.</summary>
    public static string? IneffectiveDropout(int numLayers, double dropout) => dropout > 0 && numLayers == 1
        ? $"-Dropout {dropout} has no effect on a model of one layer: dropout applies between stacked layers. Give -NumLayers 2 or more to use it, " +
          "or -InputDropout and -OutputDropout, which act on any model."
        : null;

    /// <summary>A model's structure is fixed: naming another cell type or layer count for it is an error, not a silent rebuild.</summary>
    public static void CheckStructure(RnnModel model, CellType? cell, int? numLayers)
    {
        if (cell is { } c && c != model.CellType)
            throw new PSCharRnnException("CellTypeMismatch", ErrorKind.InvalidArgument, c,
                $"The model is a {model.CellType} model; it cannot be trained as {c}. Make a new model with -CellType {c} instead.");
        if (numLayers is { } n && n != model.NumLayers)
            throw new PSCharRnnException("NumLayersMismatch", ErrorKind.InvalidArgument, n,
                $"The model has {model.NumLayers} layer(s); it cannot be trained with {n}. Make a new model with -NumLayers {n} instead.");
    }
}
