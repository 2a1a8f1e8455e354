namespace PSCharRnn.Training;

/// <summary>char-rnn's split: the last fraction of a text is held out, the rest is trained on. One definition for training and measuring.</summary>
public static class HeldOutSplit
{
    public static (int[] Training, int[] HeldOut) Of(int[] indices, double fraction)
    {
        int held = (int)Math.Round(indices.Length * fraction);
        return (indices[..^held], indices[^held..]);
    }
}
