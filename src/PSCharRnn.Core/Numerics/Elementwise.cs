using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PSCharRnn.Numerics;

/// <summary>
/// The element-wise passes of the hand-written recurrences, the loss and clipping: activations, arithmetic and sums
/// over spans. Every method is compiled optimized at its first call (AggressiveOptimization), so a fresh process's
/// first epochs do not run unoptimized tier-0 loops while the tiered JIT catches up. The loops run on
/// <see cref="Vector{T}"/> at the processor's preferred width; single precision's functions compute every element,
/// the tail's too, with the same vector code, so a value depends neither on its position nor on the vector width.
/// Double precision (models built for testing) takes the functions from the runtime's scalar maths.
/// </summary>
public static class Elementwise
{
    /// <summary>destination = tanh(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Map<TanhFunction>(Single(x), Single(destination));
        else for (int i = 0; i < x.Length; i++) destination[i] = T.Tanh(x[i]);
    }

    /// <summary>destination = 1 / (1 + exp(−x)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) Map<SigmoidFunction>(Single(x), Single(destination));
        else for (int i = 0; i < x.Length; i++) destination[i] = T.One / (T.One + T.Exp(-x[i]));
    }

    /// <summary>destination = x + y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = Vectors(x, destination);
        var ys = Vectors(y, destination);
        var ds = Vectors(destination);
        for (int i = 0; i < ds.Length; i++) ds[i] = xs[i] + ys[i];
        for (int i = ds.Length * Vector<T>.Count; i < destination.Length; i++) destination[i] = x[i] + y[i];
    }

    /// <summary>destination = x − y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Subtract<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = Vectors(x, destination);
        var ys = Vectors(y, destination);
        var ds = Vectors(destination);
        for (int i = 0; i < ds.Length; i++) ds[i] = xs[i] - ys[i];
        for (int i = ds.Length * Vector<T>.Count; i < destination.Length; i++) destination[i] = x[i] - y[i];
    }

    /// <summary>destination = x ⊙ y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = Vectors(x, destination);
        var ys = Vectors(y, destination);
        var ds = Vectors(destination);
        for (int i = 0; i < ds.Length; i++) ds[i] = xs[i] * ys[i];
        for (int i = ds.Length * Vector<T>.Count; i < destination.Length; i++) destination[i] = x[i] * y[i];
    }

    /// <summary>destination = x ⊙ y + z, rounded after the product and after the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> z, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = Vectors(x, destination);
        var ys = Vectors(y, destination);
        var zs = Vectors(z, destination);
        var ds = Vectors(destination);
        for (int i = 0; i < ds.Length; i++) ds[i] = xs[i] * ys[i] + zs[i];
        for (int i = ds.Length * Vector<T>.Count; i < destination.Length; i++) destination[i] = x[i] * y[i] + z[i];
    }

    /// <summary>
    /// destination = g ⊙ (1 − y²) for the gradient g of tanh's output y, computed as g − (g ⊙ y) ⊙ y, in one pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TanhGradient<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gs = Vectors(g, destination);
        var ys = Vectors(y, destination);
        var ds = Vectors(destination);
        for (int i = 0; i < ds.Length; i++) ds[i] = gs[i] - gs[i] * ys[i] * ys[i];
        for (int i = ds.Length * Vector<T>.Count; i < destination.Length; i++) destination[i] = g[i] - g[i] * y[i] * y[i];
    }

    /// <summary>
    /// destination = x + y; returns destination's largest element, NaN if any is NaN (a diverged model's logits must
    /// stay visible).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T AddAndMax<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) throw new ArgumentException("The maximum of no elements is undefined.", nameof(x));
        var xs = Vectors(x, destination);
        var ys = Vectors(y, destination);
        var ds = Vectors(destination);
        var largest = new Vector<T>(T.NegativeInfinity);
        var unordered = Vector<T>.Zero;                                    // all bits set in a lane that saw a NaN
        for (int i = 0; i < ds.Length; i++)
        {
            var sum = xs[i] + ys[i];
            ds[i] = sum;
            largest = VectorMath.Larger(sum, largest);
            unordered |= ~Vector.Equals(sum, sum);
        }
        T max = T.NegativeInfinity;
        for (int j = 0; j < Vector<T>.Count; j++) max = T.Max(max, largest[j]);
        for (int i = ds.Length * Vector<T>.Count; i < destination.Length; i++)
        {
            destination[i] = x[i] + y[i];
            max = T.Max(max, destination[i]);                             // T.Max returns a NaN it meets
        }
        return Vector.AsVectorByte(unordered) != Vector<byte>.Zero ? T.NaN : max;
    }

    /// <summary>destination = exp(x − shift); returns the sum of destination, summed as <see cref="Sum{T}"/> sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T ExpAndSum<T>(ReadOnlySpan<T> x, T shift, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return T.CreateTruncating(ExpAndSum(Single(x), float.CreateTruncating(shift), Single(destination)));
        if (x.Length != destination.Length) throw new ArgumentException($"Spans of {x.Length} and {destination.Length} elements.", nameof(destination));
        for (int i = 0; i < x.Length; i++) destination[i] = T.Exp(x[i] - shift);
        return Sum<T>(destination);
    }

    // The tail goes through a vector of its own, as in Map, so every element gets the same code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ExpAndSum(ReadOnlySpan<float> x, float shift, Span<float> destination)
    {
        var xs = Vectors(x, destination);
        var ds = Vectors(destination);
        var shifts = new Vector<float>(shift);
        var sums = Vector<float>.Zero;
        for (int i = 0; i < ds.Length; i++)
        {
            var e = ExpFunction.Invoke(xs[i] - shifts);
            ds[i] = e;
            sums += e;
        }
        float sum = Vector.Sum(sums);
        int done = ds.Length * Vector<float>.Count;
        if (done == x.Length) return sum;
        Span<float> tail = stackalloc float[Vector<float>.Count];
        tail.Clear();
        for (int i = done; i < x.Length; i++) tail[i - done] = x[i] - shift;
        ExpFunction.Invoke(new Vector<float>(tail)).CopyTo(tail);
        for (int i = done; i < x.Length; i++)
        {
            destination[i] = tail[i - done];
            sum += destination[i];
        }
        return sum;
    }

    /// <summary>
    /// x = x / y, with every quotient below the smallest normal number set to zero: such a value changes no sum it
    /// enters by a representable amount, and products that read subnormal numbers run several times slower on some
    /// processors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DivideAndFlush<T>(Span<T> x, T y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T smallest = typeof(T) == typeof(float)
            ? T.CreateTruncating(BitConverter.Int32BitsToSingle(0x0080_0000))
            : T.CreateTruncating(BitConverter.Int64BitsToDouble(0x0010_0000_0000_0000));
        var xs = Vectors(x);
        var (ys, smallestVector) = (new Vector<T>(y), new Vector<T>(smallest));
        for (int i = 0; i < xs.Length; i++)
        {
            var quotient = xs[i] / ys;
            xs[i] = Vector.ConditionalSelect(Vector.LessThan(quotient, smallestVector), Vector<T>.Zero, quotient);
        }
        for (int i = xs.Length * Vector<T>.Count; i < x.Length; i++)
        {
            T quotient = x[i] / y;
            x[i] = quotient < smallest ? T.Zero : quotient;
        }
    }

    /// <summary>The sum of x (in vector-width partial sums, then across them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = Vectors(x);
        var sums = Vector<T>.Zero;
        for (int i = 0; i < xs.Length; i++) sums += xs[i];
        T sum = Vector.Sum(sums);
        for (int i = xs.Length * Vector<T>.Count; i < x.Length; i++) sum += x[i];
        return sum;
    }

    /// <summary>Whether every element of x is zero (of either sign).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsZero<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = Vectors(x);
        for (int i = 0; i < xs.Length; i++)
            if (!Vector.EqualsAll(xs[i], Vector<T>.Zero)) return false;
        for (int i = xs.Length * Vector<T>.Count; i < x.Length; i++)
            if (x[i] != T.Zero) return false;
        return true;
    }

    /// <summary>The sum of x ⊙ x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = Vectors(x);
        var sums = Vector<T>.Zero;
        for (int i = 0; i < xs.Length; i++) sums += xs[i] * xs[i];
        T sum = Vector.Sum(sums);
        for (int i = xs.Length * Vector<T>.Count; i < x.Length; i++) sum += x[i] * x[i];
        return sum;
    }

    // The whole vectors of a span (its first Length / Count · Count elements); with a destination, checked against it.
    private static ReadOnlySpan<Vector<T>> Vectors<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged
    {
        if (x.Length != destination.Length) throw new ArgumentException($"Spans of {x.Length} and {destination.Length} elements.", nameof(destination));
        return Vectors(x);
    }

    private static ReadOnlySpan<Vector<T>> Vectors<T>(ReadOnlySpan<T> x) where T : unmanaged =>
        MemoryMarshal.Cast<T, Vector<T>>(x[..(x.Length - x.Length % Vector<T>.Count)]);

    private static Span<Vector<T>> Vectors<T>(Span<T> x) where T : unmanaged =>
        MemoryMarshal.Cast<T, Vector<T>>(x[..(x.Length - x.Length % Vector<T>.Count)]);

    private static ReadOnlySpan<float> Single<T>(ReadOnlySpan<T> x) where T : unmanaged => MemoryMarshal.Cast<T, float>(x);

    private static Span<float> Single<T>(Span<T> x) where T : unmanaged => MemoryMarshal.Cast<T, float>(x);

    // One function over every element, the tail through a vector of its own so it gets the same code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Map<TFunction>(ReadOnlySpan<float> x, Span<float> destination) where TFunction : IVectorFunction
    {
        var xs = Vectors(x, destination);
        var ds = Vectors(destination);
        for (int i = 0; i < ds.Length; i++) ds[i] = TFunction.Invoke(xs[i]);
        int done = ds.Length * Vector<float>.Count;
        if (done == x.Length) return;
        Span<float> tail = stackalloc float[Vector<float>.Count];
        tail.Clear();
        x[done..].CopyTo(tail);
        TFunction.Invoke(new Vector<float>(tail)).CopyTo(tail);
        tail[..(x.Length - done)].CopyTo(destination[done..]);
    }
}
