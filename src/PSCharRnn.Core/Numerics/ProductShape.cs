namespace PSCharRnn.Numerics;

/// <summary>What a plan is chosen for: element type, transpositions, sizes (C is [M, N], the sum runs over K) and threads.</summary>
public readonly record struct ProductShape(string Element, bool TransposeA, bool TransposeB, int M, int N, int K, int Threads)
{
    public override string ToString() =>
        $"{Element} {(TransposeA ? 'T' : 'N')}{(TransposeB ? 'T' : 'N')} [{M},{K}]x[{K},{N}] {Threads} threads";

    public long MultiplyAdds => (long)M * N * K;
}
