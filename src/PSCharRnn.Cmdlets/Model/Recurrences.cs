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
