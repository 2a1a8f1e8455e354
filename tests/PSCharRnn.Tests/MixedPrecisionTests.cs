using PSCharRnn.Model;
using PSCharRnn.Numerics;
using PSCharRnn.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

/// <summary>
/// -Precision Mixed: bfloat16 rounding, MKL's and libtorch's bf16 products against a double-precision product of the
/// rounded inputs (where the processor has bf16 arithmetic), which products may run in bf16, and what the loss node does
/// with it.
/// </summary>
public unsafe class MixedPrecisionTests
{
    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.5f, 0xC020)]
    [InlineData(1.00390625f, 0x3F80)]       // 1 + 2^-8: halfway between 0x3F80 and 0x3F81, to the even one
    [InlineData(1.01171875f, 0x3F82)]       // 1 + 3·2^-8: halfway between 0x3F81 and 0x3F82, to the even one
    [InlineData(1.0039064f, 0x3F81)]        // one float above halfway: up
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(float.MaxValue, 0x7F80)]    // rounds past the largest bfloat16
    [InlineData(1e-40f, 0x0001)]            // a subnormal keeps its top bits
    public void RoundsToTheNearestBfloat16TiesToEven(float value, int expected) =>
        Assert.Equal((ushort)expected, Bf16Gemm.Round(BitConverter.SingleToUInt32Bits(value)));

    [Fact]
    public void ANaNStaysANaNAndEveryVectorLaneRoundsAsOneValueDoes()
    {
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle((uint)Bf16Gemm.Round(0x7F80_0001u) << 16)));
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle((uint)Bf16Gemm.Round(0xFFFF_FFFFu) << 16)));
        var random = new Random(7);
        var values = Enumerable.Range(0, 1000).Select(i => i % 97 == 0 ? float.NaN : (float)(random.NextDouble() - 0.5) * MathF.Pow(2, random.Next(-60, 60))).ToArray();
        var rounded = new ushort[values.Length];
        fixed (float* source = values)
        fixed (ushort* target = rounded)
            Bf16Gemm.Round(source, 10, 97, 100, target);   // 10 rows of 97 of every 100: vectors, the scalar tail, a stride
        for (int r = 0; r < 10; r++)
            for (int j = 0; j < 97; j++)
                Assert.Equal(Bf16Gemm.Round(BitConverter.SingleToUInt32Bits(values[r * 100 + j])), rounded[r * 97 + j]);
    }

    [Fact]
    public void MixedPrecisionAddsBf16ToTheSingleCandidatesOnlyWhereTheMachineCanRunIt()
    {
        var full = Gemm.Candidates<float>();
        var mixed = Gemm.Candidates<float>(Precision.Mixed);
        Assert.DoesNotContain(full, p => Gemm.IsBf16(p.Backend));
        Assert.Equal(Gemm.Candidates<double>(), Gemm.Candidates<double>(Precision.Mixed));
        var bf16 = Gemm.Available.Where(Gemm.IsBf16).Select(b => new GemmPlan(b, true));
        if (Gemm.MixedUnavailable is null)
            Assert.Equal(full.Concat(bf16), mixed);
        else
            Assert.Equal(full, mixed);
        Assert.Equal(Gemm.IsAvailable(GemmBackend.MklBf16), Bf16Gemm.Unavailable is null);
        Assert.Equal(Gemm.IsAvailable(GemmBackend.TorchBf16), Bf16Gemm.ProcessorUnavailable is null);
        Assert.Equal(Gemm.MixedUnavailable is null, Gemm.Available.Any(Gemm.IsBf16));
    }

    public static IEnumerable<object[]> Shapes() =>
        from backend in new[] { GemmBackend.MklBf16, GemmBackend.TorchBf16 }
        from shape in MatrixProductTests.Shapes
        select new object[] { backend, shape.M, shape.N, shape.K, shape.TransposeA, shape.TransposeB, shape.Padding };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bf16ProductsEqualAProductOfTheRoundedInputs(GemmBackend backend, int m, int n, int k, bool transposeA, bool transposeB, int padding)
    {
        if (!Gemm.IsAvailable(backend))
        {
            Assert.NotNull(backend == GemmBackend.MklBf16 ? Bf16Gemm.Unavailable : TorchBf16Gemm.Unavailable);
            return;
        }
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        var storedA = randn(transposeA ? k : m, (transposeA ? m : k) + padding, generator: generator);
        var storedB = randn(transposeB ? n : k, (transposeB ? k : n) + padding, generator: generator);
        var storedC = randn(m, n + padding, generator: generator);
        Tensor Op(Tensor stored, bool transpose, int columns) => (transpose ? stored.narrow(1, 0, columns).t() : stored.narrow(1, 0, columns)).to(bfloat16).to(float64);
        var product = Op(storedA, transposeA, transposeA ? m : k).mm(Op(storedB, transposeB, transposeB ? k : n)).mul(0.75);
        var expected = product.add(storedC.narrow(1, 0, n).to(float64).mul(0.5));
        Gemm.Multiply(new GemmPlan(backend, true), transposeA, transposeB, m, n, k, 0.75f, TensorMemory.Of<float>(storedA), (int)storedA.shape[1],
            TensorMemory.Of<float>(storedB), (int)storedB.shape[1], 0.5f, TensorMemory.Of<float>(storedC), (int)storedC.shape[1]);
        // Products of bfloat16 values are exact in float32: what is left is float32 summation and, from libtorch, the
        // product's one rounding to bfloat16 (half a unit in its 8th bit).
        double rounding = backend == GemmBackend.TorchBf16 ? Math.Pow(2, -8) : 0;
        var allowed = product.abs().mul(rounding).add(4e-5 * Math.Sqrt(k));
        var error = expected.sub(storedC.narrow(1, 0, n).to(float64)).abs();
        Assert.True(error.le(allowed).all().item<bool>(), $"largest error {error.max().item<double>():G3}, largest allowed {allowed.max().item<double>():G3}");
        if (padding > 0) Assert.True(storedC.narrow(1, n, padding).isfinite().all().item<bool>());
    }

    public static IEnumerable<object[]> SharedShapes() =>
        from shape in MatrixProductTests.Shapes
        select new object[] { shape.M, shape.N, shape.K, shape.TransposeA, shape.TransposeB, shape.Padding };

    [Theory]
    [MemberData(nameof(SharedShapes))]
    public void SharedOperandsGiveEveryPlanTheProductOfTheirAddressesAgainAndAgain(int m, int n, int k, bool transposeA, bool transposeB, int padding)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(13);
        var storedA = randn(transposeA ? k : m, (transposeA ? m : k) + padding, generator: generator);
        var storedB = randn(transposeB ? n : k, (transposeB ? k : n) + padding, generator: generator);
        float* a = TensorMemory.Of<float>(storedA), b = TensorMemory.Of<float>(storedB);
        int lda = (int)storedA.shape[1], ldb = (int)storedB.shape[1];
        using var sharedA = new SharedOperand<float>(a, (int)storedA.shape[0], lda - padding, lda);
        using var sharedB = new SharedOperand<float>(b, (int)storedB.shape[0], ldb - padding, ldb);
        foreach (var plan in Gemm.Plans.Concat(Gemm.Available.Where(Gemm.IsBf16).SelectMany(GemmPlan.Of)))
        {
            var expected = full(m, n, float.NaN);
            Gemm.Multiply(plan, transposeA, transposeB, m, n, k, 0.75f, a, lda, b, ldb, 0f, TensorMemory.Of<float>(expected), n);
            for (int use = 0; use < 2; use++)   // the second use reads what the first rounded
            {
                var product = full(m, n, float.NaN);
                Gemm.Multiply(plan, transposeA, transposeB, m, n, k, 0.75f, sharedA, sharedB, 0f, TensorMemory.Of<float>(product), n);
                Assert.True(product.eq(expected).all().item<bool>(), $"{plan}, use {use + 1}: largest difference {product.sub(expected).abs().max().item<float>():G3}");
            }
        }
    }

    [Fact]
    public void TheLossNodeRunsItsThreeProductsAmongTheMixedCandidatesAndStaysCloseToFullPrecision()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        int rows = 70, width = 24, classes = 41;
        var hidden = randn(rows, width, generator: generator).requires_grad_();
        var wHq = randn(width, classes, generator: generator).mul_(0.3).requires_grad_();
        var bQ = zeros(classes).requires_grad_();
        var targets = randint(classes, rows, generator: generator);
        var results = new List<(double Loss, Tensor GradHidden, Tensor GradW)>();
        foreach (var precision in new[] { Precision.Full, Precision.Mixed })
        {
            foreach (var p in new[] { hidden, wHq, bQ }) p.grad?.zero_();
            var loss = SoftmaxCrossEntropy.Mean(hidden, wHq, bQ, targets, new LossTerms(0, precision));
            loss.backward();
            results.Add((loss.item<float>(), hidden.grad!.clone(), wHq.grad!.clone()));
        }
        var candidates = Gemm.Candidates<float>(Precision.Mixed);
        foreach (var shape in SoftmaxCrossEntropy.Products<float>(rows, width, classes, Precision.Mixed))
            Assert.NotNull(GemmPlanner.Default.Chosen(shape, candidates));
        Assert.Equal(results[0].Loss, results[1].Loss, 2e-2);
        Assert.True(results[0].GradHidden.allclose(results[1].GradHidden, rtol: 0.05, atol: 1e-4));
        Assert.True(results[0].GradW.allclose(results[1].GradW, rtol: 0.05, atol: 1e-4));
    }

    [Fact]
    public void ARunSaysWhichOutputProductsRunInBf16OrWhyNone()
    {
        using var scope = NewDisposeScope();
        var vocabulary = new Corpus.Vocabulary("abcdefgh".Select(c => c.ToString()));
        using var model = new ModelSettings { HiddenSize = 16 }.Create(vocabulary, 1, CPU);
        var options = new TrainingOptions { BatchSize = 4, NumSteps = 5, Precision = Precision.Mixed };
        Assert.Null(MixedPrecision.For(model, options with { Precision = Precision.Full }));
        var mixed = MixedPrecision.For(model, options)!;
        if (Gemm.MixedUnavailable is { } why)
        {
            Assert.Empty(mixed.Products);
            Assert.Equal(why, mixed.Float32Because);
            Assert.Contains("trains in float32", mixed.ToString());
            return;
        }
        Assert.Equal(SoftmaxCrossEntropy.Products<float>(20, 16, 8, Precision.Mixed), mixed.Products.Select(p => p.Shape));
        Assert.Equal(mixed.UsesBf16, mixed.Float32Because is null);
        Assert.Contains(mixed.UsesBf16 ? mixed.Products.First(p => Gemm.IsBf16(p.Plan.Backend)).Plan.ToString() + " (" : "measured faster", mixed.ToString());
    }
}
