using System.Numerics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace PSCharRnn.Numerics;

/// <summary>Where the matrix products of the recurrences and the output layer are computed.</summary>
public enum GemmBackend
{
    /// <summary>The MKL that libtorch exports (Linux x64).</summary>
    Mkl,

    /// <summary>The module's AVX-512 kernel (single precision; double precision goes to MKL where present, else the portable kernel).</summary>
    Avx512,

    /// <summary>The module's managed kernel over System.Numerics.Vector: needs nothing from libtorch's exports, runs on every CPU.</summary>
    Portable,
}

/// <summary>
/// The one seam for the hand-written loops' matrix products (the recurrences and the fused loss call it; everything
/// else goes through libtorch). The backend is chosen once per process: PSCHARRNN_GEMM forces one; otherwise the
/// AVX-512 kernel where the CPU has AVX-512 and MKL does not use it (MKL takes its AVX-512 code on Intel processors
/// only), MKL where libtorch exports it, the portable kernel everywhere else.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>The environment variable that forces a backend.</summary>
    public const string Variable = "PSCHARRNN_GEMM";

    private static readonly Lazy<GemmBackend> Chosen = new(() => Choose(Environment.GetEnvironmentVariable(Variable)));

    /// <summary>The backend every product uses in this process; throws a <see cref="PSCharRnnException"/> for a bad PSCHARRNN_GEMM.</summary>
    public static GemmBackend Backend => Chosen.Value;

    /// <summary>The backends this machine can run.</summary>
    public static IReadOnlyList<GemmBackend> Available =>
        Enum.GetValues<GemmBackend>().Where(IsAvailable).ToList();

    public static bool IsAvailable(GemmBackend backend) => backend switch
    {
        GemmBackend.Mkl => MklGemm.IsAvailable,
        GemmBackend.Avx512 => Avx512F.IsSupported,
        _ => true,
    };

    /// <summary>The backend for a PSCHARRNN_GEMM value (null or empty: the default choice).</summary>
    public static GemmBackend Choose(string? forced)
    {
        if (string.IsNullOrEmpty(forced)) return Default();
        string choices = string.Join(", ", Enum.GetNames<GemmBackend>().Select(n => n.ToLowerInvariant()));
        if (!Enum.TryParse<GemmBackend>(forced, ignoreCase: true, out var backend) || !Enum.IsDefined(backend))
            throw new PSCharRnnException("GemmBackendUnknown", ErrorKind.InvalidArgument, forced,
                $"{Variable}='{forced}' names no matrix-product backend; use one of {choices}, or leave it unset for the default.");
        if (!IsAvailable(backend))
            throw new PSCharRnnException("GemmBackendUnavailable", ErrorKind.NotImplemented, forced,
                $"{Variable}='{forced}': this machine cannot run the {backend} backend ({Why(backend)}). It can run: " +
                string.Join(", ", Available.Select(b => b.ToString().ToLowerInvariant())) + ".");
        return backend;
    }

    private static string Why(GemmBackend backend) => backend == GemmBackend.Mkl
        ? "its libtorch exports no MKL sgemm_" : "the processor, or .NET, reports no AVX-512";

    private static GemmBackend Default() =>
        Avx512F.IsSupported && !IsIntel() ? GemmBackend.Avx512
        : MklGemm.IsAvailable ? GemmBackend.Mkl
        : Avx512F.IsSupported ? GemmBackend.Avx512
        : GemmBackend.Portable;

    private static bool IsIntel()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return (ebx, edx, ecx) == (0x756E6547, 0x49656E69, 0x6C65746E);   // "GenuineIntel"
    }

    // Below this many multiply-adds a product stays on the calling thread: waking another costs more than it saves
    // (the recurrent step's [32, 256]·[256, 256] is the smallest product that gains from two threads).
    private const long ParallelThreshold = 1L << 21;

    /// <summary>How many threads a kernel splits a product of <paramref name="multiplyAdds"/> into <paramref name="parts"/> across: libtorch's count, or one for a small product.</summary>
    internal static int Threads(long multiplyAdds, int parts) =>
        multiplyAdds >= ParallelThreshold ? Math.Clamp(get_num_threads(), 1, parts) : 1;

    /// <summary>What products run on, for verbose output and Bench.</summary>
    public static string Description =>
        $"matrix products: {Backend} ({(Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } v ? $"{Variable}={v}" : "default")}; " +
        $"this machine can run {string.Join(", ", Available)}; vector width {Vector<float>.Count} floats)";

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C for row-major matrices, with the process's backend: C is [m, n], op(A) [m, k],
    /// op(B) [k, n]; a transposed operand is stored as its transpose. Leading dimensions are row strides in elements.
    /// C is not read when beta is 0.
    /// </summary>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged, INumber<T> =>
        Multiply(Backend, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>The same product with a named backend (the tests sweep every one the machine can run).</summary>
    public static void Multiply<T>(GemmBackend backend, bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged, INumber<T>
    {
        if (backend == GemmBackend.Avx512 && typeof(T) == typeof(float))
            Avx512Gemm.Multiply(m, n, k, (float)(object)alpha, (float*)a, transposeA ? 1 : lda, transposeA ? lda : 1,
                (float*)b, transposeB, ldb, (float)(object)beta, (float*)c, ldc);
        else if (backend != GemmBackend.Portable && MklGemm.IsAvailable)
            MklGemm.Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            PortableGemm.Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
