using System.Numerics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Numerics;

/// <summary>
/// Single-precision products with bfloat16 inputs on libtorch's own bfloat16 product, which runs oneDNN's AVX512_BF16
/// or AMX kernels on any processor that has them (MKL's bf16 product, <see cref="Bf16Gemm"/>, takes them on Intel's
/// only). A and B are rounded as <see cref="Bf16Gemm"/> rounds them and summed in float32; unlike MKL's, the product
/// comes back rounded to bfloat16 once before alpha, beta and C are applied in float32.
/// </summary>
public static unsafe class TorchBf16Gemm
{
    /// <summary>Why this machine cannot run these products, or null when it can.</summary>
    public static string? Unavailable => Bf16Gemm.ProcessorUnavailable;

    /// <summary>C = alpha·op(A)·op(B) + beta·C as <see cref="Gemm.Multiply{T}(bool, bool, int, int, int, T, T*, int, T*, int, T, T*, int, Precision)"/>, with A, B and their product rounded to bfloat16.</summary>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        using var scope = NewDisposeScope();
        var roundedA = Rounded(a, transposeA ? k : m, transposeA ? m : k, lda);
        Multiply(transposeA ? Transposed(roundedA) : roundedA, Rounded(b, transposeB ? n : k, transposeB ? k : n, ldb), transposeB, alpha, beta, c, ldc);
    }

    /// <summary>
    /// C = alpha·A·op(B) + beta·C for A and B already rounded (<see cref="Rounded"/>): A as op(A) (a transposed A
    /// made <see cref="Transposed"/>), B as stored. A matrix that feeds several products is rounded once for all of them.
    /// </summary>
    public static void Multiply(Tensor a, Tensor b, bool transposeB, float alpha, float beta, float* c, int ldc)
    {
        using var scope = NewDisposeScope();
        var product = mm(a, transposeB ? b.t() : b).contiguous();
        Accumulate(TensorMemory.Of<ushort>(product), (int)product.shape[0], (int)product.shape[1], alpha, beta, c, ldc);
    }

    /// <summary>The rows × columns matrix at <paramref name="source"/> (row stride <paramref name="stride"/>) rounded to a bfloat16 tensor.</summary>
    public static Tensor Rounded(float* source, int rows, int columns, int stride)
    {
        var rounded = empty(rows, columns, bfloat16);
        Bf16Gemm.Round(source, rows, columns, stride, TensorMemory.Of<ushort>(rounded));
        return rounded;
    }

    /// <summary>A rounded matrix's transpose, contiguous: oneDNN multiplies a transposed left operand slower than it copies one.</summary>
    public static Tensor Transposed(Tensor rounded) => rounded.t().contiguous();

    // C = alpha·P + beta·C for the packed bfloat16 P; C is not read when beta is 0.
    private static void Accumulate(ushort* product, int rows, int columns, float alpha, float beta, float* c, int ldc) =>
        Bf16Gemm.ForRowBlocks(rows, columns, (first, end) => AccumulateRows(product, first, end, columns, alpha, beta, c, ldc));

    // A bfloat16 is a float's top half.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateRows(ushort* product, int first, int end, int columns, float alpha, float beta, float* c, int ldc)
    {
        var alphas = new Vector<float>(alpha);
        var betas = new Vector<float>(beta);
        for (int r = first; r < end; r++)
        {
            ushort* source = product + (long)r * columns;
            float* target = c + (long)r * ldc;
            int j = 0;
            for (; j <= columns - 2 * Vector<float>.Count; j += 2 * Vector<float>.Count)
            {
                Vector.Widen(Vector.Load(source + j), out var low, out var high);
                var p0 = Vector.AsVectorSingle(Vector.ShiftLeft(low, 16)) * alphas;
                var p1 = Vector.AsVectorSingle(Vector.ShiftLeft(high, 16)) * alphas;
                if (beta != 0)
                {
                    p0 += betas * Vector.Load(target + j);
                    p1 += betas * Vector.Load(target + j + Vector<float>.Count);
                }
                p0.Store(target + j);
                p1.Store(target + j + Vector<float>.Count);
            }
            for (; j < columns; j++)
            {
                float p = alpha * BitConverter.UInt32BitsToSingle((uint)source[j] << 16);
                target[j] = beta == 0 ? p : p + beta * target[j];
            }
        }
    }
}
