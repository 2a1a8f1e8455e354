using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// The RNN recurrence H_t = tanh(XW_t + H_{t-1}·W_hh) over all time steps as one autograd node, with
/// backpropagation through time written out. Recording it as one node instead of ~10 per step removes most
/// of the per-step dispatch cost, and the W_hh gradient becomes one product over all steps.
/// </summary>
public sealed class RnnRecurrence : autograd.MultiTensorFunction<RnnRecurrence>
{
    public override string Name => nameof(RnnRecurrence);

    /// <summary>
    /// <paramref name="projected"/>: [T, B, H], X·W_xh + b_h; <paramref name="wHh"/>: [H, H]; <paramref name="initial"/>: [B, H].
    /// Returns every step's state, [T, B, H].
    /// </summary>
    public static Tensor States(Tensor projected, Tensor wHh, Tensor initial) => apply(projected, wHh, initial)[0];

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (projected, wHh, initial) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2]);
        var state = initial;
        var steps = projected.unbind(0);
        for (int t = 0; t < steps.Length; t++)
        {
            state = steps[t].addmm(state, wHh).tanh_();
            steps[t] = state;
        }
        var states = stack(steps);
        ctx.save_for_backward(new() { states, wHh, initial });
        return new() { states };
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var saved = ctx.get_saved_variables();
        var (states, wHh, initial) = (saved[0], saved[1], saved[2]);
        long steps = states.shape[0], batch = states.shape[1], hidden = states.shape[2];

        var tanhDerivative = states.square().neg_().add_(1).unbind(0);     // d tanh(z)/dz = 1 - tanh(z)²
        var gradStates = gradOutputs[0].unbind(0);
        var wHhT = wHh.t();
        var gradPre = new Tensor[steps];                                   // dL/dZ_t, Z_t the pre-activation
        Tensor? carried = null;                                            // dL/dH_t through H_{t+1}
        for (long t = steps - 1; t >= 0; t--)
        {
            var gradState = carried is null ? gradStates[t] : gradStates[t].addmm(carried, wHhT);
            gradPre[t] = gradState.mul(tanhDerivative[t]);
            carried = gradPre[t];
        }
        var gradProjected = stack(gradPre);
        var gradWHh = Recurrences.Previous(initial, states).t().mm(gradProjected.view(steps * batch, hidden));
        var gradInitial = initial.requires_grad ? carried!.mm(wHhT) : null;
        return new() { gradProjected, gradWHh, gradInitial! };
    }
}
