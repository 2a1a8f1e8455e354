using PSCharRnn.Model;
using static TorchSharp.torch;

namespace PSCharRnn.Training;

/// <summary>
/// The learning rate of each epoch, set on the optimizer before the epoch runs. The schedule is anchored on the model's
/// epochs (it began after <see cref="TrainingOptions.ScheduleStart"/> and lasts <see cref="TrainingOptions.ScheduleEpochs"/>),
/// and TorchSharp's scheduler is stepped to each epoch in closed form, so a run resumed from a checkpoint takes the
/// rates an uninterrupted run would have taken.
/// </summary>
internal sealed class EpochLearningRates
{
    /// <summary>The floor of the cosine, as a fraction of the learning rate.</summary>
    public const double CosineFloor = 0.1;

    private readonly ModelOptimizer optimizer;
    private readonly optim.lr_scheduler.LRScheduler? scheduler;
    private readonly int start, length;

    public EpochLearningRates(ModelOptimizer optimizer, TrainingOptions options)
    {
        this.optimizer = optimizer;
        (start, length) = (options.ScheduleStart, options.ScheduleEpochs ?? options.Epochs);
        double rate = options.LearningRate!.Value;
        optimizer.BeginAt(rate);
        if (options.Schedule == LearningRateSchedule.Cosine)
            scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer.Torch, length, rate * CosineFloor);
    }

    /// <summary>Sets the rate of model epoch <paramref name="epoch"/> (counted from 1 over the model's history); returns it.</summary>
    public double Apply(int epoch)
    {
        scheduler?.step(Math.Clamp(epoch - 1 - start, 0, length));
        return optimizer.LearningRate;
    }
}
