using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSCharRnn.Numerics;

/// <summary>
/// The AVX2 tile, for CPUs without AVX-512 (most laptops): 6 rows by 16 columns, the twelve 8-wide sums, two loads of
/// B's row and a broadcast of A filling 15 of the 16 vector registers (the shape BLIS uses on such CPUs).
/// </summary>
internal readonly struct Avx2Tile : ITile
{
    public static int TileRows => 6;
    public static int TileColumns => 16;
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    // Unrolled by hand: the 12 sums must be plain locals for the JIT to keep them in registers. The rows beyond
    // TRows.Count are constant-false branches, removed when the method is compiled for that count.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Rows<TRows>(float* ap, long r, long step, float* bp, int panelStride, int depth, float* target, int ldc, float alpha, float beta)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Count;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < depth; p++, bp += panelStride, ap += step)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var x = Vector256.Create(ap[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            if (rows > 1)
            {
                x = Vector256.Create(ap[r]);
                c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            }
            if (rows > 2)
            {
                x = Vector256.Create(ap[2 * r]);
                c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            }
            if (rows > 3)
            {
                x = Vector256.Create(ap[3 * r]);
                c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            }
            if (rows > 4)
            {
                x = Vector256.Create(ap[4 * r]);
                c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            }
            if (rows > 5)
            {
                x = Vector256.Create(ap[5 * r]);
                c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            }
        }
        Store(target, c00, c01, alpha, beta);
        if (rows > 1) Store(target + ldc, c10, c11, alpha, beta);
        if (rows > 2) Store(target + 2L * ldc, c20, c21, alpha, beta);
        if (rows > 3) Store(target + 3L * ldc, c30, c31, alpha, beta);
        if (rows > 4) Store(target + 4L * ldc, c40, c41, alpha, beta);
        if (rows > 5) Store(target + 5L * ldc, c50, c51, alpha, beta);
    }

    // target[0..16) = alpha·sums + beta·target. Inlined: a call would make the JIT keep the other rows' sums in memory.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* target, Vector256<float> low, Vector256<float> high, float alpha, float beta)
    {
        low *= alpha;
        high *= alpha;
        if (beta != 0f)
        {
            low = Fma.MultiplyAdd(Vector256.Load(target), Vector256.Create(beta), low);
            high = Fma.MultiplyAdd(Vector256.Load(target + 8), Vector256.Create(beta), high);
        }
        low.Store(target);
        high.Store(target + 8);
    }
}
