using static TorchSharp.torch;

namespace PSCharRnn.Numerics;

/// <summary>
/// A row-major matrix that feeds more than one product (the output layer's D feeds both dL/dH and dL/dW_hq): the
/// products whose plans run on libtorch's bf16 product round it once between them, on first need. Owns that rounding.
/// </summary>
public sealed unsafe class SharedOperand<T> : IDisposable where T : unmanaged
{
    private readonly int rows, columns;
    private Tensor? rounded, roundedTransposed;

    public SharedOperand(T* data, int rows, int columns, int stride)
    {
        Data = data;
        Stride = stride;
        (this.rows, this.columns) = (rows, columns);
    }

    public T* Data { get; }

    /// <summary>The row stride, in elements.</summary>
    public int Stride { get; }

    /// <summary>The matrix (or its transpose) rounded to bfloat16, made at the first call for it; single precision only.</summary>
    internal Tensor Bf16(bool transposed) => typeof(T) != typeof(float)
        ? throw new NotSupportedException("Only a single-precision matrix is rounded to bfloat16.")
        : transposed ? roundedTransposed ??= TorchBf16Gemm.Transposed(Bf16(transposed: false))
        : rounded ??= TorchBf16Gemm.Rounded((float*)Data, rows, columns, Stride);

    public void Dispose()
    {
        rounded?.Dispose();
        roundedTransposed?.Dispose();
        (rounded, roundedTransposed) = (null, null);
    }
}
