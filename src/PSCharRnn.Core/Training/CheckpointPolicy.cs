namespace PSCharRnn.Training;

/// <summary>Where and how often training saves the model: every <see cref="Every"/> epochs, after the last, and when stopped.</summary>
public sealed record CheckpointPolicy(string Path, int Every)
{
    public bool IsDue(int run, bool last) => last || run % Every == 0;
}
