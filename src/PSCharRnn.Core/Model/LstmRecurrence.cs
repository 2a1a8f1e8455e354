using System.Numerics;
using System.Runtime.CompilerServices;
using PSCharRnn.Numerics;
using static PSCharRnn.Numerics.VectorMemory;
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    // A row's cell reads all four of its gates' column blocks, which other threads' shares of the product may have
    // written; the next step's product reads every column of H_t.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Forward<T>(Tensor gates, Tensor wH, Tensor initialHidden, Tensor initialCell, Tensor cells, Tensor tanhCells, Tensor states)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(states);
        int h = shape.Width;
        T* g0 = TensorMemory.Of<T>(gates), c0 = TensorMemory.Of<T>(cells), tc0 = TensorMemory.Of<T>(tanhCells), s0 = TensorMemory.Of<T>(states);
        T* w = TensorMemory.Of<T>(wH), initialOperand = Recurrences.ProductOperand<T>(initialHidden), cell0 = TensorMemory.Of<T>(initialCell);
        StepTeam.Run<T>(shape.Batch, 4 * h, h, shape.Batch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (team) =>
        {
            T* g = g0, c = c0, tc = tc0, s = s0, previous = initialOperand, previousCell = cell0;
            for (int t = 0; t < shape.Steps; t++)
            {
                team.MultiplyThenRows(shape.Batch, 4 * h, h, previous, h, w, 4 * h, T.One, g, 4 * h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (first, end) =>
                {
                    for (int b = first; b < end; b++)
                        CellRow(h, g + 4L * b * h, previousCell + b * h, c + b * h, tc + b * h, s + b * h);
                });
                previous = s;
                previousCell = c;
                g += 4 * shape.Size;
                c += shape.Size;
                tc += shape.Size;
                s += shape.Size;
            }
        });
    }

    // One row of a step: the gates' activations in place, C = F ⊙ C_{t-1} + I ⊙ C̃, tanh(C) and H = O ⊙ tanh(C).
    private static unsafe void CellRow<T>(int h, T* gates, T* previousCell, T* cellRow, T* tanhCellRow, T* state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ifo = new Span<T>(gates, 3 * h);
        var candidate = new Span<T>(gates + 3 * h, h);
        Elementwise.Sigmoid<T>(ifo, ifo);
        Elementwise.Tanh<T>(candidate, candidate);
        var cell = new Span<T>(cellRow, h);
        Elementwise.Multiply(ifo.Slice(h, h), new ReadOnlySpan<T>(previousCell, h), cell);
        Elementwise.MultiplyAdd(ifo[..h], candidate, cell, cell);
        var tanhCell = new Span<T>(tanhCellRow, h);
        Elementwise.Tanh<T>(cell, tanhCell);
        Elementwise.Multiply(ifo.Slice(2 * h, h), tanhCell, new Span<T>(state, h));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var saved = ctx.get_saved_variables();
        var (step, wH, initialHidden) = (new LstmStep(saved[0], saved[1], saved[2], saved[3], saved[6]), saved[4], saved[5]);
        var gradGates = empty_like(step.Gates);                            // dL/d(pre-activation), [T, B, 4H]
        var gradHidden = empty_like(initialHidden);                        // dL/dH_t, then dL/dH_{t-1} through step t
        var gradCell = gradOutputs[1].contiguous().clone();                // dL/dC_t, from the last cell output on
        var gradStates = gradOutputs[0].contiguous();
        var wHTransposed = wH.t().contiguous();                            // the step products then read W_hᵀ row by row
        bool initialGradient = initialHidden.requires_grad;
        if (step.States.dtype == ScalarType.Float32) Backward<float>(gradStates, step, wHTransposed, gradGates, gradHidden, gradCell, initialGradient);
        else Backward<double>(gradStates, step, wHTransposed, gradGates, gradHidden, gradCell, initialGradient);

        var gradWH = Recurrences.HiddenWeightGradient(initialHidden, step.States, gradGates);
        return new()
        {
            gradGates, gradWH,
            initialGradient ? gradHidden : null!,
            step.InitialCell.requires_grad ? gradCell : null!,
        };
    }

    /// <summary>What the forward pass kept: the gates' activations [T, B, 4H] (I | F | O | C̃), C, tanh(C) and H [T, B, H], and C_0 [B, H].</summary>
    private sealed record LstmStep(Tensor Gates, Tensor Cells, Tensor TanhCells, Tensor States, Tensor InitialCell);

    // From the last step back, with dH = dL/dH_t (output) + carried, each row in one pass: dC = dL/dC_t gains
    // dH ⊙ O(1 − tanh²C); d(pre I) = dC ⊙ C̃ ⊙ I(1 − I), d(pre F) = dC ⊙ C_{t-1} ⊙ F(1 − F),
    // d(pre O) = dH ⊙ tanh(C) ⊙ O(1 − O), d(pre C̃) = dC ⊙ I(1 − C̃²); then dL/dC_{t-1} = dC ⊙ F and
    // carried = d(pre gates)·W_hᵀ.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Backward<T>(Tensor gradStates, LstmStep step, Tensor wHTransposed,
        Tensor gradGates, Tensor gradHidden, Tensor gradCell, bool initialGradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(gradStates);
        int h = shape.Width;
        T* outputs = TensorMemory.Of<T>(gradStates), gates = TensorMemory.Of<T>(step.Gates), cells = TensorMemory.Of<T>(step.Cells);
        T* tanhCells = TensorMemory.Of<T>(step.TanhCells), initialCell = TensorMemory.Of<T>(step.InitialCell);
        T* gg = TensorMemory.Of<T>(gradGates), wT = TensorMemory.Of<T>(wHTransposed);
        T* dh = TensorMemory.Of<T>(gradHidden), dc = TensorMemory.Of<T>(gradCell);
        StepTeam.Run<T>(shape.Batch, h, 4 * h, shape.Batch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (team) =>
        {
            for (int t = shape.Steps - 1; t >= 0; t--)
            {
                long at = (long)t * shape.Size;
                T* previousCells = t == 0 ? initialCell : cells + at - shape.Size;
                bool last = t == shape.Steps - 1;
                team.ForRows(shape.Batch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (first, end) =>
                {
                    for (int b = first; b < end; b++)
                    {
                        var hiddenGrad = new Span<T>(dh + b * h, h);
                        var output = new ReadOnlySpan<T>(outputs + at + b * h, h);
                        if (last) output.CopyTo(hiddenGrad);
                        else Elementwise.Add(output, hiddenGrad, hiddenGrad);
                        long row = at + (long)b * h;
                        RowGradients(h, dh + b * h, dc + b * h, gates + 4 * row, previousCells + b * h, tanhCells + row, gg + 4 * row);
                    }
                });
                if (t == 0 && !initialGradient) break;   // dL/dH_0 only for an initial state that wants it
                team.Meet();   // the product reads every row's gate gradients, and overwrites the dH they read
                team.Multiply(shape.Batch, h, 4 * h, gg + 4 * at, 4 * h, wT, h, T.Zero, dh, h);
                team.Meet();   // the next rows read every column of dH
            }
        });
    }

    // One row's pre-activation gradients (4H) from dH, the gates I | F | O | C̃ (4H), C_{t-1} and tanh(C_t); dC (H) goes
    // in as dL/dC_t from later steps and comes out as dL/dC_{t-1}.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowGradients<T>(int h, T* dh, T* dc, T* gates, T* previousCell, T* tanhCell, T* gradGates)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = 0;
        for (; k <= h - Vector<T>.Count; k += Vector<T>.Count)
        {
            var (d, i, f, o, c, tc) = (Load(dh + k), Load(gates + k), Load(gates + h + k), Load(gates + 2 * h + k), Load(gates + 3 * h + k), Load(tanhCell + k));
            var cellGradient = Load(dc + k) + d * o * (Vector<T>.One - tc * tc);
            Store(gradGates + k, cellGradient * c * i * (Vector<T>.One - i));
            Store(gradGates + h + k, cellGradient * Load(previousCell + k) * f * (Vector<T>.One - f));
            Store(gradGates + 2 * h + k, d * tc * o * (Vector<T>.One - o));
            Store(gradGates + 3 * h + k, cellGradient * i * (Vector<T>.One - c * c));
            Store(dc + k, cellGradient * f);
        }
        for (; k < h; k++)
        {
            T d = dh[k], i = gates[k], f = gates[h + k], o = gates[2 * h + k], c = gates[3 * h + k], tc = tanhCell[k];
            T cellGradient = dc[k] + d * o * (T.One - tc * tc);
            gradGates[k] = cellGradient * c * i * (T.One - i);
            gradGates[h + k] = cellGradient * previousCell[k] * f * (T.One - f);
            gradGates[2 * h + k] = d * tc * o * (T.One - o);
            gradGates[3 * h + k] = cellGradient * i * (T.One - c * c);
            dc[k] = cellGradient * f;
        }
    }
}
