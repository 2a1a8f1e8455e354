using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSCharRnn.Numerics;

/// <summary>
/// Single-precision matrix products with AVX-512, for the CPUs where the MKL inside libtorch leaves it unused: MKL
/// takes its AVX-512 code only on Intel processors and runs AVX2 elsewhere, at about half of what an AVX-512 core can
/// multiply (docs/performance.md has the rates Bench measured). Each element of C is one fixed-order sum over k,
/// whatever the thread count, so results are deterministic.
/// </summary>
internal static unsafe class Avx512Gemm
{
    private const int TileRows = 8, TileColumns = 32;

    /// <summary>
    /// C = alpha·A·op(B) + beta·C (C is not read when beta is 0). A is [m, k] with element (i, p) at
    /// a[i·rowStride + p·columnStride], so a transposed A costs nothing; op(B) is [k, n], stored row-major with row
    /// stride ldb, or as its row-major transpose when <paramref name="transposeB"/> (each 32-column panel is then
    /// gathered once: a loop of small products should pass an untransposed copy); C is row-major [m, n].
    /// </summary>
    public static void Multiply(bool split, int m, int n, int k, float alpha, float* a, int rowStride, int columnStride,
        float* b, bool transposeB, int ldb, float beta, float* c, int ldc)
    {
        if (!Avx512F.IsSupported) throw new PlatformNotSupportedException("This processor has no AVX-512.");
        var product = new Product(m, n, k, alpha, a, rowStride, columnStride, b, transposeB, ldb, beta, c, ldc);
        int panels = (n + TileColumns - 1) / TileColumns;
        int threads = Gemm.Threads(split, panels);
        if (threads == 1) product.Panels(0, panels);
        else Parallel.For(0, threads, t => product.Panels(panels * t / threads, panels * (t + 1) / threads));
    }

    // The operands of one product, so that threads can share it; the tile loops take what they use as plain arguments.
    private readonly struct Product(int m, int n, int k, float alpha, float* a, int rowStride, int columnStride,
        float* b, bool transposeB, int ldb, float beta, float* c, int ldc)
    {
        // Column panels [first, last) of 32 columns: each panel's slice of B stays in cache while every row block uses it.
        // Fully optimized from the first call (no tiered JIT): the planner times a product in a few calls, and the
        // first epoch should run as fast as the rest.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Panels(int first, int last)
        {
            float* packed = null, narrow = stackalloc float[TileRows * TileColumns];
            try
            {
                for (int panel = first; panel < last; panel++)
                {
                    int column = panel * TileColumns, width = Math.Min(TileColumns, n - column);
                    float* panelB = b + column;
                    int panelStride = ldb;
                    if (width < TileColumns || transposeB)
                    {
                        // A transposed or narrower panel is gathered into [k, 32] (zeros beyond n), so the tile code
                        // always reads 32 contiguous columns.
                        if (packed == null) packed = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(k, 1) * TileColumns * sizeof(float)), 64);
                        for (int p = 0; p < k; p++)
                            for (int j = 0; j < TileColumns; j++)
                                packed[p * TileColumns + j] = j >= width ? 0f : transposeB ? b[(long)(column + j) * ldb + p] : b[(long)p * ldb + column + j];
                        panelB = packed;
                        panelStride = TileColumns;
                    }
                    int row = 0;
                    // A narrow panel's tiles land in a 32-column buffer first, then their valid columns in C.
                    bool full = width == TileColumns;
                    float* tile = full ? null : narrow;
                    for (; row + TileRows <= m; row += TileRows)
                    {
                        float* target = c + (long)row * ldc + column;
                        if (full) EightRows(a + (long)row * rowStride, rowStride, columnStride, panelB, panelStride, k, target, ldc, alpha, beta);
                        else
                        {
                            EightRows(a + (long)row * rowStride, rowStride, columnStride, panelB, panelStride, k, tile, TileColumns, alpha, 0f);
                            CopyColumns(tile, target, ldc, TileRows, width, beta);
                        }
                    }
                    for (; row < m; row++)
                    {
                        float* target = c + (long)row * ldc + column;
                        if (full) OneRow(a + (long)row * rowStride, columnStride, panelB, panelStride, k, target, alpha, beta);
                        else
                        {
                            OneRow(a + (long)row * rowStride, columnStride, panelB, panelStride, k, tile, alpha, 0f);
                            CopyColumns(tile, target, ldc, 1, width, beta);
                        }
                    }
                }
            }
            finally
            {
                if (packed != null) NativeMemory.AlignedFree(packed);
            }
        }
    }

    // One 8×32 tile of C: for each p, two 16-wide loads of B's row p and one broadcast of A per row. Unrolled by
    // hand: the 16 sums must be plain locals for the JIT to keep them in registers (an array or loop spills them).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EightRows(float* ap, long r, long step, float* bp, int panelStride, int depth, float* target, int ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < depth; p++, bp += panelStride, ap += step)
        {
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + 16);
            var x = Vector512.Create(ap[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(ap[r]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(ap[2 * r]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(ap[3 * r]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(ap[4 * r]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(ap[5 * r]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(ap[6 * r]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(ap[7 * r]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
        }
        Store(target, c00, c01, alpha, beta);
        Store(target + ldc, c10, c11, alpha, beta);
        Store(target + 2L * ldc, c20, c21, alpha, beta);
        Store(target + 3L * ldc, c30, c31, alpha, beta);
        Store(target + 4L * ldc, c40, c41, alpha, beta);
        Store(target + 5L * ldc, c50, c51, alpha, beta);
        Store(target + 6L * ldc, c60, c61, alpha, beta);
        Store(target + 7L * ldc, c70, c71, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneRow(float* ap, long step, float* bp, int panelStride, int depth, float* target, float alpha, float beta)
    {
        Vector512<float> c0 = default, c1 = default;
        for (int p = 0; p < depth; p++, bp += panelStride, ap += step)
        {
            var x = Vector512.Create(*ap);
            c0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(bp), c0);
            c1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(bp + 16), c1);
        }
        Store(target, c0, c1, alpha, beta);
    }

    // target[0..32) = alpha·sums + beta·target. Inlined: a call would make the JIT keep the other tiles' sums in memory.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* target, Vector512<float> low, Vector512<float> high, float alpha, float beta)
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyColumns(float* tile, float* target, int ldc, int rows, int width, float beta)
    {
        for (int i = 0; i < rows; i++, tile += TileColumns, target += ldc)
            for (int j = 0; j < width; j++) target[j] = beta != 0f ? MathF.FusedMultiplyAdd(target[j], beta, tile[j]) : tile[j];
    }
}
