using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using PSCharRnn.Native;

namespace PSCharRnn.Numerics;

/// <summary>
/// Single-precision products with bfloat16 inputs and float32 sums: A and B rounded to bfloat16 (nearest, ties to even),
/// then MKL's cblas_gemm_bf16bf16f32 as libtorch exports it, which runs on AMX tiles or AVX512_BF16 dot products where
/// the processor has them. Only -Precision Mixed training's products may run here; where the processor has neither,
/// MKL would emulate them more slowly than float32, so the backend is not offered.
/// </summary>
public static unsafe class Bf16Gemm
{
    private const int RowMajor = 101, NoTranspose = 111, Transpose = 112;

    private static readonly Lazy<nint?> Export = new(() =>
        MklGemm.IsAvailable ? TorchRuntime.TryGetExport("cblas_gemm_bf16bf16f32") : null);

    private static readonly Lazy<string?> NoBf16Arithmetic = new(() =>
        ProcessorHasBf16() ? null : "the processor has neither AVX512_BF16 nor AMX-BF16");

    private static readonly Lazy<string?> Missing = new(() =>
        ProcessorUnavailable ?? (Export.Value is null ? "this libtorch exports no MKL cblas_gemm_bf16bf16f32" : null));

    /// <summary>Why the processor cannot multiply in bf16 (any backend), or null when it can.</summary>
    public static string? ProcessorUnavailable => NoBf16Arithmetic.Value;

    /// <summary>Why this machine cannot run bf16 products, or null when it can.</summary>
    public static string? Unavailable => Missing.Value;

    /// <summary>C = alpha·op(A)·op(B) + beta·C as <see cref="Gemm.Multiply{T}(bool, bool, int, int, int, T, T*, int, T*, int, T, T*, int, Precision)"/>, with A and B rounded to bfloat16.</summary>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        nint product = Export.Value ?? throw new PlatformNotSupportedException("This libtorch exports no MKL cblas_gemm_bf16bf16f32.");
        int rowsA = transposeA ? k : m, columnsA = transposeA ? m : k, rowsB = transposeB ? n : k, columnsB = transposeB ? k : n;
        ushort* a16 = (ushort*)NativeMemory.Alloc((nuint)Math.Max((long)rowsA * columnsA, 1), sizeof(ushort));
        ushort* b16 = (ushort*)NativeMemory.Alloc((nuint)Math.Max((long)rowsB * columnsB, 1), sizeof(ushort));
        try
        {
            Round(a, rowsA, columnsA, lda, a16);
            Round(b, rowsB, columnsB, ldb, b16);
            ((delegate* unmanaged<int, int, int, int, int, int, float, ushort*, int, ushort*, int, float, float*, int, void>)product)(
                RowMajor, transposeA ? Transpose : NoTranspose, transposeB ? Transpose : NoTranspose, m, n, k,
                alpha, a16, Math.Max(columnsA, 1), b16, Math.Max(columnsB, 1), beta, c, ldc);
        }
        finally
        {
            NativeMemory.Free(a16);
            NativeMemory.Free(b16);
        }
    }

    /// <summary>The rows × columns matrix at <paramref name="source"/> (row stride <paramref name="stride"/>) as packed bfloat16.</summary>
    public static void Round(float* source, int rows, int columns, int stride, ushort* destination) =>
        ForRowBlocks(rows, columns, (first, end) => RoundRows(source, first, end, columns, stride, destination));

    /// <summary>
    /// Runs rows [first, end) blocks of a rows × columns element-wise pass on libtorch's threads when the matrix is big
    /// enough to pay for waking them (the output layer's), else all on this one.
    /// </summary>
    internal static void ForRowBlocks(int rows, int columns, Action<int, int> block)
    {
        ThreadTeam.ForRanges(rows, (long)rows * columns >= 1 << 16 ? Gemm.Threads(split: true, rows) : 1, block);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // a fresh process's planner times this: no tier-0 loops
    private static void RoundRows(float* source, int first, int end, int columns, int stride, ushort* destination)
    {
        for (int r = first; r < end; r++)
        {
            uint* row = (uint*)(source + (long)r * stride);
            ushort* target = destination + (long)r * columns;
            int j = 0;
            for (; j <= columns - 2 * Vector<uint>.Count; j += 2 * Vector<uint>.Count)
            {
                var low = Round(Vector.Load(row + j));
                var high = Round(Vector.Load(row + j + Vector<uint>.Count));
                Vector.Narrow(low, high).Store(target + j);
            }
            for (; j < columns; j++) target[j] = Round(row[j]);
        }
    }

    /// <summary>The bfloat16 nearest a float's bits (ties to even); a NaN stays a (quiet) NaN.</summary>
    public static ushort Round(uint bits) =>
        (bits & 0x7FFF_FFFF) > 0x7F80_0000 ? (ushort)((bits >> 16) | 0x40) : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);

    private static Vector<uint> Round(Vector<uint> bits)
    {
        var nearest = Vector.ShiftRightLogical(bits + new Vector<uint>(0x7FFF) + (Vector.ShiftRightLogical(bits, 16) & Vector<uint>.One), 16);
        var nan = Vector.GreaterThan(bits & new Vector<uint>(0x7FFF_FFFF), new Vector<uint>(0x7F80_0000));
        return Vector.ConditionalSelect(nan, Vector.ShiftRightLogical(bits, 16) | new Vector<uint>(0x40), nearest);
    }

    // CPUID leaf 7: AMX-BF16 is EDX bit 22 of subleaf 0, AVX512_BF16 EAX bit 5 of subleaf 1.
    private static bool ProcessorHasBf16()
    {
        if (!X86Base.IsSupported || X86Base.CpuId(0, 0).Eax < 7) return false;
        var features = X86Base.CpuId(7, 0);
        bool amx = (features.Edx & (1 << 22)) != 0;
        bool avx512 = features.Eax >= 1 && (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0;
        return amx || avx512;
    }
}
