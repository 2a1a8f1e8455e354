using static TorchSharp.torch;

namespace PSCharRnn.Model;

/// <summary>
/// One time step H = tanh(X·W_xh + H·W_hh + b_h), Y = H·W_hq + b_q, in two equivalent forms:
/// the book's literal one-hot products, and the fast form used for training, where the one-hot product
/// onehot(x)·W_xh is the row lookup W_xh[x], the input and output projections are batched over all
/// time steps, and the sequential H·W_hh recurrence is one autograd node (<see cref="Recurrence"/>).
/// </summary>
public static class RnnCell
{
    /// <summary>Fast form. <paramref name="inputs"/>: [T, B] int64, time-major. Returns logits [T·B, V] (time-major) and the last state.</summary>
    public static (Tensor Logits, Tensor State) Forward(RnnModel model, Tensor inputs, Tensor state)
    {
        long steps = inputs.shape[0], batch = inputs.shape[1];
        var inputProjection = model.W_xh.index_select(0, inputs.reshape(-1)).add_(model.b_h).view(steps, batch, -1);
        var states = Recurrence.States(inputProjection, model.W_hh, state);
        var logits = model.b_q.addmm(states.view(steps * batch, -1), model.W_hq);
        return (logits, states[steps - 1]);
    }

    /// <summary>The book's rnn(): one-hot inputs, one product per step, as written in section 6.4.</summary>
    public static (Tensor Logits, Tensor State) ForwardOneHot(RnnModel model, Tensor inputs, Tensor state)
    {
        var outputs = new List<Tensor>();
        for (int t = 0; t < inputs.shape[0]; t++)
        {
            var x = nn.functional.one_hot(inputs[t], model.VocabularySize).to(model.W_xh.dtype);
            state = tanh(x.matmul(model.W_xh) + state.matmul(model.W_hh) + model.b_h);
            outputs.Add(state.matmul(model.W_hq) + model.b_q);
        }
        return (cat(outputs, 0), state);
    }

    /// <summary>One step for a single sequence, for generation: the next state and its logits.</summary>
    public static (Tensor Logits, Tensor State) Step(RnnModel model, long character, Tensor state)
    {
        state = model.W_xh[character].unsqueeze(0).addmm(state, model.W_hh).add_(model.b_h).tanh();
        return (model.b_q.addmm(state, model.W_hq), state);
    }
}
