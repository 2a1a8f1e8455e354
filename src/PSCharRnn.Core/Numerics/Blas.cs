using System.Runtime.InteropServices;
using PSCharRnn.Native;

namespace PSCharRnn.Numerics;

/// <summary>
/// Row-major matrix products straight from the BLAS (Intel MKL) that libtorch itself links and exports. The
/// recurrences make 35 small sequential products per minibatch; through torch.mm each pays libtorch's dispatch
/// and allocation (a [32, 256]·[256, 256] product: 57 µs there, 32 µs here), so the recurrent loops call this.
/// MKL runs on libtorch's OpenMP threads and follows torch.set_num_threads. Single-precision products go to
/// <see cref="Avx512Gemm"/> instead where MKL leaves AVX-512 unused.
/// </summary>
public static unsafe class Blas
{
    private static readonly Lazy<(nint Single, nint Double)> Gemms = new(Resolve);

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C for row-major matrices: C is [m, n], op(A) [m, k], op(B) [k, n]; a transposed
    /// operand is stored as its transpose. Leading dimensions are row strides in elements.
    /// </summary>
    public static void Gemm<T>(bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged
    {
        // Column-major BLAS sees each row-major matrix as its transpose: Cᵀ = op(B)ᵀ·op(A)ᵀ.
        byte opA = transposeA ? (byte)'T' : (byte)'N', opB = transposeB ? (byte)'T' : (byte)'N';
        if (typeof(T) == typeof(float) && Avx512Gemm.IsUsed)
            Avx512Gemm.Multiply(m, n, k, (float)(object)alpha, (float*)a, transposeA ? 1 : lda, transposeA ? lda : 1, (float*)b, transposeB, ldb, (float)(object)beta, (float*)c, ldc);
        else if (typeof(T) == typeof(float))
        {
            float alphaSingle = (float)(object)alpha, betaSingle = (float)(object)beta;
            ((delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void>)Gemms.Value.Single)(
                &opB, &opA, &n, &m, &k, &alphaSingle, (float*)b, &ldb, (float*)a, &lda, &betaSingle, (float*)c, &ldc);
        }
        else if (typeof(T) == typeof(double))
        {
            double alphaDouble = (double)(object)alpha, betaDouble = (double)(object)beta;
            ((delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, void>)Gemms.Value.Double)(
                &opB, &opA, &n, &m, &k, &alphaDouble, (double*)b, &ldb, (double*)a, &lda, &betaDouble, (double*)c, &ldc);
        }
        else throw new NotSupportedException($"Matrix products of {typeof(T).Name} are not supported.");
    }

    private static (nint, nint) Resolve()
    {
        TorchRuntime.EnsureLoaded();
        string path = Path.Combine(NativeSetup.BinFolder, OperatingSystem.IsWindows() ? "torch_cpu.dll" : "libtorch_cpu.so");
        var library = NativeLibrary.Load(path);
        if (NativeLibrary.TryGetExport(library, "sgemm_", out var single) && NativeLibrary.TryGetExport(library, "dgemm_", out var dbl))
            return (single, dbl);
        throw new NativeLibraryException($"'{path}' does not export MKL's sgemm_/dgemm_: PSCharRnn needs the libtorch build it ships with (run ./build.ps1 Build).", null);
    }
}
