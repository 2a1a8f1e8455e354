namespace PSCharRnn.Generation;

/// <summary>Chooses the next character from one step's logits, as <see cref="SamplingOptions"/> say.</summary>
public sealed class NextCharacter
{
    private readonly SamplingOptions options;
    private readonly Random? random;

    public NextCharacter(SamplingOptions options)
    {
        this.options = options.Validate();
        // A seeded System.Random gives the same sequence in every process and on every platform.
        random = options.IsGreedy ? null : options.Seed is long seed ? new Random((int)(seed % int.MaxValue)) : new Random();
    }

    public int Choose(ReadOnlySpan<float> logits)
    {
        if (random is null) return ArgMax(logits);
        // Indices by decreasing logit, so the top-k and top-p cuts are prefixes of one order.
        var order = Enumerable.Range(0, logits.Length).ToArray();
        var keys = new float[logits.Length];
        for (int i = 0; i < keys.Length; i++) keys[i] = -logits[i];
        Array.Sort(keys, order);
        // Characters a decoding rule forbids (-∞) sort last and are never kept.
        int allowed = 0;
        while (allowed < order.Length && !float.IsNegativeInfinity(logits[order[allowed]])) allowed++;
        if (allowed == 0) return order[0];
        int kept = Math.Min(options.TopK ?? allowed, allowed);

        // softmax(logits / T) over the kept characters, in double, shifted by the largest logit.
        double max = logits[order[0]];
        var weights = new double[kept];
        double total = 0;
        for (int i = 0; i < kept; i++) total += weights[i] = Math.Exp((logits[order[i]] - max) / options.Temperature);
        if (options.TopP is double p)
        {
            // The smallest prefix whose probability reaches p (at least one character).
            double mass = 0;
            int nucleus = 0;
            while (nucleus < kept && mass < p * total) mass += weights[nucleus++];
            (kept, total) = (Math.Max(nucleus, 1), Math.Max(mass, weights[0]));
        }
        double draw = random.NextDouble() * total;
        for (int i = 0; i < kept; i++)
        {
            draw -= weights[i];
            if (draw < 0) return order[i];
        }
        return order[kept - 1];
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
