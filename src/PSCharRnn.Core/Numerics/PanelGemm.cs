using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PSCharRnn.Numerics;

/// <summary>
/// The register tile a <see cref="PanelGemm{TTile}"/> multiplies with: TileRows rows of C by TileColumns columns, its
/// sums kept in vector registers while one panel of B streams past.
/// </summary>
internal interface ITile
{
    static abstract int TileRows { get; }
    static abstract int TileColumns { get; }
    static abstract bool IsSupported { get; }

    /// <summary>
    /// target's first TRows.Count rows (1 to TileRows) of TileColumns = alpha·A's rows·panel + beta·target: each element
    /// the same fixed-order sum over the depth however many rows come with it.
    /// </summary>
    static abstract unsafe void Rows<TRows>(float* ap, long rowStride, long columnStride, float* panel, int panelStride, int depth, float* target, int ldc, float alpha, float beta)
        where TRows : struct, IRowCount;
}

/// <summary>
/// Single-precision matrix products of the module's own kernels: C in column panels of the tile's width, each panel of
/// B read (or gathered) once while every block of rows uses it, the tile's vector code for the sums. The CPU-specific
/// part is the tile alone (<see cref="Avx512Tile"/>, <see cref="Avx2Tile"/>). Each element of C is one fixed-order sum
/// over k, whatever the thread count, so results are deterministic.
/// </summary>
internal static unsafe class PanelGemm<TTile> where TTile : ITile
{
    // From this many blocks of rows on, every panel of B is packed: its copy costs a fraction of its reads by the tiles.
    private const int PackedPanelRows = 8;

