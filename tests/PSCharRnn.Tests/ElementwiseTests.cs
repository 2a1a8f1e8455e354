using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using PSCharRnn.Numerics;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

/// <summary>
/// The element-wise kernels against libtorch's float64 functions and plain scalar arithmetic: the whole float range
/// with its edges (zeros, subnormals, saturation, infinities, NaN), every tail length, in place and not.
/// </summary>
public class ElementwiseTests
{
    private delegate void Function(ReadOnlySpan<float> x, Span<float> destination);

    public static TheoryData<string> Functions => new() { "tanh", "sigmoid", "exp" };

    private static Function Kernel(string name) => name switch
    {
        "tanh" => Elementwise.Tanh,
        "sigmoid" => Elementwise.Sigmoid,
        _ => (x, destination) => Elementwise.ExpAndSum(x, 0f, destination),
    };

    private static Tensor Reference(string name, Tensor x) => name switch
    {
        "tanh" => x.tanh(),
        "sigmoid" => x.sigmoid(),
        _ => x.exp(),
    };

    /// <summary>Dense over [−120, 120], then ±2^k for every k a float has (subnormals too), zeros, infinities and NaN.</summary>
    private static float[] Inputs()
    {
        var values = Enumerable.Range(-1_200_000, 2_400_001).Select(i => i * 1e-4f).ToList();
        for (int k = -149; k <= 127; k++)
            foreach (float m in new[] { 1f, 1.3f, 1.9999f }) values.AddRange(new[] { m * MathF.Pow(2, k), -m * MathF.Pow(2, k) });
        values.AddRange(new[] { 0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN });
        return values.ToArray();
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void FunctionsAreWithinAFewUnitsInTheLastPlaceOfLibtorchsFloat64(string name)
    {
        using var scope = NewDisposeScope();
        var x = Inputs();
        var got = new float[x.Length];
        Kernel(name)(x, got);
        var expected = Reference(name, tensor(x).to(float64)).data<double>().ToArray();
        double ulps = name == "exp" ? 1.5 : 3;                             // exp rounds once at the end; tanh and σ divide too
        for (int i = 0; i < x.Length; i++)
        {
            double e = expected[i];
            if (double.IsNaN(e)) { Assert.True(float.IsNaN(got[i]), $"{name}({x[i]:R}) = {got[i]:R}, expected NaN"); continue; }
            float rounded = (float)e;
            if (float.IsInfinity(rounded) || rounded == 0) { Assert.Equal(rounded, got[i]); continue; }
            // Float ulps of the exact value, or the spacing of subnormal floats where the result is one.
            double tolerance = ulps * Math.Max((double)MathF.BitIncrement(MathF.Abs(rounded)) - MathF.Abs(rounded), float.Epsilon);
            Assert.True(Math.Abs(got[i] - e) <= tolerance, $"{name}({x[i]:R}) = {got[i]:R}, expected {e:R}");
            if (name != "exp") Assert.Equal(Math.Sign(e), Math.Sign(got[i]));
        }
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void AnElementsValueDependsNeitherOnItsPlaceNorOnBeingComputedInPlace(string name)
    {
        var random = new Random(5);
        var pool = Enumerable.Range(0, 4 * Vector<float>.Count + 3).Select(_ => (float)(random.NextDouble() * 40 - 20)).ToArray();
        var alone = pool.Select(v => { var one = new float[1]; Kernel(name)(new[] { v }, one); return one[0]; }).ToArray();
        for (int length = 0; length <= pool.Length; length++)
        {
            var copy = pool[..length];
            var separate = new float[length];
            Kernel(name)(copy, separate);
            Kernel(name)(copy, copy);
            Assert.Equal(alone[..length], separate);
            Assert.Equal(alone[..length], copy);
        }
    }

    [Fact]
    public void DoublePrecisionFunctionsAreTheRuntimes()
    {
        var x = new[] { -30.0, -1.5, -1e-9, 0, 2e-300, 0.75, 12, double.NaN };
        var (tanh, sigmoid, exp) = (new double[x.Length], new double[x.Length], new double[x.Length]);
        Elementwise.Tanh<double>(x, tanh);
        Elementwise.Sigmoid<double>(x, sigmoid);
        Elementwise.ExpAndSum<double>(x, 0, exp);
        Assert.Equal(x.Select(Math.Tanh), tanh);
        Assert.Equal(x.Select(v => 1 / (1 + Math.Exp(-v))), sigmoid);
        Assert.Equal(x.Select(Math.Exp), exp);
    }

    [Fact]
    public void ArithmeticIsElementByElementScalarArithmeticAtEveryLength()
    {
        var random = new Random(9);
        for (int length = 0; length <= 3 * Vector<double>.Count * 2 + 1; length++)
        {
            Check(length, () => (float)(random.NextDouble() * 8 - 4));
            Check(length, () => random.NextDouble() * 8 - 4);
        }

        static void Check<T>(int length, Func<T> next) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] x = Enumerable.Range(0, length).Select(_ => next()).ToArray(), y = x.Select(_ => next()).ToArray(), z = x.Select(_ => next()).ToArray();
            T s = next() + T.CreateTruncating(5);
            var d = new T[length];
            Elementwise.Add<T>(x, y, d); Assert.Equal(x.Zip(y, (a, b) => a + b), d);
            Elementwise.Subtract<T>(x, y, d); Assert.Equal(x.Zip(y, (a, b) => a - b), d);
            Elementwise.Multiply<T>(x, y, d); Assert.Equal(x.Zip(y, (a, b) => a * b), d);
            Elementwise.MultiplyAdd<T>(x, y, z, d); Assert.Equal(x.Select((a, i) => a * y[i] + z[i]), d);
            Elementwise.TanhGradient<T>(x, y, d); Assert.Equal(x.Select((a, i) => a - a * y[i] * y[i]), d);
            var quotients = x.ToArray();
            T smallestNormal = typeof(T) == typeof(float) ? T.CreateTruncating(BitConverter.Int32BitsToSingle(0x0080_0000)) : T.CreateTruncating(BitConverter.Int64BitsToDouble(0x0010_0000_0000_0000));
            Elementwise.DivideAndFlush<T>(quotients, s); Assert.Equal(x.Select(a => a / s < smallestNormal ? T.Zero : a / s), quotients);
            T total = Elementwise.ExpAndSum<T>(x, s, d);
            Assert.Equal(Elementwise.Sum<T>(d), total);
            for (int i = 0; i < length; i++)   // each element as it comes out alone: the tail gets the vectors' code
            {
                var single = new T[1];
                Elementwise.ExpAndSum<T>(x.AsSpan(i, 1), s, single);
                Assert.Equal(single[0], d[i]);
            }
            if (typeof(T) == typeof(double)) Assert.Equal(x.Select(a => T.Exp(a - s)), d);
            var inPlace = x.ToArray();
            Elementwise.Add<T>(inPlace, y, inPlace); Assert.Equal(x.Zip(y, (a, b) => a + b), inPlace);

            double exactSum = x.Sum(double.CreateTruncating), exactSquares = x.Sum(v => double.CreateTruncating(v * v));
            double tolerance = typeof(T) == typeof(float) ? 1e-5 : 1e-12;
            Assert.InRange(double.CreateTruncating(Elementwise.Sum<T>(x)) - exactSum, -tolerance * length * 4, tolerance * length * 4);
            Assert.InRange(double.CreateTruncating(Elementwise.SumOfSquares<T>(x)) - exactSquares, -tolerance * exactSquares - 1e-30, tolerance * exactSquares + 1e-30);
            if (length > 0) Assert.Equal(x.Zip(y, (a, b) => a + b).Max(), Elementwise.AddAndMax<T>(x, y, d));
            Assert.Equal(x.Zip(y, (a, b) => a + b), d);
        }
    }

