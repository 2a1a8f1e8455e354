using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PSCharRnn.Numerics;

/// <summary>
/// Matrix products in managed code over <see cref="Vector{T}"/>, whatever width the CPU gives it (AVX2, NEON, SSE):
/// the backend that needs nothing from libtorch's exports. Tiles of 4 rows by two vectors of C keep their sums in
/// registers while B's rows stream past; each element of C is one fixed-order sum over k, whatever the thread count.
/// </summary>
internal static unsafe class PortableGemm
{
    private const int TileRows = 4;

    /// <summary>C = alpha·op(A)·op(B) + beta·C, row-major (see <see cref="Gemm.Multiply{T}(bool, bool, int, int, int, T, T*, int, T*, int, T, T*, int, Precision)"/>; split across libtorch's threads or not).</summary>
    public static void Multiply<T>(bool split, bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged, INumber<T>
    {
        if (m == 0 || n == 0) return;
        T* packed = null;
        try
        {
            if (transposeB && k > 0)
            {
                // op(B) gathered once into row-major [k, n], so that every tile reads whole rows of it.
                packed = (T*)NativeMemory.Alloc((nuint)((long)k * n), (nuint)sizeof(T));
                for (int j = 0; j < n; j++)
                    for (int p = 0; p < k; p++) packed[(long)p * n + j] = b[(long)j * ldb + p];
                b = packed;
                ldb = n;
            }
            var product = new Product<T>(n, k, alpha, a, transposeA ? 1 : lda, transposeA ? lda : 1, b, ldb, beta, c, ldc);
            int blocks = (m + TileRows - 1) / TileRows;
            int threads = Gemm.Threads(split, blocks);
            ThreadTeam.ForRanges(blocks, threads, (first, end) => product.Rows(first * TileRows, Math.Min(m, end * TileRows)));
        }
        finally
        {
            if (packed != null) NativeMemory.Free(packed);
        }
    }

    // The operands of one product, shared by the threads; A's element (i, p) is a[i·rowStride + p·columnStride].
    private readonly struct Product<T>(int n, int k, T alpha, T* a, long rowStride, long columnStride, T* b, int ldb, T beta, T* c, int ldc)
        where T : unmanaged, INumber<T>
    {
        // Fully optimized from the first call (no tiered JIT): the planner times a product in a few calls, and the
        // first epoch should run as fast as the rest.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Rows(int first, int last)
        {
            int wide = 2 * Vector<T>.Count;
            for (int i = first; i < last; i += TileRows)
            {
                int rows = Math.Min(TileRows, last - i), j = 0;
                for (; j + wide <= n; j += wide)
                {
                    if (rows == TileRows) FourRows(i, j);
                    else
                        for (int r = 0; r < rows; r++) OneRow(i + r, j);
                }
                for (int r = 0; r < rows; r++)
                    for (int column = j; column < n; column++) OneElement(i + r, column);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void FourRows(int i, int j)
        {
            Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
            T* ap = a + i * rowStride, bp = b + j;
            for (int p = 0; p < k; p++, ap += columnStride, bp += ldb)
            {
                var b0 = Unsafe.ReadUnaligned<Vector<T>>(bp);
                var b1 = Unsafe.ReadUnaligned<Vector<T>>(bp + Vector<T>.Count);
                var x = new Vector<T>(ap[0]);
                c00 += x * b0; c01 += x * b1;
                x = new Vector<T>(ap[rowStride]);
                c10 += x * b0; c11 += x * b1;
                x = new Vector<T>(ap[2 * rowStride]);
                c20 += x * b0; c21 += x * b1;
                x = new Vector<T>(ap[3 * rowStride]);
                c30 += x * b0; c31 += x * b1;
            }
            T* target = c + (long)i * ldc + j;
            Store(target, c00, c01);
            Store(target + ldc, c10, c11);
            Store(target + 2L * ldc, c20, c21);
            Store(target + 3L * ldc, c30, c31);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void OneRow(int i, int j)
        {
            Vector<T> c0 = default, c1 = default;
            T* ap = a + i * rowStride, bp = b + j;
            for (int p = 0; p < k; p++, ap += columnStride, bp += ldb)
            {
                var x = new Vector<T>(*ap);
                c0 += x * Unsafe.ReadUnaligned<Vector<T>>(bp);
                c1 += x * Unsafe.ReadUnaligned<Vector<T>>(bp + Vector<T>.Count);
            }
            Store(c + (long)i * ldc + j, c0, c1);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void OneElement(int i, int j)
        {
            T sum = T.Zero;
            T* ap = a + i * rowStride, bp = b + j;
            for (int p = 0; p < k; p++, ap += columnStride, bp += ldb) sum += *ap * *bp;
            T* target = c + (long)i * ldc + j;
            *target = T.IsZero(beta) ? alpha * sum : alpha * sum + beta * *target;
        }

        // target[0..2 vectors) = alpha·sums + beta·target; C is not read when beta is 0.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(T* target, Vector<T> low, Vector<T> high)
        {
            low *= alpha;
            high *= alpha;
            if (!T.IsZero(beta))
            {
                low += Unsafe.ReadUnaligned<Vector<T>>(target) * beta;
                high += Unsafe.ReadUnaligned<Vector<T>>(target + Vector<T>.Count) * beta;
            }
            Unsafe.WriteUnaligned(target, low);
            Unsafe.WriteUnaligned(target + Vector<T>.Count, high);
        }
    }
}
