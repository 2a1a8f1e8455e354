namespace PSCharRnn.Model;

/// <summary>How gradients update the parameters.</summary>
public enum OptimizerKind
{
    /// <summary>Plain minibatch SGD, as section 6.4 (learning rate 100 with the mean loss and clipping at 0.01).</summary>
    SGD,

    /// <summary>torch.optim.Adam, as the chapter's concise versions (learning rate 0.01, section 6.7.4).</summary>
    Adam,

    /// <summary>torch.optim.AdamW: Adam with weight decay applied to the weights directly rather than through the gradient (-WeightDecay).</summary>
    AdamW,
}
