using System.Runtime.InteropServices;
using PSCharRnn.Native;

namespace PSCharRnn.Numerics;

/// <summary>
/// Products from the BLAS (Intel MKL) that libtorch links and, on Linux x64, exports as sgemm_/dgemm_: without the
/// dispatch and allocation a torch.mm pays, which the 35 small sequential products of a minibatch would feel. MKL runs
/// on libtorch's OpenMP threads and follows torch.set_num_threads. Windows' libtorch exports no such symbol; macOS's
/// links Apple's Accelerate instead of MKL, and dlsym would find Accelerate's sgemm_ through it: a BLAS never tested
/// here, so macOS takes the portable kernel.
/// </summary>
internal static unsafe class MklGemm
{
    private static readonly Lazy<(nint Single, nint Double)?> Exports = new(() =>
        !OperatingSystem.IsMacOS() && TorchRuntime.TryGetExport("sgemm_") is { } single && TorchRuntime.TryGetExport("dgemm_") is { } dbl ? (single, dbl) : null);

    public static bool IsAvailable => Exports.Value is not null;

    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged
    {
        var (single, dbl) = Exports.Value ?? throw new PlatformNotSupportedException("This libtorch exports no MKL sgemm_/dgemm_.");
        // Column-major BLAS sees each row-major matrix as its transpose: Cᵀ = op(B)ᵀ·op(A)ᵀ.
        byte opA = transposeA ? (byte)'T' : (byte)'N', opB = transposeB ? (byte)'T' : (byte)'N';
        if (typeof(T) == typeof(float))
        {
            float alphaSingle = (float)(object)alpha, betaSingle = (float)(object)beta;
            ((delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void>)single)(
                &opB, &opA, &n, &m, &k, &alphaSingle, (float*)b, &ldb, (float*)a, &lda, &betaSingle, (float*)c, &ldc);
        }
        else if (typeof(T) == typeof(double))
        {
            double alphaDouble = (double)(object)alpha, betaDouble = (double)(object)beta;
            ((delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, void>)dbl)(
                &opB, &opA, &n, &m, &k, &alphaDouble, (double*)b, &ldb, (double*)a, &lda, &betaDouble, (double*)c, &ldc);
        }
        else throw new NotSupportedException($"Matrix products of {typeof(T).Name} are not supported.");
    }
}
