using PSCharRnn.Model;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>The parameters and optimizer state at the start of an epoch, to put back when the epoch diverges.</summary>
internal sealed class TrainingSnapshot : IDisposable
{
    private readonly RnnModel model;
    private readonly Tensor[] values;
    private readonly long step;

    public TrainingSnapshot(RnnModel model)
    {
        this.model = model;
        using var _ = no_grad();
        values = Live(model).Select(t => t.clone()).ToArray();   // under no_grad a clone carries no graph: no detached view to leak
        step = model.Optimizer?.StepCount ?? 0;
    }

    // Every tensor training changes: the parameters, then the optimizer's state for each.
    private static IEnumerable<Tensor> Live(RnnModel model) =>
        model.Parameters.Cast<Tensor>().Concat(model.Optimizer is { } o
            ? Enumerable.Range(0, model.Parameters.Length).SelectMany(i => o.StateTensors(i).Select(s => s.Value))
            : Enumerable.Empty<Tensor>());

    public void Restore()
    {
        using var _ = no_grad();
        foreach (var (live, saved) in Live(model).Zip(values)) live.copy_(saved);
        if (model.Optimizer is { } optimizer) optimizer.StepCount = step;
    }

    public void Dispose()
    {
        foreach (var t in values) t.Dispose();
    }
}
