using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// The GRU recurrence of §6.7 over all time steps as one autograd node, backpropagation through time written out:
/// Z = σ(X·W_xz + H·W_hz + b_z), R = σ(X·W_xr + H·W_hr + b_r), H̃ = tanh(X·W_xh + R ⊙ (H·W_hh) + b_h),
/// H = Z ⊙ H + (1 − Z) ⊙ H̃. The reset gate scales H·W_hh, as the book's code and nn.GRU do (the book's prose
/// writes (R ⊙ H)·W_hh). The three hidden products are one [H, 3H] product per step.
/// </summary>
public sealed class GruRecurrence : autograd.MultiTensorFunction<GruRecurrence>
{
    public override string Name => nameof(GruRecurrence);

    /// <summary>
    /// <paramref name="projected"/>: [T, B, 3H], X·[W_xz|W_xr|W_xh] + [b_z|b_r|b_h]; <paramref name="wH"/>: [H, 3H],
    /// [W_hz|W_hr|W_hh]; <paramref name="initial"/>: [B, H]. Returns every step's state, [T, B, H].
    /// </summary>
    public static Tensor States(Tensor projected, Tensor wH, Tensor initial) => apply(projected, wH, initial)[0];

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (projected, wH, initial) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2]);
        long hidden = initial.shape[1];
        var inputs = projected.unbind(0);
        int steps = inputs.Length;
        var (updateReset, candidates, hiddenProducts, states) = (new Tensor[steps], new Tensor[steps], new Tensor[steps], new Tensor[steps]);
        var state = initial;
        for (int t = 0; t < steps; t++)
        {
            var products = state.mm(wH);
            var zr = inputs[t].narrow(1, 0, 2 * hidden).add(products.narrow(1, 0, 2 * hidden)).sigmoid_();
            var hh = products.narrow(1, 2 * hidden, hidden);
            var candidate = inputs[t].narrow(1, 2 * hidden, hidden).addcmul(zr.narrow(1, hidden, hidden), hh, 1).tanh_();
            state = state.sub(candidate).mul_(zr.narrow(1, 0, hidden)).add_(candidate);     // Z ⊙ H + (1 − Z) ⊙ H̃
            (updateReset[t], candidates[t], hiddenProducts[t], states[t]) = (zr, candidate, hh, state);
        }
        var all = stack(states);
        ctx.save_for_backward(new() { stack(updateReset), stack(candidates), stack(hiddenProducts), all, wH, initial });
        return new() { all };
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var saved = ctx.get_saved_variables();
        var (zr, candidate, hh, states, wH, initial) = (saved[0], saved[1], saved[2], saved[3], saved[4], saved[5]);
        long steps = states.shape[0], batch = states.shape[1], hidden = states.shape[2];
        var z = zr.narrow(2, 0, hidden);
        var r = zr.narrow(2, hidden, hidden);
        var previous = Recurrences.Previous(initial, states).view(steps, batch, hidden);

        // Everything but dL/dH_t can be computed for all steps at once. With dH = dL/dH_t:
        // d(pre Z) = dH ⊙ (H_{t-1} − H̃) ⊙ Z(1 − Z), d(pre H̃) = dH ⊙ (1 − Z)(1 − H̃²),
        // d(pre R) = d(pre H̃) ⊙ (H·W_hh) ⊙ R(1 − R), d(H·W_hh) = d(pre H̃) ⊙ R.
        var candidateFactor = z.neg().add_(1).mul_(candidate.square().neg_().add_(1));
        var updateFactor = previous.sub(candidate).mul_(z).mul_(z.neg().add_(1));
        var resetFactor = candidateFactor.mul(hh).mul_(r).mul_(r.neg().add_(1));
        // Factors from dH to the gradient of the three hidden products [Z | R | H·W_hh], per step: [B, 3, H].
        var productFactors = stack(new[] { updateFactor, resetFactor, candidateFactor.mul(r) }, 2).unbind(0);
        var zSteps = z.unbind(0);
        var gradStates = gradOutputs[0].unbind(0);

        var wHT = wH.t();
        var gradHidden = new Tensor[steps];                                // dL/dH_t, all paths
        var gradProducts = new Tensor[steps];                              // dL/d(H_{t-1}·W_h), [B, 3H]
        Tensor? carried = null;                                            // dL/dH_t through step t + 1
        for (long t = steps - 1; t >= 0; t--)
        {
            var grad = carried is null ? gradStates[t] : gradStates[t].add(carried);
            gradHidden[t] = grad;
            gradProducts[t] = productFactors[t].mul(grad.unsqueeze(1)).view(batch, 3 * hidden);
            carried = gradProducts[t].mm(wHT).addcmul_(grad, zSteps[t], 1);
        }
        var gradH = stack(gradHidden);
        var gradProjected = cat(new[] { gradH.mul(updateFactor), gradH.mul(resetFactor), gradH.mul(candidateFactor) }, 2);
        var gradWH = previous.view(steps * batch, hidden).t().mm(stack(gradProducts).view(steps * batch, 3 * hidden));
        var gradInitial = initial.requires_grad ? carried! : null;
        return new() { gradProjected, gradWH, gradInitial! };
    }
}
