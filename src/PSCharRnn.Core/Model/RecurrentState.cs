using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>The state every layer carries from one time step to the next: H, and for the LSTM the memory cell C.</summary>
public sealed class RecurrentState : IDisposable
{
    public RecurrentState(IReadOnlyList<Tensor> hidden, IReadOnlyList<Tensor>? cells)
    {
        Hidden = hidden;
        Cells = cells;
    }

    /// <summary>[batch, hidden] per layer.</summary>
    public IReadOnlyList<Tensor> Hidden { get; }

    /// <summary>[batch, hidden] per layer for the LSTM; null for the other cells.</summary>
    public IReadOnlyList<Tensor>? Cells { get; }

    public static RecurrentState Zeros(ModelDescription description, long batchSize, ScalarType dtype, Device device)
    {
        Tensor[] Layers() => Enumerable.Range(0, description.NumLayers)
            .Select(_ => zeros(batchSize, description.HiddenSize, dtype, device)).ToArray();
        return new RecurrentState(Layers(), description.HasMemoryCell ? Layers() : null);
    }

    /// <summary>The same values cut from the graph, as consecutive sampling carries them into the next minibatch.</summary>
    public RecurrentState Detach() =>
        new(Hidden.Select(h => h.detach()).ToArray(), Cells?.Select(c => c.detach()).ToArray());

    public RecurrentState MoveToOuterDisposeScope()
    {
        foreach (var t in All) t.MoveToOuterDisposeScope();
        return this;
    }

    private IEnumerable<Tensor> All => Cells is null ? Hidden : Hidden.Concat(Cells);

    public void Dispose()
    {
        foreach (var t in All) t.Dispose();
    }
}
