using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using PSCharRnn.Numerics;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

/// <summary>
/// Every matrix-product plan this machine can run (each backend; the module's kernels on one thread and split) against
/// libtorch's own product, in double precision: every tile edge, both transposes, padded leading dimensions, alpha and
/// beta, the model's shapes; single and double precision. And how a plan is chosen by measurement and kept.
/// </summary>
public unsafe class MatrixProductTests
{
    /// <summary>Every tile edge (each count of rows left after whole tiles of 6 or 8), both transposes, padded leading dimensions, the model's shapes (the bf16 tests use them too).</summary>
    internal static readonly (int M, int N, int K, bool TransposeA, bool TransposeB, int Padding)[] Shapes =
    {
        (1, 1, 1, false, false, 0),
        (7, 33, 5, true, false, 3),
        (9, 31, 17, false, true, 1),
        (8, 32, 256, true, true, 0),
        (15, 64, 40, true, true, 5),
        (32, 256, 256, false, false, 0),
        (32, 1024, 256, false, true, 0),
        (37, 1027, 256, false, true, 2),
        (1027, 256, 300, true, false, 0),
        (1120, 1027, 256, false, false, 0),
        (1120, 256, 1027, false, true, 2),
        (1027, 256, 1120, true, false, 0),
        (6, 40, 0, false, false, 1),
        (12, 16, 3, false, false, 0),
        (11, 40, 9, true, false, 1),
        (26, 48, 33, false, true, 0),
    };

    public static IEnumerable<object[]> Cases() =>
        from plan in Gemm.Plans
        from shape in Shapes
        from dtype in new[] { ScalarType.Float32, ScalarType.Float64 }
        select new object[] { plan.ToString(), shape.M, shape.N, shape.K, shape.TransposeA, shape.TransposeB, shape.Padding, dtype };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ProductsEqualLibtorchs(string planName, int m, int n, int k, bool transposeA, bool transposeB, int padding, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var plan = GemmPlan.Parse(planName);
        var generator = new Generator(42);
        var (storedA, a) = Matrix(transposeA ? k : m, transposeA ? m : k, padding, generator, dtype);
        var (storedB, b) = Matrix(transposeB ? n : k, transposeB ? k : n, padding, generator, dtype);
        var (storedC, c) = Matrix(m, n, padding, generator, dtype);
        var opA = (transposeA ? a.t() : a).to(float64);
        var opB = (transposeB ? b.t() : b).to(float64);
        // Held for the call: a Scalar made for one call may be finalized while libtorch reads it (see InteropTests).
        using Scalar alpha = 0.75, beta = 0.5, one = 1;
        var expected = opA.mm(opB).mul(alpha).add(c.to(float64).mul(beta), one);

        Multiply(plan, dtype, transposeA, transposeB, m, n, k, 0.75, storedA, storedB, 0.5, storedC);
        AssertClose(expected, c, k, dtype);
        if (padding > 0) Assert.True(storedC.narrow(1, n, padding).isfinite().all().item<bool>());

        // beta = 0 must not read C: NaNs there stay out of the result.
        storedC.fill_(double.NaN);
        Multiply(plan, dtype, transposeA, transposeB, m, n, k, 1, storedA, storedB, 0, storedC);
        AssertClose(opA.mm(opB), c, k, dtype);
    }

    private static void Multiply(GemmPlan plan, ScalarType dtype, bool transposeA, bool transposeB, int m, int n, int k,
        double alpha, Tensor a, Tensor b, double beta, Tensor c)
    {
        int lda = (int)a.shape[1], ldb = (int)b.shape[1], ldc = (int)c.shape[1];
        if (dtype == ScalarType.Float32)
            Gemm.Multiply(plan, transposeA, transposeB, m, n, k, (float)alpha, TensorMemory.Of<float>(a), lda,
                TensorMemory.Of<float>(b), ldb, (float)beta, TensorMemory.Of<float>(c), ldc);
        else
            Gemm.Multiply(plan, transposeA, transposeB, m, n, k, alpha, TensorMemory.Of<double>(a), lda,
                TensorMemory.Of<double>(b), ldb, beta, TensorMemory.Of<double>(c), ldc);
    }

    /// <summary>
    /// A row of C is the same bits whether it falls in a whole tile or among the rows left over, on each kernel of the
    /// module: the generator's one row and a training batch's rows must agree, and a run must not depend on its batch size.
    /// </summary>
    public static IEnumerable<object[]> OwnPlans() =>
        Gemm.Plans.Where(p => p.Backend is GemmBackend.Avx512 or GemmBackend.Avx2 or GemmBackend.Portable).Select(p => new object[] { p.ToString() });

