namespace PSCharRnn.Numerics;

/// <summary>
/// What a plan is chosen for: element type, transpositions, sizes (C is [M, N], the sum runs over K). Not the thread
/// count: a backend chosen per thread count would give a run with -ThreadCount 1 other sums than one with 2.
/// </summary>
public readonly record struct ProductShape(string Element, bool TransposeA, bool TransposeB, int M, int N, int K)
{
    public override string ToString() =>
        $"{Element} {(TransposeA ? 'T' : 'N')}{(TransposeB ? 'T' : 'N')} [{M},{K}]x[{K},{N}]";

    /// <summary>The shape of a product of element type T.</summary>
    public static ProductShape Of<T>(bool transposeA, bool transposeB, int m, int n, int k) =>
        new(typeof(T) == typeof(float) ? "f32" : "f64", transposeA, transposeB, m, n, k);

    public long MultiplyAdds => (long)M * N * K;
}
