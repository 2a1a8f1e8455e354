using System.Runtime.Intrinsics.X86;
using PSCharRnn.Native;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using PSCharRnn.Numerics;

namespace PSCharRnn.Tests;

/// <summary>
/// The products the recurrences and the loss make through <see cref="Blas"/> (the AVX-512 kernel on this machine's
/// AMD EPYC, MKL elsewhere) against libtorch's own, in double precision: every tile edge (8 rows, 32 columns), both
/// transposes, padded leading dimensions, alpha and beta, the model's shapes and one above the kernel's parallel threshold.
/// </summary>
public unsafe class MatrixProductTests
{
    [Theory]
    [InlineData(1, 1, 1, false, false, 0)]
    [InlineData(7, 33, 5, true, false, 3)]
    [InlineData(9, 31, 17, false, true, 1)]
    [InlineData(8, 32, 256, true, true, 0)]
    [InlineData(15, 64, 40, true, true, 5)]
    [InlineData(32, 256, 256, false, false, 0)]
    [InlineData(32, 1024, 256, false, true, 0)]
    [InlineData(37, 1027, 256, false, true, 2)]
    [InlineData(1027, 256, 300, true, false, 0)]
    [InlineData(1120, 1027, 256, false, false, 0)]
    [InlineData(6, 40, 0, false, false, 1)]
    public void SinglePrecisionProductsEqualLibtorchs(int m, int n, int k, bool transposeA, bool transposeB, int padding)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(42);
        var (storedA, a) = Matrix(transposeA ? k : m, transposeA ? m : k, padding, generator);
        var (storedB, b) = Matrix(transposeB ? n : k, transposeB ? k : n, padding, generator);
        var (storedC, c) = Matrix(m, n, padding, generator);
        var opA = (transposeA ? a.t() : a).to(float64);
        var opB = (transposeB ? b.t() : b).to(float64);
        var expected = opA.mm(opB).mul(0.75).add(c.to(float64).mul(0.5));

        Blas.Gemm(transposeA, transposeB, m, n, k, 0.75f, TensorMemory.Of<float>(storedA), (int)storedA.shape[1],
            TensorMemory.Of<float>(storedB), (int)storedB.shape[1], 0.5f, TensorMemory.Of<float>(storedC), (int)storedC.shape[1]);

        AssertClose(expected, c, k);
        if (padding > 0) Assert.True(storedC.narrow(1, n, padding).isfinite().all().item<bool>());

        // beta = 0 must not read C: NaNs there stay out of the result.
        storedC.fill_(float.NaN);
        Blas.Gemm(transposeA, transposeB, m, n, k, 1f, TensorMemory.Of<float>(storedA), (int)storedA.shape[1],
            TensorMemory.Of<float>(storedB), (int)storedB.shape[1], 0f, TensorMemory.Of<float>(storedC), (int)storedC.shape[1]);
        AssertClose(opA.mm(opB), c, k);
    }

    [Fact]
    public void TheKernelRunsWhereTheProcessorHasAvx512AndRefusesElsewhere()
    {
        using var scope = NewDisposeScope();
        var a = randn(19, 70);
        var b = randn(70, 45);
        var c = empty(19, 45);
        void Multiply() => Avx512Gemm.Multiply(19, 45, 70, 1f, TensorMemory.Of<float>(a), 70, 1, TensorMemory.Of<float>(b), false, 45, 0f, TensorMemory.Of<float>(c), 45);
        if (!Avx512F.IsSupported)
        {
            Assert.False(Avx512Gemm.IsUsed);
            Assert.Throws<PlatformNotSupportedException>(Multiply);
            return;
        }
        Multiply();
        AssertClose(a.to(float64).mm(b.to(float64)), c, 70);
    }

    // A [rows, columns] matrix stored with `padding` extra columns a row (a leading dimension larger than its width).
    private static (Tensor Stored, Tensor View) Matrix(int rows, int columns, int padding, Generator generator)
    {
        var stored = randn(new long[] { rows, columns + padding }, generator: generator);
        return (stored, stored.narrow(1, 0, columns));
    }

    // Float32 sums of k products of N(0, 1) factors: errors grow like √k times the epsilon.
    private static void AssertClose(Tensor expected, Tensor actual, int k)
    {
        double tolerance = 1e-5 * Math.Sqrt(Math.Max(k, 1)) * 4;
        double error = expected.sub(actual.to(float64)).abs().max().item<double>();
        Assert.True(error <= tolerance, $"largest error {error:G3} exceeds {tolerance:G3}");
    }
}
