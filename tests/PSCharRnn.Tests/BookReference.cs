using PSCharRnn.Model;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

/// <summary>
/// The book's literal formulations (sections 6.4, 6.7, 6.8, 6.9): one-hot inputs (times the embedding, when a model
/// has one), each cell's literal step from its <see cref="CellDefinition"/>, one product per gate and step, plain autograd. The reference the fast layers and their hand-written backward passes are checked against.
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
                var (h, c) = CellDefinition.Of(model.CellType).BookStep(x, hidden[l], cells?[l], P);
                if (cells is not null) cells[l] = c!;
                hidden[l] = h;
                x = h;
            }
            outputs.Add(x.matmul(model.W_hq) + model.b_q);
        }
        return (cat(outputs, 0), new RecurrentState(hidden, cells));
    }
}
