using System.Numerics;
using PSCharRnn.Numerics;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// The LSTM recurrence of §6.8 over all time steps as one autograd node, backpropagation through time written out:
/// I, F, O = σ(X·W_x* + H·W_h* + b_*), C̃ = tanh(X·W_xc + H·W_hc + b_c), C = F ⊙ C + I ⊙ C̃, H = O ⊙ tanh(C).
/// The four hidden products are one [H, 4H] product per step; the sequential loops work on the tensors' memory
/// directly (BLAS products, vectorized element-wise rows).
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
        var (projected, wH, initialHidden, initialCell) = ((Tensor)vars[0], ((Tensor)vars[1]).contiguous(), ((Tensor)vars[2]).contiguous(), ((Tensor)vars[3]).contiguous());
        var gates = projected.contiguous().clone();                         // X·W_x + b, made the gates' activations in place
        long steps = gates.shape[0], batch = gates.shape[1], hidden = initialHidden.shape[1];
        var cells = empty(steps, batch, hidden, dtype: gates.dtype);
        var tanhCells = empty_like(cells);
        var states = empty_like(cells);
        if (gates.dtype == ScalarType.Float32) Forward<float>(gates, wH, initialHidden, initialCell, cells, tanhCells, states);
        else Forward<double>(gates, wH, initialHidden, initialCell, cells, tanhCells, states);
        ctx.save_for_backward(new() { gates, cells, tanhCells, states, wH, initialHidden, initialCell });
        return new() { states, cells[steps - 1].clone() };
    }

    private static unsafe void Forward<T>(Tensor gates, Tensor wH, Tensor initialHidden, Tensor initialCell, Tensor cells, Tensor tanhCells, Tensor states)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(states);
        int h = shape.Width;
        T* g = TensorMemory.Of<T>(gates), c = TensorMemory.Of<T>(cells), tc = TensorMemory.Of<T>(tanhCells), s = TensorMemory.Of<T>(states);
        T* w = TensorMemory.Of<T>(wH), previous = TensorMemory.Of<T>(initialHidden), previousCell = TensorMemory.Of<T>(initialCell);
        for (int t = 0; t < shape.Steps; t++)
        {
            Gemm.Multiply(false, false, shape.Batch, 4 * h, h, T.One, previous, h, w, 4 * h, T.One, g, 4 * h);
            for (int b = 0; b < shape.Batch; b++, g += 4 * h, c += h, tc += h, s += h, previousCell += h)
            {
                var ifo = new Span<T>(g, 3 * h);
                var candidate = new Span<T>(g + 3 * h, h);
                Elementwise.Sigmoid<T>(ifo, ifo);
                Elementwise.Tanh<T>(candidate, candidate);
                var cell = new Span<T>(c, h);                                   // F ⊙ C + I ⊙ C̃
                Elementwise.Multiply(ifo.Slice(h, h), new ReadOnlySpan<T>(previousCell, h), cell);
                Elementwise.MultiplyAdd(ifo[..h], candidate, cell, cell);
                var tanhCell = new Span<T>(tc, h);
                Elementwise.Tanh<T>(cell, tanhCell);
                Elementwise.Multiply(ifo.Slice(2 * h, h), tanhCell, new Span<T>(s, h));
            }
            previous = s - shape.Size;
            previousCell = c - shape.Size;
        }
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
        // d(pre I) = dC ⊙ C̃ ⊙ I(1 − I), d(pre F) = dC ⊙ C_{t-1} ⊙ F(1 − F), d(pre O) = dH ⊙ tanh(C) ⊙ O(1 − O),
        // d(pre C̃) = dC ⊙ I(1 − C̃²). Only dH and dC need the loop; the factors are computed for all steps.
        var cellFromHidden = o.mul(tanhCells.square().neg_().add_(1));
        var gateFactors = stack(new[]                                       // [T, B, 4, H] in the gates' order
        {
            candidate.mul(SigmoidDerivative(i)),
            previousCells.mul(SigmoidDerivative(f)),
            tanhCells.mul(SigmoidDerivative(o)),
            i.mul(candidate.square().neg_().add_(1)),
        }, 2);
        var gradGates = empty_like(gates);                                 // dL/d(pre-activation), [T, B, 4H]
        var gradHidden = empty(batch, hidden, dtype: states.dtype);        // dL/dH_t, then dL/dH_{t-1} through step t
        var gradCell = gradOutputs[1].contiguous().clone();                // dL/dC_t, from the last cell output on
        var gradStates = gradOutputs[0].contiguous();
        var wHTransposed = wH.t().contiguous();                            // the step products then read W_hᵀ row by row
        if (states.dtype == ScalarType.Float32) Backward<float>(gradStates, cellFromHidden, gateFactors, gates, wHTransposed, gradGates, gradHidden, gradCell);
        else Backward<double>(gradStates, cellFromHidden, gateFactors, gates, wHTransposed, gradGates, gradHidden, gradCell);

        var gradWH = Recurrences.HiddenWeightGradient(initialHidden, states, gradGates);
        return new()
        {
            gradGates, gradWH,
            initialHidden.requires_grad ? gradHidden : null!,
            initialCell.requires_grad ? gradCell : null!,
        };
    }

    private static unsafe void Backward<T>(Tensor gradStates, Tensor cellFromHidden, Tensor gateFactors, Tensor gates, Tensor wHTransposed,
        Tensor gradGates, Tensor gradHidden, Tensor gradCell) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(gradStates);
        int h = shape.Width;
        T* outputs = TensorMemory.Of<T>(gradStates), fromHidden = TensorMemory.Of<T>(cellFromHidden), factors = TensorMemory.Of<T>(gateFactors);
        T* activations = TensorMemory.Of<T>(gates), gg = TensorMemory.Of<T>(gradGates), wT = TensorMemory.Of<T>(wHTransposed);
        T* dh = TensorMemory.Of<T>(gradHidden), dc = TensorMemory.Of<T>(gradCell);
        var hiddenGrad = new Span<T>(dh, shape.Size);
        var cellGrad = new Span<T>(dc, shape.Size);
        for (int t = shape.Steps - 1; t >= 0; t--)
        {
            long step = (long)t * shape.Size;
            var output = new ReadOnlySpan<T>(outputs + step, shape.Size);
            if (t == shape.Steps - 1) output.CopyTo(hiddenGrad);
            else Elementwise.Add(output, hiddenGrad, hiddenGrad);
            Elementwise.MultiplyAdd(hiddenGrad, new ReadOnlySpan<T>(fromHidden + step, shape.Size), cellGrad, cellGrad);
            for (int b = 0; b < shape.Batch; b++)
            {
                long row = (step + (long)b * h) * 4;
                var rowHidden = new ReadOnlySpan<T>(dh + b * h, h);
                var rowCell = new ReadOnlySpan<T>(dc + b * h, h);
                for (int k = 0; k < 4; k++)                                 // O follows dH, the others dC
                    Elementwise.Multiply(new ReadOnlySpan<T>(factors + row + k * h, h), k == 2 ? rowHidden : rowCell, new Span<T>(gg + row + k * h, h));
            }
            Gemm.Multiply(false, false, shape.Batch, h, 4 * h, T.One, gg + 4 * step, 4 * h, wT, h, T.Zero, dh, h);
            for (int b = 0; b < shape.Batch; b++)                           // dL/dC_{t-1} = dC ⊙ F
            {
                var rowCell = new Span<T>(dc + b * h, h);
                Elementwise.Multiply(rowCell, new ReadOnlySpan<T>(activations + (step + (long)b * h) * 4 + h, h), rowCell);
            }
        }
    }
}
