using PSCharRnn.Corpus;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// Fine-tuning on a text with characters a model lacks: a new model over the union of both vocabularies, whose every
/// tensor with a vocabulary axis (the embedding or layer 0's W_x*, W_hq, b_q) gains the new characters' rows or
/// columns, initialised as a fresh model's (weights N(0, 0.01), an embedding as its description says, biases 0), and
/// keeps every old entry as it was; so do
/// the optimizer's moments, whose new entries start at zero. Before any training step the new model gives every old
/// character the logit the old model gave it.
/// </summary>
public static class VocabularyExtension
{
    /// <summary>The extended model, or null when <paramref name="characters"/> adds nothing. The old model is left as it was.</summary>
    public static RnnModel? Extend(RnnModel model, IEnumerable<string> characters, long? seed)
    {
        var vocabulary = new Vocabulary(model.Vocabulary.Concat(characters));
        if (vocabulary.Count == model.Vocabulary.Count) return null;
        var description = model.Description.WithVocabularySize(vocabulary.Count);
        MemoryBudget.EnsureModelFits(description);
        using var oldPositions = tensor(model.Vocabulary.Select(vocabulary.IndexOf).Select(i => (long)i).ToArray());
        var specs = description.Parameters;

        // Fresh values for every new entry: the tensors of a new model of the extended shape, with the old entries copied over.
        using var fresh = new RnnModel(vocabulary, description, seed, model.Device, model.DType);
        var tensors = new Dictionary<string, Tensor>();
        using (no_grad())
        {
            foreach (var spec in specs)
            {
                var old = model.GetParameter(spec.Name);
                tensors[spec.Name] = spec.VocabularyAxis is int axis
                    ? fresh.GetParameter(spec.Name).clone().index_copy_(axis, oldPositions, old)
                    : old.clone();
            }
        }
        var extended = new RnnModel(vocabulary, description, tensors)
        {
            Dropouts = model.Dropouts,
            LastTraining = model.LastTraining,
            Corpus = model.Corpus,
        };
        extended.History.AddRange(model.History);
        if (model.Optimizer is { } optimizer)
            extended.Optimizer = optimizer.Rebuilt(extended.Parameters, optimizer.WeightDecay, (i, state) => specs[i].VocabularyAxis is int axis
                ? zeros(specs[i].Shape, state.dtype, state.device).index_copy_(axis, oldPositions, state)
                : state.clone());
        return extended;
    }
}
