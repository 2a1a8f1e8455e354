using System.Runtime.CompilerServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// Training's dropout inside a layer: <see cref="CharacterRows"/> takes the W_x* rows that characters pick ([T, B, G],
/// their embedding when the model has no other), <see cref="HiddenWeights"/> the joined W_h* ([H, G]).
/// </summary>
public sealed record LayerDropout(Func<Tensor, Tensor> CharacterRows, Func<Tensor, Tensor> HiddenWeights);

/// <summary>
/// One layer of a cell: per gate its explicit parameters W_x*, W_h*, b_* (the book's names), and the forward pass
/// in the fast form: the input projection of all time steps at once (a row lookup W_x[x] for the first layer,
/// which is the one-hot product), then the sequential recurrence as the cell's own autograd node.
/// </summary>
public sealed class RecurrentLayer
{
    public RecurrentLayer(CellType cell, IReadOnlyList<Parameter> inputWeights, IReadOnlyList<Parameter> hiddenWeights, IReadOnlyList<Parameter> biases)
    {
        Cell = cell;
        InputWeights = inputWeights;
        HiddenWeights = hiddenWeights;
        Biases = biases;
    }

    public CellType Cell { get; }

    /// <summary>W_x* per gate, in the book's gate order.</summary>
    public IReadOnlyList<Parameter> InputWeights { get; }

    /// <summary>W_h* per gate.</summary>
    public IReadOnlyList<Parameter> HiddenWeights { get; }

    /// <summary>b_* per gate.</summary>
    public IReadOnlyList<Parameter> Biases { get; }

    /// <summary>
    /// <paramref name="input"/>: [T, B] int64 character indices (first layer, one-hot input) or [T, B, I] vectors (an
    /// embedding's, or the states of the layer below). Returns every step's H, [T, B, H], and the layer's state after
    /// the last step; <paramref name="dropout"/> is training's (null: none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (Tensor Outputs, Tensor LastHidden, Tensor? LastCell) Forward(Tensor input, Tensor hidden, Tensor? cell, LayerDropout? dropout = null)
    {
        long steps = input.shape[0], batch = input.shape[1];
        Tensor projected;
        if (input.dtype != ScalarType.Int64)
            projected = Join(Biases).addmm(input.reshape(steps * batch, -1), Join(InputWeights)).view(steps, batch, -1);
        else if (dropout is null)
            projected = CharacterProjection.Of(input, InputWeights, Biases);
        else
            projected = dropout.CharacterRows(CharacterProjection.Of(input, InputWeights, [])).add_(Join(Biases));
        var hiddenWeights = Join(HiddenWeights);
        if (dropout is not null) hiddenWeights = dropout.HiddenWeights(hiddenWeights);
        var (states, lastCell) = CellDefinition.Of(Cell).Run(projected, hiddenWeights, hidden, cell);
        return (states, states[steps - 1], lastCell);
    }

    // The gates' weights side by side, so that each step makes one product for all gates.
    private static Tensor Join(IReadOnlyList<Parameter> perGate) => perGate.Count == 1 ? perGate[0] : cat(perGate.Cast<Tensor>().ToArray(), -1);
}
