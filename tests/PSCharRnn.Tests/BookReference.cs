using PSCharRnn.Model;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

/// <summary>
/// The book's literal formulations (sections 6.4, 6.7, 6.8, 6.9): one-hot inputs (times the embedding, when a model
/// has one), one product per gate and step, plain autograd. The reference the fast layers and their hand-written backward passes are checked against.
/// </summary>
internal static class BookReference
{
    public static (Tensor Logits, RecurrentState State) Forward(RnnModel model, Tensor inputs, RecurrentState state)
    {
        var hidden = state.Hidden.ToArray();
        var cells = state.Cells?.ToArray();
        var outputs = new List<Tensor>();
        for (int t = 0; t < inputs.shape[0]; t++)
        {
            var x = nn.functional.one_hot(inputs[t], model.VocabularySize).to(model.W_hq.dtype);
            if (model.Embedding is { } embedding) x = x.matmul(embedding);
            for (int l = 0; l < model.NumLayers; l++)
            {
                Tensor P(string name) => model.GetParameter($"layers.{l}.{name}");
                var h = hidden[l];
                switch (model.CellType)
                {
                    case CellType.RNN:
                        h = tanh(x.matmul(P("W_xh")) + h.matmul(P("W_hh")) + P("b_h"));
                        break;
                    case CellType.GRU:
                        var z = sigmoid(x.matmul(P("W_xz")) + h.matmul(P("W_hz")) + P("b_z"));
                        var r = sigmoid(x.matmul(P("W_xr")) + h.matmul(P("W_hr")) + P("b_r"));
                        var candidate = tanh(x.matmul(P("W_xh")) + r * h.matmul(P("W_hh")) + P("b_h"));
                        h = z * h + (1 - z) * candidate;
                        break;
                    case CellType.LSTM:
                        var i = sigmoid(x.matmul(P("W_xi")) + h.matmul(P("W_hi")) + P("b_i"));
                        var f = sigmoid(x.matmul(P("W_xf")) + h.matmul(P("W_hf")) + P("b_f"));
                        var o = sigmoid(x.matmul(P("W_xo")) + h.matmul(P("W_ho")) + P("b_o"));
                        var c = tanh(x.matmul(P("W_xc")) + h.matmul(P("W_hc")) + P("b_c"));
                        cells![l] = f * cells[l] + i * c;
                        h = o * cells[l].tanh();
                        break;
                }
                hidden[l] = h;
                x = h;
            }
            outputs.Add(x.matmul(model.W_hq) + model.b_q);
        }
        return (cat(outputs, 0), new RecurrentState(hidden, cells));
    }
}
