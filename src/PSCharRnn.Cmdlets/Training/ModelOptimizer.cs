using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>
/// TorchSharp's own optimizer over a model's parameters, with the state a checkpoint must keep so that a resumed
/// run continues exactly: for Adam its step count and its two moment tensors per parameter.
/// </summary>
public sealed class ModelOptimizer : IDisposable
{
    private readonly OptimizerHelper optimizer;

    public ModelOptimizer(OptimizerKind kind, IReadOnlyList<Parameter> parameters, double learningRate)
    {
        Kind = kind;
        optimizer = kind == OptimizerKind.Adam ? optim.Adam(parameters, learningRate) : optim.SGD(parameters, learningRate);
    }

    public static double DefaultLearningRate(OptimizerKind kind) => kind == OptimizerKind.Adam ? 0.01 : 100;

    public OptimizerKind Kind { get; }

    public double LearningRate
    {
        get => optimizer.ParamGroups.First().LearningRate;
        set
        {
            foreach (var group in optimizer.ParamGroups) group.LearningRate = value;
        }
    }

    public void ZeroGrad() => optimizer.zero_grad();

    public void Step() => optimizer.step();

    private IReadOnlyList<Adam.State> AdamStates =>
        Kind == OptimizerKind.Adam ? optimizer.state_dict().State.Cast<Adam.State>().ToList() : Array.Empty<Adam.State>();

    /// <summary>Adam's update count (0 for SGD, which keeps no state).</summary>
    public long StepCount
    {
        get => AdamStates.FirstOrDefault()?.step ?? 0;
        set
        {
            foreach (var s in AdamStates) s.step = value;
        }
    }

    /// <summary>The optimizer's tensors for parameter <paramref name="index"/> by name (Adam: exp_avg, exp_avg_sq); live, not copies.</summary>
    public IReadOnlyList<(string Name, Tensor Value)> StateTensors(int index) =>
        Kind == OptimizerKind.Adam
            ? new[] { ("exp_avg", AdamStates[index].exp_avg), ("exp_avg_sq", AdamStates[index].exp_avg_sq) }
            : Array.Empty<(string, Tensor)>();

    public void Dispose() => optimizer.Dispose();
}
