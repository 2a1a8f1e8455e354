using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>What the three recurrence nodes' backward passes share.</summary>
internal static class Recurrences
{
    /// <summary>H_{t-1} for every step t, flattened to [T·B, H]: the initial state, then all states but the last.</summary>
    public static Tensor Previous(Tensor initial, Tensor states)
    {
        long steps = states.shape[0];
        return cat(new[] { initial.unsqueeze(0), states.narrow(0, 0, steps - 1) }, 0).view(-1, states.shape[2]);
    }
}

/// <summary>The sizes of a [T, B, W] tensor of per-step rows, as the loops over its memory need them.</summary>
internal readonly record struct StepShape(int Steps, int Batch, int Width)
{
    /// <summary>Elements per step.</summary>
    public int Size => Batch * Width;

    public static StepShape Of(Tensor perStep) => new((int)perStep.shape[0], (int)perStep.shape[1], (int)perStep.shape[2]);
}