    [Fact]
    public void AddAndMaxIsNaNWhenAnyElementIsWhereverItStands()
    {
        for (int length = 1; length <= 3 * Vector<float>.Count + 1; length++)
            for (int at = 0; at < length; at++)
            {
                var x = Enumerable.Range(0, length).Select(i => (float)i).ToArray();
                x[at] = float.NaN;
                Assert.True(float.IsNaN(Elementwise.AddAndMax<float>(x, new float[length], new float[length])), $"NaN at {at} of {length}");
            }
        Assert.Throws<ArgumentException>(() => Elementwise.AddAndMax<float>(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, Span<float>.Empty));
    }

    [Fact]
    public void IsZeroFindsANonzeroElementWhereverItStands()
    {
        for (int length = 0; length <= 3 * Vector<float>.Count + 1; length++)
        {
            var zeros = Enumerable.Range(0, length).Select(i => i % 2 == 0 ? 0f : -0f).ToArray();
            Assert.True(Elementwise.IsZero<float>(zeros), $"{length} zeros of either sign");
            foreach (float value in new[] { float.Epsilon, -1f, float.NaN })
                for (int at = 0; at < length; at++)
                {
                    var x = zeros.ToArray();
                    x[at] = value;
                    Assert.False(Elementwise.IsZero<float>(x), $"{value} at {at} of {length}");
                }
        }
        Assert.False(Elementwise.IsZero<double>(new[] { 0.0, 0.0, 1e-300 }));
    }

    [Fact]
    public void SpansOfDifferentLengthsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => Elementwise.Add<float>(new float[9], new float[9], new float[8]));
        Assert.Throws<ArgumentException>(() => Elementwise.Tanh<float>(new float[9], new float[10]));
    }

    [Fact]
    public void DivideAndFlushZeroesOnlyWhatIsBelowTheSmallestNormalNumber()
    {
        float smallest = BitConverter.Int32BitsToSingle(0x0080_0000);
        var x = Enumerable.Range(0, 2 * Vector<float>.Count + 3).Select(i => i % 3 == 0 ? smallest / (i + 2) : smallest * (i + 1)).ToArray();
        var flushed = x.ToArray();
        Elementwise.DivideAndFlush(flushed, 1f);
        Assert.Equal(x.Select(v => v < smallest ? 0f : v), flushed);
    }

    [Fact]
    public void EveryKernelIsCompiledOptimizedAtItsFirstCall()
    {
        // Tier-0 code for these loops ran a fresh process's first epochs at half speed.
        var methods = typeof(Elementwise).GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly);
        Assert.NotEmpty(methods);
        Assert.All(methods, m => Assert.True(m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization), m.Name));
    }
}