    /// <summary>
    /// C = alpha·A·op(B) + beta·C (C is not read when beta is 0). A is [m, k] with element (i, p) at
    /// a[i·rowStride + p·columnStride], so a transposed A costs nothing; op(B) is [k, n], stored row-major with row
    /// stride ldb, or as its row-major transpose when <paramref name="transposeB"/> (each panel is then gathered once:
    /// a loop of small products should pass an untransposed copy); C is row-major [m, n].
    /// </summary>
    public static void Multiply(bool split, int m, int n, int k, float alpha, float* a, int rowStride, int columnStride,
        float* b, bool transposeB, int ldb, float beta, float* c, int ldc)
    {
        if (!TTile.IsSupported) throw new PlatformNotSupportedException($"This processor cannot run {typeof(TTile).Name}.");
        int panels = Panels(n);
        int threads = Gemm.Threads(split, panels);
        float* packedA = null;
        try
        {
            // A transposed (each row's elements a whole row of storage apart, 4 KB in the output layer's gradient) is
            // packed once into blocks of TileRows rows, each [k, TileRows]: unpacked, the tiles would read pieces of
            // TileRows floats a stride apart for every column panel, and strides of 1 or 4 KB all fall in a few
            // sets of a small L1 cache. The sums are the same, in the same order.
            var product = columnStride == 1 || panels == 1
                ? new Product(m, n, k, alpha, a, rowStride, columnStride, (long)TTile.TileRows * rowStride, b, transposeB, ldb, beta, c, ldc)
                : new Product(m, n, k, alpha, packedA = PackRows(m, k, a, rowStride, columnStride, threads), 1, TTile.TileRows, (long)TTile.TileRows * k,
                    b, transposeB, ldb, beta, c, ldc);
            ThreadTeam.ForRanges(panels, threads, product.Panels);
        }
        finally
        {
            if (packedA != null) NativeMemory.AlignedFree(packedA);
        }
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of C = alpha·A·B + beta·C, A and B as stored: the column
    /// panels a split <see cref="Multiply"/> over that many threads gives that part (<see cref="ColumnShare"/>), so
    /// each element is the same sum as there.
    /// </summary>
    public static void MultiplyShare(int part, int parts, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (!TTile.IsSupported) throw new PlatformNotSupportedException($"This processor cannot run {typeof(TTile).Name}.");
        var (first, last) = ThreadTeam.Share(Panels(n), parts, part);
        new Product(m, n, k, alpha, a, lda, 1, (long)TTile.TileRows * lda, b, false, ldb, beta, c, ldc).Panels(first, last);
    }

    /// <summary>The columns [Start, End) of C that <see cref="MultiplyShare"/> computes for a part.</summary>
    public static (int Start, int End) ColumnShare(int n, int part, int parts)
    {
        var (first, last) = ThreadTeam.Share(Panels(n), parts, part);
        return (Math.Min(n, first * TTile.TileColumns), Math.Min(n, last * TTile.TileColumns));
    }

    private static int Panels(int n) => (n + TTile.TileColumns - 1) / TTile.TileColumns;

    // A's rows in blocks of TileRows, block i [k, TileRows] at i·k·TileRows (the last block's missing rows left unset:
    // no tile reads them). A few dozen of A's columns at a time, every block along them: those columns' cache lines stay
    // in L1 while the blocks advance, and each block is written in one contiguous run. Element by element over all
    // blocks instead, the writes land a block (k·TileRows floats) apart, in a few sets of the L1 cache, and the packing
    // took as long as the product.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* PackRows(int m, int k, float* a, int rowStride, int columnStride, int threads)
    {
        const int ColumnsTogether = 64;
        int tileRows = TTile.TileRows, blocks = (m + tileRows - 1) / tileRows;
        float* packed = (float*)NativeMemory.AlignedAlloc((nuint)((long)blocks * Math.Max(k, 1) * tileRows * sizeof(float)), 64);
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // a local function is compiled on its own
        void Pack(int firstBlock, int lastBlock)
        {
            for (int firstColumn = 0; firstColumn < k; firstColumn += ColumnsTogether)
            {
                int columns = Math.Min(ColumnsTogether, k - firstColumn);
                for (int block = firstBlock; block < lastBlock; block++)
                {
                    int firstRow = block * tileRows, rows = Math.Min(tileRows, m - firstRow);
                    float* target = packed + ((long)block * k + firstColumn) * tileRows;
                    float* source = a + (long)firstColumn * columnStride + (long)firstRow * rowStride;
                    if (rowStride == 1 && rows == tileRows)   // A transposed: a block's rows are adjacent in each column
                        for (int p = 0; p < columns; p++, target += tileRows, source += columnStride)
                            CopyColumn(source, target);
                    else
                        for (int p = 0; p < columns; p++, target += tileRows, source += columnStride)
                            for (int i = 0; i < rows; i++) target[i] = source[(long)i * rowStride];
                }
            }
        }
        ThreadTeam.ForRanges(blocks, threads, Pack);
        return packed;
    }

    // One column of a whole block of A's rows, adjacent in storage, into its packed place, in 4-float vectors: element
    // by element, the packing takes a large share of a transposed product (the weight gradients).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyColumn(float* source, float* target)
    {
        int i = 0;
        for (; i <= TTile.TileRows - 4; i += 4) Vector128.Load(source + i).Store(target + i);
        for (; i < TTile.TileRows; i++) target[i] = source[i];
    }

    // The operands of one product, so that threads can share it; the tile loops take what they use as plain arguments.
    // Row i of A starts at a + (i / TileRows)·blockStride + (i % TileRows)·rowStride: A as stored, or packed in blocks.
    private readonly struct Product(int m, int n, int k, float alpha, float* a, int rowStride, int columnStride, long blockStride,
        float* b, bool transposeB, int ldb, float beta, float* c, int ldc)
    {
        // Column panels [first, last): each panel's slice of B stays in cache while every row block uses it.
        // Fully optimized from the first call (no tiered JIT): the planner times a product in a few calls, and the
        // first epoch should run as fast as the rest.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Panels(int first, int last)
        {
            int tileRows = TTile.TileRows, tileColumns = TTile.TileColumns;
            float* packed = null, narrow = stackalloc float[tileRows * tileColumns];
            try
            {
                for (int panel = first; panel < last; panel++)
                {
                    int column = panel * tileColumns, width = Math.Min(tileColumns, n - column);
                    float* panelB = b + column;
                    int panelStride = ldb;
                    if (width < tileColumns || transposeB || m >= PackedPanelRows * tileRows)
                    {
                        // A transposed or narrower panel is gathered into [k, tile width] (zeros beyond n), so the tile
                        // code always reads whole contiguous rows. So is a panel that many row blocks read: rows of B a
                        // power-of-two stride apart (1 KB for 256 columns) would share a few sets of the L1 cache.
                        if (packed == null) packed = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(k, 1) * tileColumns * sizeof(float)), 64);
                        if (width == tileColumns && !transposeB)
                            for (int p = 0; p < k; p++)
                                for (int j = 0; j < tileColumns; j += 8)
                                    Vector256.Load(b + (long)p * ldb + column + j).Store(packed + p * tileColumns + j);
                        else if (width == tileColumns)   // transposed; the tiles all run on AVX processors
                            GatherTransposed(b + (long)column * ldb, ldb, k, packed);
                        else
                            for (int p = 0; p < k; p++)
                                for (int j = 0; j < tileColumns; j++)
                                    packed[p * tileColumns + j] = j >= width ? 0f : transposeB ? b[(long)(column + j) * ldb + p] : b[(long)p * ldb + column + j];
                        panelB = packed;
                        panelStride = tileColumns;
                    }
                    // A narrow panel's tiles land in a full-width buffer first, then their valid columns in C. The rows
                    // left after the whole tiles go through the tile code as one block of fewer rows, not row by row: one
                    // row's two sums are two chains of dependent multiply-adds, which keep a core's FMA units mostly idle.
                    bool full = width == tileColumns;
                    for (int row = 0; row < m; row += tileRows)
                    {
                        int rowCount = Math.Min(tileRows, m - row);
                        float* target = c + (long)row * ldc + column;
                        float* rows = a + row / tileRows * blockStride;
                        if (full) Rows(rowCount, rows, rowStride, columnStride, panelB, panelStride, k, target, ldc, alpha, beta);
                        else
                        {
                            Rows(rowCount, rows, rowStride, columnStride, panelB, panelStride, k, narrow, tileColumns, alpha, 0f);
                            CopyColumns(narrow, target, ldc, rowCount, width, beta);
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

    // The panel [k, TileColumns] of a transposed B from its TileColumns stored rows (row j at rows + j·ldb): 8×8 blocks
    // read as 8 rows of 8 and transposed in registers, so that every load and store is a whole vector (one element at
    // a time, each load is a row of storage away from the last).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherTransposed(float* rows, int ldb, int k, float* packed)
    {
        int tileColumns = TTile.TileColumns, p = 0;
        for (; p <= k - 8; p += 8)
            for (int j = 0; j < tileColumns; j += 8)
            {
                float* source = rows + (long)j * ldb + p;
                var (v0, v1, v2, v3) = (Vector256.Load(source), Vector256.Load(source + ldb), Vector256.Load(source + 2L * ldb), Vector256.Load(source + 3L * ldb));
                var (v4, v5, v6, v7) = (Vector256.Load(source + 4L * ldb), Vector256.Load(source + 5L * ldb), Vector256.Load(source + 6L * ldb), Vector256.Load(source + 7L * ldb));
                var (t0, t1, t2, t3) = (Avx.UnpackLow(v0, v1), Avx.UnpackHigh(v0, v1), Avx.UnpackLow(v2, v3), Avx.UnpackHigh(v2, v3));
                var (t4, t5, t6, t7) = (Avx.UnpackLow(v4, v5), Avx.UnpackHigh(v4, v5), Avx.UnpackLow(v6, v7), Avx.UnpackHigh(v6, v7));
                // s0-s3: element q of rows 0-3 in the low half, element q + 4 in the high (q = 0..3); s4-s7 the same of rows
                // 4-7; an output row q is then one half of s_q beside the same half of s_(q+4).
                var (s0, s1, s2, s3) = (Avx.Shuffle(t0, t2, 0x44), Avx.Shuffle(t0, t2, 0xEE), Avx.Shuffle(t1, t3, 0x44), Avx.Shuffle(t1, t3, 0xEE));
                var (s4, s5, s6, s7) = (Avx.Shuffle(t4, t6, 0x44), Avx.Shuffle(t4, t6, 0xEE), Avx.Shuffle(t5, t7, 0x44), Avx.Shuffle(t5, t7, 0xEE));
                float* target = packed + (long)p * tileColumns + j;
                Avx.Permute2x128(s0, s4, 0x20).Store(target);
                Avx.Permute2x128(s1, s5, 0x20).Store(target + tileColumns);
                Avx.Permute2x128(s2, s6, 0x20).Store(target + 2 * tileColumns);
                Avx.Permute2x128(s3, s7, 0x20).Store(target + 3 * tileColumns);
                Avx.Permute2x128(s0, s4, 0x31).Store(target + 4 * tileColumns);
                Avx.Permute2x128(s1, s5, 0x31).Store(target + 5 * tileColumns);
                Avx.Permute2x128(s2, s6, 0x31).Store(target + 6 * tileColumns);
                Avx.Permute2x128(s3, s7, 0x31).Store(target + 7 * tileColumns);
            }
        for (; p < k; p++)
            for (int j = 0; j < tileColumns; j++) packed[p * tileColumns + j] = rows[(long)j * ldb + p];
    }

    // The tile code compiled for a block of `rows` rows (a whole tile, or the rows left after the whole tiles).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(int rows, float* ap, long rowStride, long columnStride, float* panel, int panelStride, int depth, float* target, int ldc, float alpha, float beta)
    {
        if (rows < 1 || rows > TTile.TileRows) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"A tile has 1 to {TTile.TileRows} rows.");
        switch (rows)
        {
            case 8: TTile.Rows<RowCount.Eight>(ap, rowStride, columnStride, panel, panelStride, depth, target, ldc, alpha, beta); break;
            case 7: TTile.Rows<RowCount.Seven>(ap, rowStride, columnStride, panel, panelStride, depth, target, ldc, alpha, beta); break;
            case 6: TTile.Rows<RowCount.Six>(ap, rowStride, columnStride, panel, panelStride, depth, target, ldc, alpha, beta); break;
            case 5: TTile.Rows<RowCount.Five>(ap, rowStride, columnStride, panel, panelStride, depth, target, ldc, alpha, beta); break;
            case 4: TTile.Rows<RowCount.Four>(ap, rowStride, columnStride, panel, panelStride, depth, target, ldc, alpha, beta); break;
            case 3: TTile.Rows<RowCount.Three>(ap, rowStride, columnStride, panel, panelStride, depth, target, ldc, alpha, beta); break;
            case 2: TTile.Rows<RowCount.Two>(ap, rowStride, columnStride, panel, panelStride, depth, target, ldc, alpha, beta); break;
            case 1: TTile.Rows<RowCount.One>(ap, rowStride, columnStride, panel, panelStride, depth, target, ldc, alpha, beta); break;
            default: throw new System.Diagnostics.UnreachableException();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyColumns(float* tile, float* target, int ldc, int rows, int width, float beta)
    {
        for (int i = 0; i < rows; i++, tile += TTile.TileColumns, target += ldc)
            for (int j = 0; j < width; j++) target[j] = beta != 0f ? MathF.FusedMultiplyAdd(target[j], beta, tile[j]) : tile[j];
    }
}
