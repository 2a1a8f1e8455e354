namespace PSCharRnn.Training;

/// <summary>A minibatch as the book builds it: rows of input windows and the same windows shifted by one.</summary>
public sealed record Minibatch(int[][] Inputs, int[][] Targets)
{
    public int BatchSize => Inputs.Length;

    public int NumSteps => Inputs[0].Length;

    /// <summary>Flattens rows to time-major order (all rows' step 0, then step 1, ...), as the book's loss expects.</summary>
    public static long[] TimeMajor(int[][] rows)
    {
        int batch = rows.Length, steps = rows[0].Length;
        var flat = new long[batch * steps];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                flat[t * batch + b] = rows[b][t];
        return flat;
    }
}
