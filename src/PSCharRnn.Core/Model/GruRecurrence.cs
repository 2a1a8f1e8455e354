using System.Numerics;
using System.Runtime.CompilerServices;
using PSCharRnn.Numerics;
using static PSCharRnn.Numerics.VectorMemory;
using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// The GRU recurrence of §6.7 over all time steps as one autograd node, backpropagation through time written out:
/// Z = σ(X·W_xz + H·W_hz + b_z), R = σ(X·W_xr + H·W_hr + b_r), H̃ = tanh(X·W_xh + R ⊙ (H·W_hh) + b_h),
/// H = Z ⊙ H + (1 − Z) ⊙ H̃. The reset gate scales H·W_hh, as the book's code and nn.GRU do (the book's prose
/// writes (R ⊙ H)·W_hh). The three hidden products are one [H, 3H] product per step; the sequential loops work on
/// the tensors' memory directly (BLAS products, vectorized element-wise rows).
/// </summary>
public sealed class GruRecurrence : autograd.MultiTensorFunction<GruRecurrence>
{
    public override string Name => nameof(GruRecurrence);

    /// <summary>
    /// <paramref name="projected"/>: [T, B, 3H], X·[W_xz|W_xr|W_xh] + [b_z|b_r|b_h]; <paramref name="wH"/>: [H, 3H],
    /// [W_hz|W_hr|W_hh]; <paramref name="initial"/>: [B, H]. Returns every step's state, [T, B, H].
    /// </summary>
    public static Tensor States(Tensor projected, Tensor wH, Tensor initial) => apply(projected, wH, initial)[0];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (projected, wH, initial) = (((Tensor)vars[0]).contiguous(), ((Tensor)vars[1]).contiguous(), ((Tensor)vars[2]).contiguous());
        long steps = projected.shape[0], batch = projected.shape[1], hidden = initial.shape[1];
        var products = empty_like(projected);                              // H_{t-1}·[W_hz|W_hr|W_hh]
        var updateReset = empty(steps, batch, 2 * hidden, dtype: projected.dtype);
        var candidates = empty(steps, batch, hidden, dtype: projected.dtype);
        var states = empty_like(candidates);
        if (projected.dtype == ScalarType.Float32) Forward<float>(projected, wH, initial, products, updateReset, candidates, states);
        else Forward<double>(projected, wH, initial, products, updateReset, candidates, states);
        ctx.save_for_backward(new() { updateReset, candidates, products, states, wH, initial });
        return new() { states };
    }

    // A row's gates read all three of its products' column blocks, which other threads' shares may have written; the
    // next step's product reads every column of H_t.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Forward<T>(Tensor projected, Tensor wH, Tensor initial, Tensor products, Tensor updateReset, Tensor candidates, Tensor states)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(states);
        int h = shape.Width;
        T* x0 = TensorMemory.Of<T>(projected), p0 = TensorMemory.Of<T>(products), zr0 = TensorMemory.Of<T>(updateReset);
        T* c0 = TensorMemory.Of<T>(candidates), s0 = TensorMemory.Of<T>(states), w = TensorMemory.Of<T>(wH), initialState = TensorMemory.Of<T>(initial);
        T* initialOperand = Recurrences.ProductOperand<T>(initial);
        StepTeam.Run<T>(shape.Batch, 3 * h, h, shape.Batch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (team) =>
        {
            T* x = x0, p = p0, zr = zr0, c = c0, s = s0, previous = initialState;
            for (int t = 0; t < shape.Steps; t++)
            {
                team.MultiplyThenRows(shape.Batch, 3 * h, h, t == 0 ? initialOperand : previous, h, w, 3 * h, T.Zero, p, 3 * h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (first, end) =>
                {
                    for (int b = first; b < end; b++)
                        CellRow(h, x + 3L * b * h, p + 3L * b * h, zr + 2L * b * h, c + b * h, previous + b * h, s + b * h);
                });
                previous = s;
                x += 3 * shape.Size;
                p += 3 * shape.Size;
                zr += 2 * shape.Size;
                c += shape.Size;
                s += shape.Size;
            }
        });
    }

    // One row of a step from its projection X·W_x + b and product H_{t-1}·W_h (3H each): Z | R, H̃ and
    // H = Z ⊙ (H_{t-1} − H̃) + H̃.
    private static unsafe void CellRow<T>(int h, T* projection, T* product, T* updateReset, T* candidateRow, T* previous, T* stateRow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gates = new Span<T>(updateReset, 2 * h);
        Elementwise.Add(new ReadOnlySpan<T>(projection, 2 * h), new ReadOnlySpan<T>(product, 2 * h), gates);
        Elementwise.Sigmoid<T>(gates, gates);
        var candidate = new Span<T>(candidateRow, h);
        Elementwise.MultiplyAdd(gates[h..], new ReadOnlySpan<T>(product + 2 * h, h), new ReadOnlySpan<T>(projection + 2 * h, h), candidate);
        Elementwise.Tanh<T>(candidate, candidate);
        var state = new Span<T>(stateRow, h);
        Elementwise.Subtract(new ReadOnlySpan<T>(previous, h), candidate, state);
        Elementwise.MultiplyAdd(state, gates[..h], candidate, state);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> gradOutputs)
    {
        using var _ = no_grad();
        var saved = ctx.get_saved_variables();
        var (step, wH) = (new GruStep(saved[0], saved[1], saved[2], saved[3], saved[5]), saved[4]);
        var (states, initial) = (step.States, step.Initial);
        long steps = states.shape[0], batch = states.shape[1], hidden = states.shape[2];
        var gradProjected = empty(steps, batch, 3 * hidden, dtype: states.dtype); // dL/d(pre Z | pre R | pre H̃)
        var gradProducts = empty_like(gradProjected);                      // dL/d(H_{t-1}·[W_hz|W_hr|W_hh])
        var carried = empty(batch, hidden, dtype: states.dtype);           // dL/dH_{t-1} through step t
        var gradStates = gradOutputs[0].contiguous();
        var wHTransposed = wH.t().contiguous();                            // the step products then read W_hᵀ row by row
        if (states.dtype == ScalarType.Float32) Backward<float>(gradStates, step, wHTransposed, gradProjected, gradProducts, carried, initial.requires_grad);
        else Backward<double>(gradStates, step, wHTransposed, gradProjected, gradProducts, carried, initial.requires_grad);

        var gradWH = Recurrences.HiddenWeightGradient(initial, states, gradProducts);
        var gradInitial = initial.requires_grad ? carried : null;
        return new() { gradProjected, gradWH, gradInitial! };
    }

    /// <summary>What the forward pass kept: the gates [T, B, 2H] (Z | R), H̃ [T, B, H], the step products [T, B, 3H], the states [T, B, H] and H_0 [B, H].</summary>
    private sealed record GruStep(Tensor UpdateReset, Tensor Candidates, Tensor Products, Tensor States, Tensor Initial);

    // From the last step back, with dH = dL/dH_t (output) + carried, each row in one pass:
    // d(pre Z) = dH ⊙ (H_{t-1} − H̃) ⊙ Z(1 − Z), d(pre H̃) = dH ⊙ (1 − Z)(1 − H̃²), d(H·W_hh) = d(pre H̃) ⊙ R,
    // d(pre R) = d(H·W_hh) ⊙ (H·W_hh) ⊙ (1 − R); the products' gradients are d(pre Z | pre R | H·W_hh), and
    // carried = dProducts·W_hᵀ + dH ⊙ Z, each thread on the columns of carried its share of the product wrote. The
    // product reads every row's gradients; the next rows read every column of carried.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Backward<T>(Tensor gradStates, GruStep step, Tensor wHTransposed,
        Tensor gradProjected, Tensor gradProducts, Tensor carried, bool initialGradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = StepShape.Of(gradStates);
        int h = shape.Width;
        T* wT = TensorMemory.Of<T>(wHTransposed), c = TensorMemory.Of<T>(carried), outputs = TensorMemory.Of<T>(gradStates);
        T* zrs = TensorMemory.Of<T>(step.UpdateReset), candidates = TensorMemory.Of<T>(step.Candidates), stepProducts = TensorMemory.Of<T>(step.Products);
        T* states = TensorMemory.Of<T>(step.States), initial = TensorMemory.Of<T>(step.Initial);
        T* projections = TensorMemory.Of<T>(gradProjected), products = TensorMemory.Of<T>(gradProducts);
        using var gradScratch = empty_like(carried);                        // dH = dL/dH_t (output) + carried
        T* gradRows = TensorMemory.Of<T>(gradScratch);
        StepTeam.Run<T>(shape.Batch, h, 3 * h, shape.Batch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (team) =>
        {
            for (int t = shape.Steps - 1; t >= 0; t--)
            {
                T* output = outputs + (long)t * shape.Size;
                T* previous = t == 0 ? initial : states + (long)(t - 1) * shape.Size;
                long at = (long)t * shape.Size;
                bool last = t == shape.Steps - 1;
                team.ForRows(shape.Batch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (first, end) =>
                {
                    for (int b = first; b < end; b++)
                    {
                        var grad = new Span<T>(gradRows + b * h, h);
                        if (last) new ReadOnlySpan<T>(output + b * h, h).CopyTo(grad);
                        else Elementwise.Add(new ReadOnlySpan<T>(output + b * h, h), new ReadOnlySpan<T>(c + b * h, h), grad);
                        long row = at + b * h;
                        RowGradients(h, gradRows + b * h, zrs + 2 * row, candidates + row, stepProducts + 3 * row + 2 * h, previous + b * h, projections + 3 * row, products + 3 * row);
                    }
                });
                if (t == 0 && !initialGradient) break;   // carried is then dL/dH_0, only for an initial state that wants it
                team.Meet();
                team.Multiply(shape.Batch, h, 3 * h, products + 3 * at, 3 * h, wT, h, T.Zero, c, h);
                team.ForColumns(shape.Batch, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (firstRow, endRow, firstColumn, endColumn) =>
                {
                    for (int b = firstRow; b < endRow; b++)
                    {
                        int length = endColumn - firstColumn;
                        var row = new Span<T>(c + b * h + firstColumn, length);
                        Elementwise.MultiplyAdd(new ReadOnlySpan<T>(gradRows + b * h + firstColumn, length), new ReadOnlySpan<T>(zrs + 2 * (at + b * h) + firstColumn, length), row, row);
                    }
                });
                team.Meet();
            }
        });
    }

    // One row's pre-activation gradients (projection, 3H) and the step product's (product, 3H), from dH, the gates
    // Z | R (2H), H̃, H·W_hh and H_{t-1} (H each).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowGradients<T>(int h, T* dh, T* zr, T* candidate, T* hh, T* previous, T* projection, T* product)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        for (; i <= h - Vector<T>.Count; i += Vector<T>.Count)
        {
            var (d, z, r, c) = (Load(dh + i), Load(zr + i), Load(zr + h + i), Load(candidate + i));
            var keep = Vector<T>.One - z;
            var update = d * (Load(previous + i) - c) * z * keep;
            var candidateGradient = d * keep * (Vector<T>.One - c * c);
            var hhGradient = candidateGradient * r;
            var reset = hhGradient * Load(hh + i) * (Vector<T>.One - r);
            Store(projection + i, update); Store(projection + h + i, reset); Store(projection + 2 * h + i, candidateGradient);
            Store(product + i, update); Store(product + h + i, reset); Store(product + 2 * h + i, hhGradient);
        }
        for (; i < h; i++)
        {
            T d = dh[i], z = zr[i], r = zr[h + i], c = candidate[i], keep = T.One - z;
            T update = d * (previous[i] - c) * z * keep, candidateGradient = d * keep * (T.One - c * c);
            T hhGradient = candidateGradient * r, reset = hhGradient * hh[i] * (T.One - r);
            projection[i] = product[i] = update; projection[h + i] = product[h + i] = reset;
            projection[2 * h + i] = candidateGradient; product[2 * h + i] = hhGradient;
        }
    }
}
