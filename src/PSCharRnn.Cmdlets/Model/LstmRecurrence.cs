using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// The LSTM recurrence of §6.8 over all time steps as one autograd node, backpropagation through time written out:
/// I, F, O = σ(X·W_x* + H·W_h* + b_*), C̃ = tanh(X·W_xc + H·W_hc + b_c), C = F ⊙ C + I ⊙ C̃, H = O ⊙ tanh(C).
/// The four hidden products are one [H, 4H] product per step.
/// </summary>
public sealed class LstmRecurrence : autograd.MultiTensorFunction<LstmRecurrence>
{
    public override string Name => nameof(LstmRecurrence);

    /// <summary>
    /// <paramref name="projected"/>: [T, B, 4H], X·[W_xi|W_xf|W_xo|W_xc] + [b_i|b_f|b_o|b_c]; <paramref name="wH"/>: [H, 4H];
    /// <paramref name="initialHidden"/>, <paramref name="initialCell"/>: [B, H]. Returns every step's H, [T, B, H], and the last C.
    /// </summary>
    public static (Tensor States, Tensor LastCell) Run(Tensor projected, Tensor wH, Tensor initialHidden, Tensor initialCell)
    {
        var outputs = apply(projected, wH, initialHidden, initialCell);
        return (outputs[0], outputs[1]);
    }

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (projected, wH, initialHidden, initialCell) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        long hidden = initialHidden.shape[1];
        var inputs = projected.unbind(0);
        int steps = inputs.Length;
        var (gates, cells, tanhCells, states) = (new Tensor[steps], new Tensor[steps], new Tensor[steps], new Tensor[steps]);
        var (state, cell) = (initialHidden, initialCell);
        for (int t = 0; t < steps; t++)
        {
            var preActivation = inputs[t].addmm(state, wH);
            preActivation.narrow(1, 0, 3 * hidden).sigmoid_();               // I, F, O
            preActivation.narrow(1, 3 * hidden, hidden).tanh_();             // C̃
            var g = preActivation;
            cell = g.narrow(1, hidden, hidden).mul(cell).addcmul_(g.narrow(1, 0, hidden), g.narrow(1, 3 * hidden, hidden), 1);
            var tanhCell = cell.tanh();
            state = g.narrow(1, 2 * hidden, hidden).mul(tanhCell);
            (gates[t], cells[t], tanhCells[t], states[t]) = (g, cell, tanhCell, state);
        }
        var all = stack(states);
        ctx.save_for_backward(new() { stack(gates), stack(cells), stack(tanhCells), all, wH, initialHidden, initialCell });
        return new() { all, cell };
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var saved = ctx.get_saved_variables();
        var (gates, cells, tanhCells, states, wH, initialHidden, initialCell) = (saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], saved[6]);
        long steps = states.shape[0], batch = states.shape[1], hidden = states.shape[2];
        Tensor Gate(int k) => gates.narrow(2, k * hidden, hidden);
        var (i, f, o, candidate) = (Gate(0), Gate(1), Gate(2), Gate(3));
        Tensor SigmoidDerivative(Tensor s) => s.mul(s.neg().add(1));
        var previousCells = Recurrences.Previous(initialCell, cells).view(steps, batch, hidden);

        // With dH = dL/dH_t and dC = dL/dC_t (all paths): dC gains dH ⊙ O(1 − tanh²C);
        // d(pre I) = dC ⊙ C̃ ⊙ I(1 − I), d(pre F) = dC ⊙ C_{t-1} ⊙ F(1 − F), d(pre C̃) = dC ⊙ I(1 − C̃²),
        // d(pre O) = dH ⊙ tanh(C) ⊙ O(1 − O). Only dH and dC need the loop; the factors are computed for all steps.
        var cellFromHidden = o.mul(tanhCells.square().neg_().add_(1)).unbind(0);
        var cellFactors = stack(new[]
        {
            candidate.mul(SigmoidDerivative(i)),
            previousCells.mul(SigmoidDerivative(f)),
            i.mul(candidate.square().neg_().add_(1)),
        }, 2).unbind(0);                                                    // [B, 3, H] per step: I, F, C̃
        var outputFactor = tanhCells.mul(SigmoidDerivative(o)).unbind(0);
        var forget = f.unbind(0);
        var gradStates = gradOutputs[0].unbind(0);

        var wHT = wH.t();
        var gradGates = new Tensor[steps];                                 // dL/d(pre-activation), [B, 4H] as I, F, O, C̃
        Tensor? carriedHidden = null;
        var carriedCell = gradOutputs[1];                                   // dL/dC_T from the last cell output
        for (long t = steps - 1; t >= 0; t--)
        {
            var gradHidden = carriedHidden is null ? gradStates[t] : gradStates[t].add(carriedHidden);
            var gradCell = carriedCell.addcmul(gradHidden, cellFromHidden[t], 1);
            var fromCell = cellFactors[t].mul(gradCell.unsqueeze(1));           // I, F, C̃
            var gradOutput = gradHidden.mul(outputFactor[t]);
            gradGates[t] = cat(new[] { fromCell.narrow(1, 0, 2).reshape(batch, 2 * hidden), gradOutput, fromCell.select(1, 2) }, 1);
            carriedHidden = gradGates[t].mm(wHT);
            carriedCell = gradCell.mul(forget[t]);
        }
        var gradProjected = stack(gradGates);
        var gradWH = Recurrences.Previous(initialHidden, states).t().mm(gradProjected.view(steps * batch, 4 * hidden));
        return new()
        {
            gradProjected, gradWH,
            initialHidden.requires_grad ? carriedHidden! : null!,
            initialCell.requires_grad ? carriedCell : null!,
        };
    }
}
