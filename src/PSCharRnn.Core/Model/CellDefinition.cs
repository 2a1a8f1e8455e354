using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// One recurrent cell of the chapter, with everything that differs between cells in one place: its gates (the letters
/// of W_x*, W_h*, b_*, in the order of the book's get_params), whether its state carries a memory cell C beside H,
/// its fast recurrence (one autograd node over all steps, backpropagation through time written out), and the book's
/// literal step, which the tests check the fast recurrence against. A new cell is a <see cref="CellType"/>, an entry
/// here and its recurrence node.
/// </summary>
public sealed record CellDefinition(CellType Type, IReadOnlyList<string> Gates, bool HasMemoryCell, CellDefinition.Recurrence Run, CellDefinition.Step BookStep)
{
    /// <summary>
    /// <paramref name="projected"/>: [T, B, G·H], X·W_x* + b_* of every step, gates side by side; <paramref name="hiddenWeights"/>:
    /// the W_h* side by side, [H, G·H]. Returns every step's H, [T, B, H], and the memory cell after the last step (or null).
    /// </summary>
    public delegate (Tensor States, Tensor? LastCell) Recurrence(Tensor projected, Tensor hiddenWeights, Tensor hidden, Tensor? cell);

    /// <summary>One step as the book writes it: X [B, I] (one-hot, or its embedding), H and C [B, H], each parameter by its name ("W_xh").</summary>
    public delegate (Tensor Hidden, Tensor? Cell) Step(Tensor x, Tensor h, Tensor? c, Func<string, Tensor> p);

    private static readonly IReadOnlyDictionary<CellType, CellDefinition> All = new CellDefinition[]
    {
        // Section 6.4: H = tanh(X·W_xh + H·W_hh + b_h).
        new(CellType.RNN, ["h"], false,
            (projected, w, h, _) => (RnnRecurrence.States(projected, w, h), null),
            (x, h, _, p) => (tanh(x.matmul(p("W_xh")) + h.matmul(p("W_hh")) + p("b_h")), null)),
        // Section 6.7: the reset gate scales H·W_hh, as the book's code and nn.GRU do.
        new(CellType.GRU, ["z", "r", "h"], false,
            (projected, w, h, _) => (GruRecurrence.States(projected, w, h), null),
            (x, h, _, p) =>
            {
                var z = sigmoid(x.matmul(p("W_xz")) + h.matmul(p("W_hz")) + p("b_z"));
                var r = sigmoid(x.matmul(p("W_xr")) + h.matmul(p("W_hr")) + p("b_r"));
                var candidate = tanh(x.matmul(p("W_xh")) + r * h.matmul(p("W_hh")) + p("b_h"));
                return (z * h + (1 - z) * candidate, null);
            }),
        // Section 6.8: input, forget and output gates, a candidate memory, the state (H, C).
        new(CellType.LSTM, ["i", "f", "o", "c"], true,
            (projected, w, h, c) => LstmRecurrence.Run(projected, w, h, c!),
            (x, h, c, p) =>
            {
                var i = sigmoid(x.matmul(p("W_xi")) + h.matmul(p("W_hi")) + p("b_i"));
                var f = sigmoid(x.matmul(p("W_xf")) + h.matmul(p("W_hf")) + p("b_f"));
                var o = sigmoid(x.matmul(p("W_xo")) + h.matmul(p("W_ho")) + p("b_o"));
                var memory = f * c! + i * tanh(x.matmul(p("W_xc")) + h.matmul(p("W_hc")) + p("b_c"));
                return (o * memory.tanh(), memory);
            }),
    }.ToDictionary(d => d.Type);

    public static CellDefinition Of(CellType type) => All[type];
}
