using System.Numerics;
using System.Runtime.CompilerServices;

namespace PSCharRnn.Numerics;

/// <summary>A single-precision function computed lane by lane, for <see cref="Elementwise"/>'s loop.</summary>
internal interface IVectorFunction
{
    static abstract Vector<float> Invoke(Vector<float> x);
}

/// <summary>e^x; +∞ above ln(float.MaxValue), 0 below the smallest subnormal's log, NaN for NaN.</summary>
internal readonly struct ExpFunction : IVectorFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Invoke(Vector<float> x)
    {
        // e^x = 2^n · e^u; 2^n is applied in two halves so that no factor leaves the normal range (n reaches −150).
        var (expM1, n) = VectorMath.Reduce(VectorMath.Smaller(VectorMath.Larger(x, new Vector<float>(VectorMath.ExpLowest)), new Vector<float>(VectorMath.ExpHighest)));
        var half = Vector.ShiftRightArithmetic(n, 1);
        var result = (expM1 + Vector<float>.One) * VectorMath.PowerOfTwo(half) * VectorMath.PowerOfTwo(n - half);
        return VectorMath.KeepNaN(x, result);
    }
}

/// <summary>tanh x = |z / (z + 2)| with z = e^(−2|x|) − 1 computed without cancellation, signed as x.</summary>
internal readonly struct TanhFunction : IVectorFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Invoke(Vector<float> x)
    {
        var y = VectorMath.Smaller(Vector.Abs(x), new Vector<float>(VectorMath.TanhSaturation));
        var (expM1, n) = VectorMath.Reduce(new Vector<float>(-2f) * y);
        var power = VectorMath.PowerOfTwo(n);                              // e^(−2y) − 1 = 2^n·(e^u − 1) + (2^n − 1)
        var z = power * expM1 + (power - Vector<float>.One);
        var magnitude = Vector.Abs(z / (z + new Vector<float>(2f)));
        var signed = Vector.AsVectorSingle(Vector.AsVectorUInt32(magnitude) | (Vector.AsVectorUInt32(x) & new Vector<uint>(0x8000_0000)));
        return VectorMath.KeepNaN(x, signed);
    }
}

/// <summary>σ(x) = 1 / (1 + e^(−x)) for x ≥ 0 and e^x / (1 + e^x) below, so that e^(−x) never overflows and σ keeps its tiny values.</summary>
internal readonly struct SigmoidFunction : IVectorFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Invoke(Vector<float> x)
    {
        var e = ExpFunction.Invoke(-Vector.Abs(x));
        var reciprocal = Vector<float>.One / (Vector<float>.One + e);
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), e * reciprocal, reciprocal);
    }
}

/// <summary>The shared steps of the functions above. Constants are built where they are used, so that the JIT keeps them in registers.</summary>
internal static class VectorMath
{
    internal const float ExpLowest = -104f, ExpHighest = 89f, TanhSaturation = 9f;
    private const float Log2E = 1.442695041f, RoundingShift = 12_582_912f;                // 1.5·2^23
    private const float Ln2High = 0.693359375f, Ln2Low = -2.121944400546905828e-4f;      // ln 2 = High + Low, High·n exact

    /// <summary>
    /// x = n·ln 2 + u with n = round(x / ln 2), |u| ≤ ln 2 / 2 (|x| below 2^21); returns e^u − 1 from its Taylor series to
    /// u^7/7!, whose truncation error (below 6e-9 of e^u) is under half a float's ulp, and n.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector<float> ExpM1, Vector<int> N) Reduce(Vector<float> x)
    {
        var shift = new Vector<float>(RoundingShift);
        var shifted = x * new Vector<float>(Log2E) + shift;                 // n in the low bits of the mantissa
        var n = Vector.AsVectorInt32(shifted) - Vector.AsVectorInt32(shift);
        var nf = shifted - shift;
        var u = x - nf * new Vector<float>(Ln2High) - nf * new Vector<float>(Ln2Low);
        var tail = new Vector<float>(1f / 5040) * u + new Vector<float>(1f / 720);
        tail = tail * u + new Vector<float>(1f / 120);
        tail = tail * u + new Vector<float>(1f / 24);
        tail = tail * u + new Vector<float>(1f / 6);
        tail = tail * u + new Vector<float>(1f / 2);
        return (u * u * tail + u, n);
    }

    /// <summary>2^n as a float, for n in [−126, 127].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> PowerOfTwo(Vector<int> n) => Vector.AsVectorSingle(Vector.ShiftLeft(n + new Vector<int>(127), 23));

    /// <summary>
    /// The larger of a and b in each lane, b where they are equal or either is NaN: the processor's own max. Vector.Max
    /// orders NaN and signed zeros as IEEE 754:2019 does (.NET 9 on), which without AVX-512 costs several instructions a
    /// lane; every caller here deals with NaN itself, and a zero's sign changes none of their results.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<T> Larger<T>(Vector<T> a, Vector<T> b) where T : unmanaged => Vector.ConditionalSelect(Vector.GreaterThan(a, b), a, b);

    /// <summary>The smaller of a and b in each lane, b where they are equal or either is NaN (see <see cref="Larger{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<T> Smaller<T>(Vector<T> a, Vector<T> b) where T : unmanaged => Vector.ConditionalSelect(Vector.LessThan(a, b), a, b);

    /// <summary>The result where x is a number, x (NaN) where it is not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> KeepNaN(Vector<float> x, Vector<float> result) => Vector.ConditionalSelect(Vector.Equals(x, x), result, x);
}
