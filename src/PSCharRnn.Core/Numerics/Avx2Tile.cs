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

    // Unrolled by hand: the 12 sums must be plain locals for the JIT to keep them in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Rows(float* ap, long r, long step, float* bp, int panelStride, int depth, float* target, int ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < depth; p++, bp += panelStride, ap += step)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var x = Vector256.Create(ap[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(ap[r]);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(ap[2 * r]);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(ap[3 * r]);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(ap[4 * r]);
            c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(ap[5 * r]);
            c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
        }
        Store(target, c00, c01, alpha, beta);
        Store(target + ldc, c10, c11, alpha, beta);
        Store(target + 2L * ldc, c20, c21, alpha, beta);
        Store(target + 3L * ldc, c30, c31, alpha, beta);
        Store(target + 4L * ldc, c40, c41, alpha, beta);
        Store(target + 5L * ldc, c50, c51, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void OneRow(float* ap, long step, float* bp, int panelStride, int depth, float* target, float alpha, float beta)
    {
        Vector256<float> c0 = default, c1 = default;
        for (int p = 0; p < depth; p++, bp += panelStride, ap += step)
        {
            var x = Vector256.Create(*ap);
            c0 = Fma.MultiplyAdd(x, Vector256.Load(bp), c0);
            c1 = Fma.MultiplyAdd(x, Vector256.Load(bp + 8), c1);
        }
        Store(target, c0, c1, alpha, beta);
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