    [Theory]
    [MemberData(nameof(OwnPlans))]
    public void ARowsResultDoesNotDependOnTheRowsBesideIt(string planName)
    {
        using var scope = NewDisposeScope();
        var plan = GemmPlan.Parse(planName);
        var generator = new Generator(7);
        const int n = 70, k = 300;
        var a = randn(new long[] { 17, k }, generator: generator);
        var b = randn(new long[] { k, n }, generator: generator);
        var all = zeros(17, n);
        Multiply(plan, ScalarType.Float32, false, false, 17, n, k, 1, a, b, 0, all);
        for (int first = 0; first < 17; first++)
            for (int rows = 1; first + rows <= 17; rows++)
            {
                var some = zeros(rows, n);
                Multiply(plan, ScalarType.Float32, false, false, rows, n, k, 1, a.narrow(0, first, rows).contiguous(), b, 0, some);
                Assert.True(some.eq(all.narrow(0, first, rows)).all().item<bool>(), $"rows {first}..{first + rows - 1} alone differ from the same rows among 17");
            }
    }

    [Fact]
    public void TheMachineRunsThePortableKernelAndTheOthersWhereItCan()
    {
        Assert.Contains(GemmBackend.Portable, Gemm.Available);
        Assert.Equal(Avx512F.IsSupported, Gemm.Available.Contains(GemmBackend.Avx512));
        Assert.Equal(Avx2.IsSupported && Fma.IsSupported, Gemm.Available.Contains(GemmBackend.Avx2));
        Assert.Equal(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, Gemm.Available.Contains(GemmBackend.Mkl));
        Assert.Equal(Gemm.Available.Count(b => b is GemmBackend.Avx512 or GemmBackend.Avx2 or GemmBackend.Portable) * 2 + (Gemm.Available.Contains(GemmBackend.Mkl) ? 1 : 0), Gemm.Plans.Count);
        Assert.DoesNotContain(Gemm.Plans, p => Gemm.IsBf16(p.Backend));
    }

    [Fact]
    public void PSCHARRNN_GEMM_ForcesABackendOrSaysWhatItCanBe()
    {
        Assert.Equal(GemmBackend.Portable, Gemm.Choose("portable"));
        Assert.Equal(GemmBackend.Portable, Gemm.Choose("PORTABLE"));
        Assert.Null(Gemm.Choose(null));
        Assert.Null(Gemm.Choose(""));
        var unknown = Assert.Throws<PSCharRnnException>(() => Gemm.Choose("openblas"));
        Assert.Equal("GemmBackendUnknown", unknown.ErrorId);
        Assert.Equal("openblas", unknown.Target);
        Assert.Contains("mkl, avx512, avx2, portable", unknown.Message);
        Assert.Equal("GemmBackendUnknown", Assert.Throws<PSCharRnnException>(() => Gemm.Choose("7")).ErrorId);
        if (Avx512F.IsSupported) Assert.Equal(GemmBackend.Avx512, Gemm.Choose("avx512"));
        else Assert.Equal("GemmBackendUnavailable", Assert.Throws<PSCharRnnException>(() => Gemm.Choose("avx512")).ErrorId);
        if (Avx2.IsSupported && Fma.IsSupported) Assert.Equal(GemmBackend.Avx2, Gemm.Choose("avx2"));
    }

    // A [rows, columns] matrix stored with `padding` extra columns a row (a leading dimension larger than its width).
    private static (Tensor Stored, Tensor View) Matrix(int rows, int columns, int padding, Generator generator, ScalarType dtype)
    {
        var stored = randn(new long[] { rows, columns + padding }, dtype, generator: generator);
        return (stored, stored.narrow(1, 0, columns));
    }

    // Sums of k products of N(0, 1) factors: errors grow like √k times the type's epsilon.
    private static void AssertClose(Tensor expected, Tensor actual, int k, ScalarType dtype)
    {
        double tolerance = (dtype == ScalarType.Float32 ? 1e-5 : 1e-13) * Math.Sqrt(Math.Max(k, 1)) * 4;
        double error = expected.sub(actual.to(float64)).abs().max().item<double>();
        Assert.True(error <= tolerance, $"largest error {error:G3} exceeds {tolerance:G3}");
    }
}
