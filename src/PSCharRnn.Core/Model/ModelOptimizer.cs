using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// TorchSharp's own optimizer over a model's parameters, with the state a checkpoint must keep so that a resumed
/// run continues exactly: for Adam and AdamW their step count and their two moment tensors per parameter.
/// </summary>
public sealed class ModelOptimizer : IDisposable
{
    private readonly OptimizerHelper optimizer;
    private readonly IReadOnlyList<Parameter> parameters;

    public ModelOptimizer(OptimizerKind kind, IReadOnlyList<Parameter> parameters, double learningRate, double weightDecay = 0)
    {
        Kind = kind;
        this.parameters = parameters;
        WeightDecay = weightDecay;
        optimizer = kind switch
        {
            OptimizerKind.Adam => optim.Adam(parameters, learningRate, weight_decay: weightDecay),
            OptimizerKind.AdamW => optim.AdamW(parameters, learningRate, weight_decay: weightDecay),
            _ => optim.SGD(parameters, learningRate, weight_decay: weightDecay),
        };
    }

    public static double DefaultLearningRate(OptimizerKind kind) => kind == OptimizerKind.SGD ? 100 : 0.01;

    public OptimizerKind Kind { get; }

    /// <summary>TorchSharp's optimizer, for its learning-rate schedulers.</summary>
    internal OptimizerHelper Torch => optimizer;

    /// <summary>The decay each step applies to the weights (AdamW) or adds to the gradient as an L2 term (SGD, Adam).</summary>
    public double WeightDecay { get; }

    private bool KeepsMoments => Kind != OptimizerKind.SGD;

    public double LearningRate => optimizer.ParamGroups.First().LearningRate;

    /// <summary>
    /// Sets the learning rate a run begins from, as the rate a TorchSharp scheduler anchors on too (its initial rate,
    /// which otherwise stays the one this optimizer was made with: a loaded checkpoint's last rate, or an earlier run's).
    /// </summary>
    public void BeginAt(double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) (group.LearningRate, group.InitialLearningRate) = (learningRate, learningRate);
    }

    /// <summary>
    /// Drops every parameter's gradient, as PyTorch's zero_grad(set_to_none=True) does: the next backward pass then
    /// gives each parameter its gradient as computed, instead of a pass that zeroes the old one and a pass that adds
    /// the new one to it. The sums are the same (0 + g is g).
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var parameter in parameters) parameter.grad = null;
    }

    public void Step() => optimizer.step();

    // TorchSharp's Adam and AdamW keep the same state, each in a class of its own.
    private IReadOnlyList<(Func<long> GetStep, Action<long> SetStep, Tensor ExpAvg, Tensor ExpAvgSq)> Moments =>
        optimizer.state_dict().State.Select(state => state switch
        {
            Adam.State a => ((Func<long>)(() => a.step), (Action<long>)(v => a.step = v), a.exp_avg, a.exp_avg_sq),
            AdamW.State w => (() => w.step, v => w.step = v, w.exp_avg, w.exp_avg_sq),
            _ => throw new InvalidOperationException($"{Kind} keeps no moments."),
        }).ToList();

    /// <summary>Adam's or AdamW's update count (0 for SGD, which keeps no state).</summary>
    public long StepCount
    {
        get => KeepsMoments ? Moments[0].GetStep() : 0;
        set
        {
            if (!KeepsMoments) return;
            foreach (var m in Moments) m.SetStep(value);
        }
    }

    /// <summary>The optimizer's tensors for parameter <paramref name="index"/> by name (Adam, AdamW: exp_avg, exp_avg_sq); live, not copies.</summary>
    public IReadOnlyList<(string Name, Tensor Value)> StateTensors(int index) =>
        KeepsMoments
            ? new[] { ("exp_avg", Moments[index].ExpAvg), ("exp_avg_sq", Moments[index].ExpAvgSq) }
            : Array.Empty<(string, Tensor)>();

    /// <summary>
    /// A new optimizer of this kind over <paramref name="parameters"/> with this one's step count and state, each state
    /// tensor passed through <paramref name="map"/> (parameter index, state) first: another weight decay, or parameters
    /// that grew with their vocabulary.
    /// </summary>
    public ModelOptimizer Rebuilt(IReadOnlyList<Parameter> parameters, double weightDecay, Func<int, Tensor, Tensor> map)
    {
        var rebuilt = new ModelOptimizer(Kind, parameters, LearningRate, weightDecay) { StepCount = StepCount };
        using var _ = no_grad();
        for (int i = 0; i < parameters.Count; i++)
            foreach (var ((_, from), (_, to)) in StateTensors(i).Zip(rebuilt.StateTensors(i)))
            {
                using var mapped = map(i, from);
                to.copy_(mapped);
            }
        return rebuilt;
    }

    public void Dispose() => optimizer.Dispose();
}
