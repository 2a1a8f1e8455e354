using PSCharRnn.Model;

namespace PSCharRnn.Training;

/// <summary>
/// A generous estimate of what training adds to a model already in memory, checked before the first minibatch:
/// per parameter its gradient and the epoch's roll-back copy (Adam, AdamW: their two moments and copies too); per
/// minibatch position every layer's saved gates and states and the output layer's softmax and gradients.
/// </summary>
public static class TrainingMemory
{
    public const string TooLargeId = "TrainingTooLarge";

    public static long Bytes(ModelDescription d, TrainingOptions options, long corpusLength)
    {
        long parameterCopies = options.Optimizer == OptimizerKind.SGD ? 2 : 6;
        long positions = Math.Min((long)options.BatchSize * options.NumSteps, corpusLength);
        long perLayer = (long)d.HiddenSize * (2 * d.Gates.Count + 4);
        long perPosition = d.NumLayers * perLayer + 3L * d.VocabularySize + 2L * d.HiddenSize;
        return parameterCopies * MemoryBudget.ParameterBytes(d) + 2 * positions * perPosition * sizeof(float);
    }

    public static void Ensure(ModelDescription d, TrainingOptions options, long corpusLength) =>
        MemoryBudget.Ensure(Bytes(d, options, corpusLength),
            $"Training a {d} model on minibatches of {options.BatchSize} x {options.NumSteps} with {options.Optimizer}", TooLargeId, d);
}
