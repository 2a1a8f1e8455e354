namespace PSCharRnn.Model;

/// <summary>How the learning rate moves from epoch to epoch.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate every epoch (the book's).</summary>
    Constant,

    /// <summary>
    /// torch.optim.lr_scheduler.CosineAnnealingLR over the epochs of the run that chose it, from the learning rate
    /// down to a tenth of it (nanoGPT's floor), where it stays if training goes on.
    /// </summary>
    Cosine,
}
