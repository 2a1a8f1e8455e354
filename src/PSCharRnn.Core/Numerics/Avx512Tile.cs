using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSCharRnn.Numerics;

/// <summary>
/// The AVX-512 tile, for the CPUs where the MKL inside libtorch leaves AVX-512 unused: MKL takes its AVX-512 code only
/// on Intel processors and runs AVX2 elsewhere, at about half of what an AVX-512 core can multiply (docs/performance.md
/// has the rates Bench measured). 8 rows by 32 columns: for each p, two 16-wide loads of B's row and one broadcast of
/// A per row.
/// </summary>
internal readonly struct Avx512Tile : ITile
{
    public static int TileRows => 8;
    public static int TileColumns => 32;
    public static bool IsSupported => Avx512F.IsSupported;

    // Unrolled by hand: the 16 sums must be plain locals for the JIT to keep them in registers (an array or loop spills
    // them). The rows beyond TRows.Count are constant-false branches, removed when the method is compiled for that count.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Rows<TRows>(float* ap, long r, long step, float* bp, int panelStride, int depth, float* target, int ldc, float alpha, float beta)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Count;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < depth; p++, bp += panelStride, ap += step)
        {
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            var x = Vector512.Create(ap[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            if (rows > 1)
            {
                x = Vector512.Create(ap[r]);
                c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            }
            if (rows > 2)
            {
                x = Vector512.Create(ap[2 * r]);
                c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            }
            if (rows > 3)
            {
                x = Vector512.Create(ap[3 * r]);
                c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            }
            if (rows > 4)
            {
                x = Vector512.Create(ap[4 * r]);
                c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            }
            if (rows > 5)
            {
                x = Vector512.Create(ap[5 * r]);
                c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            }
            if (rows > 6)
            {
                x = Vector512.Create(ap[6 * r]);
                c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            }
            if (rows > 7)
            {
                x = Vector512.Create(ap[7 * r]);
                c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            }
        }
        Store(target, c00, c01, alpha, beta);
        if (rows > 1) Store(target + ldc, c10, c11, alpha, beta);
        if (rows > 2) Store(target + 2L * ldc, c20, c21, alpha, beta);
        if (rows > 3) Store(target + 3L * ldc, c30, c31, alpha, beta);
        if (rows > 4) Store(target + 4L * ldc, c40, c41, alpha, beta);
        if (rows > 5) Store(target + 5L * ldc, c50, c51, alpha, beta);
        if (rows > 6) Store(target + 6L * ldc, c60, c61, alpha, beta);
        if (rows > 7) Store(target + 7L * ldc, c70, c71, alpha, beta);
    }

    // target[0..32) = alpha·sums + beta·target. Inlined: a call would make the JIT keep the other rows' sums in memory.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* target, Vector512<float> low, Vector512<float> high, float alpha, float beta)
    {
        low *= alpha;
        high *= alpha;
        if (beta != 0f)
        {
            low = Avx512F.FusedMultiplyAdd(Vector512.Load(target), Vector512.Create(beta), low);
            high = Avx512F.FusedMultiplyAdd(Vector512.Load(target + 16), Vector512.Create(beta), high);
        }
        low.Store(target);
        high.Store(target + 16);
    }
}
