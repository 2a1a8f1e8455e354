using PSCharRnn.Model;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>The book's loss: mean cross-entropy of every time step's logits against the next character.</summary>
public static class LanguageModelLoss
{
    /// <summary><paramref name="inputs"/>: [T, B] int64; <paramref name="targets"/>: [T·B] int64, time-major.</summary>
    public static (Tensor Loss, RecurrentState State) Compute(RnnModel model, Tensor inputs, Tensor targets, RecurrentState state, Generator? dropout = null)
    {
        var (logits, last) = model.Forward(inputs, state, dropout);
        return (nn.functional.cross_entropy(logits, targets), last);
    }
}
