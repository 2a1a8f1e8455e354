using System.Numerics;
using static TorchSharp.torch;

namespace PSCharRnn.Numerics;

/// <summary>Where the matrix products of the recurrences and the output layer are computed.</summary>
public enum GemmBackend
{
    /// <summary>The MKL that libtorch exports (Linux x64), on libtorch's OpenMP threads.</summary>
    Mkl,

    /// <summary>The module's AVX-512 kernel (single precision; double precision goes to MKL where present, else the portable kernel).</summary>
    Avx512,

    /// <summary>The module's AVX2 kernel, for CPUs without AVX-512 (single precision, as <see cref="Avx512"/>).</summary>
    Avx2,

    /// <summary>The module's managed kernel over System.Numerics.Vector: needs nothing from libtorch's exports, runs on every CPU.</summary>
    Portable,

    /// <summary>
    /// MKL's bfloat16 product (inputs rounded to bfloat16, sums in float32), on processors with AVX512_BF16 or AMX: a
    /// candidate only for the products -Precision Mixed allows. Forced, it runs those products and MKL the rest.
    /// </summary>
    MklBf16,

    /// <summary>
    /// libtorch's bfloat16 product (oneDNN: AVX512_BF16 or AMX kernels on any vendor's processor), inputs and result
    /// rounded to bfloat16, sums in float32: like <see cref="MklBf16"/>, a candidate only for what -Precision Mixed allows.
    /// </summary>
    TorchBf16,
}

/// <summary>
/// The one seam for the hand-written loops' matrix products (the recurrences and the fused loss call it; everything
/// else goes through libtorch). Each product shape runs on the plan measured fastest for it on this machine
/// (<see cref="GemmPlanner"/>); PSCHARRNN_GEMM restricts the choice to one backend.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>The environment variable that forces a backend.</summary>
    public const string Variable = "PSCHARRNN_GEMM";

    private static readonly Lazy<GemmBackend?> ForcedBackend = new(() => Choose(Environment.GetEnvironmentVariable(Variable)));

    /// <summary>The backend PSCHARRNN_GEMM forces, or null; throws a <see cref="PSCharRnnException"/> for a bad value.</summary>
    public static GemmBackend? Forced => ForcedBackend.Value;

    /// <summary>The backends this machine can run.</summary>
    public static IReadOnlyList<GemmBackend> Available =>
        Enum.GetValues<GemmBackend>().Where(IsAvailable).ToList();

    /// <summary>Every full-precision plan this machine can run for single-precision products (double precision has no AVX-512 or AVX2 kernel).</summary>
    public static IReadOnlyList<GemmPlan> Plans => Available.Where(b => !IsBf16(b)).SelectMany(GemmPlan.Of).ToList();

    /// <summary>Whether a backend rounds its inputs to bfloat16 (only -Precision Mixed may run such products).</summary>
    public static bool IsBf16(GemmBackend backend) => backend is GemmBackend.MklBf16 or GemmBackend.TorchBf16;

    private static IEnumerable<GemmPlan> Bf16Plans => Available.Where(IsBf16).SelectMany(GemmPlan.Of);

    public static bool IsAvailable(GemmBackend backend) => backend switch
    {
        GemmBackend.Mkl => MklGemm.IsAvailable,
        GemmBackend.Avx512 => Avx512Tile.IsSupported,
        GemmBackend.Avx2 => Avx2Tile.IsSupported,
        GemmBackend.MklBf16 => Bf16Gemm.Unavailable is null,
        GemmBackend.TorchBf16 => TorchBf16Gemm.Unavailable is null,
        _ => true,
    };

    /// <summary>Why products that -Precision Mixed allows run in float32 on this machine, or null when bf16 is among their candidates.</summary>
    public static string? MixedUnavailable =>
        Forced is { } forced && !IsBf16(forced) ? $"{Variable}={forced.ToString().ToLowerInvariant()} forces full-precision products"
        : Bf16Gemm.ProcessorUnavailable;

    /// <summary>The backend a PSCHARRNN_GEMM value forces (null or empty: none, each shape's plan is measured).</summary>
    public static GemmBackend? Choose(string? forced)
    {
        if (string.IsNullOrEmpty(forced)) return null;
        string choices = string.Join(", ", Enum.GetNames<GemmBackend>().Select(n => n.ToLowerInvariant()));
        if (!Enum.TryParse<GemmBackend>(forced, ignoreCase: true, out var backend) || !Enum.IsDefined(backend))
            throw new PSCharRnnException("GemmBackendUnknown", ErrorKind.InvalidArgument, forced,
                $"{Variable}='{forced}' names no matrix-product backend; use one of {choices}, or leave it unset for the measured choice.");
        if (!IsAvailable(backend))
            throw new PSCharRnnException("GemmBackendUnavailable", ErrorKind.NotImplemented, forced,
                $"{Variable}='{forced}': this machine cannot run the {backend} backend ({Why(backend)}). It can run: " +
                string.Join(", ", Available.Select(b => b.ToString().ToLowerInvariant())) + ".");
        return backend;
    }

    private static string Why(GemmBackend backend) => backend switch
    {
        GemmBackend.Mkl => "its libtorch exports no MKL sgemm_",
        GemmBackend.MklBf16 => Bf16Gemm.Unavailable!,
        GemmBackend.TorchBf16 => TorchBf16Gemm.Unavailable!,
        GemmBackend.Avx2 => "the processor, or .NET, reports no AVX2 with FMA",
        _ => "the processor, or .NET, reports no AVX-512",
    };

    private static readonly Lazy<IReadOnlyList<GemmPlan>> SingleCandidates = new(() => CandidatesFor(single: true, mixed: false));
    private static readonly Lazy<IReadOnlyList<GemmPlan>> MixedCandidates = new(() => CandidatesFor(single: true, mixed: true));
    private static readonly Lazy<IReadOnlyList<GemmPlan>> DoubleCandidates = new(() => CandidatesFor(single: false, mixed: false));

    /// <summary>
    /// The plans a product of element type T may run on here: every available full-precision one, or the forced
    /// backend's; with <see cref="Precision.Mixed"/>, single-precision products may also run in bf16.
    /// </summary>
    public static IReadOnlyList<GemmPlan> Candidates<T>(Precision precision = Precision.Full) =>
        typeof(T) != typeof(float) ? DoubleCandidates.Value
        : precision == Precision.Mixed ? MixedCandidates.Value : SingleCandidates.Value;

    private static IReadOnlyList<GemmPlan> CandidatesFor(bool single, bool mixed)
    {
        var plans = Forced switch
        {
            { } forced when IsBf16(forced) => single && mixed ? GemmPlan.Of(forced) : GemmPlan.Of(MklGemm.IsAvailable ? GemmBackend.Mkl : GemmBackend.Portable),
            { } forced => GemmPlan.Of(forced),
            null => single && mixed ? Plans.Concat(Bf16Plans) : Plans,
        };
        return plans.Where(p => single || !OwnKernel(p.Backend) || Forced == p.Backend).ToList();
    }

    // The module's vector kernels multiply single precision only.
    private static bool OwnKernel(GemmBackend backend) => backend is GemmBackend.Avx512 or GemmBackend.Avx2;

    /// <summary>How many threads a kernel splits a product into <paramref name="parts"/> across: libtorch's count, or one.</summary>
    internal static int Threads(bool split, int parts) => split ? Math.Clamp(get_num_threads(), 1, parts) : 1;

    /// <summary>What products run on, for verbose output and Bench.</summary>
    public static string Description =>
        $"matrix products: each shape on the plan measured fastest here, among {string.Join(", ", Candidates<float>())}" +
        $"{(Forced is { } f ? $" ({Variable}={f.ToString().ToLowerInvariant()})" : "")}; choices kept in {GemmPlanner.Default.StorePath}; " +
        $"vector width {Vector<float>.Count} floats";

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C for row-major matrices, on the plan chosen for the shape: C is [m, n], op(A)
    /// [m, k], op(B) [k, n]; a transposed operand is stored as its transpose. Leading dimensions are row strides in
    /// elements. C is not read when beta is 0.
    /// </summary>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc, Precision precision = Precision.Full) where T : unmanaged, INumber<T>
    {
        var plan = PlanFor<T>(transposeA, transposeB, m, n, k, precision);
        Multiply(plan, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>
    /// The same product of two matrices that each feed other products too: where the shape's plan is libtorch's bf16
    /// product, each is rounded once for all the products it feeds.
    /// </summary>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, SharedOperand<T> a, SharedOperand<T> b, T beta, T* c, int ldc, Precision precision) where T : unmanaged, INumber<T> =>
        Multiply(PlanFor<T>(transposeA, transposeB, m, n, k, precision), transposeA, transposeB, m, n, k, alpha, a, b, beta, c, ldc);

    /// <summary>The same product of shared operands on a named plan.</summary>
    public static void Multiply<T>(GemmPlan plan, bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, SharedOperand<T> a, SharedOperand<T> b, T beta, T* c, int ldc) where T : unmanaged, INumber<T>
    {
        if (plan.Backend == GemmBackend.TorchBf16 && typeof(T) == typeof(float))
            TorchBf16Gemm.Multiply(a.Bf16(transposeA), b.Bf16(transposed: false), transposeB, (float)(object)alpha, (float)(object)beta, (float*)c, ldc);
        else
            Multiply(plan, transposeA, transposeB, m, n, k, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, c, ldc);
    }

    /// <summary>
    /// Whether a plan's product can be computed by a team's threads in column shares, each thread its own
    /// (<see cref="MultiplyShare"/>): the module's own kernels, split.
    /// </summary>
    internal static bool SharesColumns(GemmPlan plan) => plan.Split && OwnKernel(plan.Backend);

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of C = alpha·A·B + beta·C (neither transposed) on a plan
    /// that <see cref="SharesColumns"/>: the columns <see cref="ColumnShare"/> names, each element the same sum as the
    /// whole product on that plan gives it.
    /// </summary>
    internal static void MultiplyShare(GemmPlan plan, int part, int parts, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (!SharesColumns(plan)) throw new ArgumentException($"The {plan} plan does not compute a product in column shares.", nameof(plan));
        delegate*<int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> share =
            plan.Backend == GemmBackend.Avx512 ? &PanelGemm<Avx512Tile>.MultiplyShare : &PanelGemm<Avx2Tile>.MultiplyShare;
        share(part, parts, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>The columns [Start, End) of an n-column product that part <paramref name="part"/> of a team computes.</summary>
    internal static (int Start, int End) ColumnShare(GemmPlan plan, int n, int part, int parts) =>
        plan.Backend == GemmBackend.Avx512 ? PanelGemm<Avx512Tile>.ColumnShare(n, part, parts) : PanelGemm<Avx2Tile>.ColumnShare(n, part, parts);

    internal static GemmPlan PlanFor<T>(bool transposeA, bool transposeB, int m, int n, int k, Precision precision) where T : unmanaged, INumber<T> =>
        GemmPlanner.Default.Choose<T>(ProductShape.Of<T>(transposeA, transposeB, m, n, k), Candidates<T>(precision)).Plan;

    /// <summary>The same product on a named plan (the tests sweep every one the machine can run).</summary>
    public static void Multiply<T>(GemmPlan plan, bool transposeA, bool transposeB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged, INumber<T>
    {
        if (IsBf16(plan.Backend) && typeof(T) == typeof(float))
        {
            delegate*<bool, bool, int, int, int, float, float*, int, float*, int, float, float*, int, void> bf16 =
                plan.Backend == GemmBackend.MklBf16 ? &Bf16Gemm.Multiply : &TorchBf16Gemm.Multiply;
            bf16(transposeA, transposeB, m, n, k, (float)(object)alpha, (float*)a, lda, (float*)b, ldb, (float)(object)beta, (float*)c, ldc);
        }
        else if (OwnKernel(plan.Backend) && typeof(T) == typeof(float))
        {
            delegate*<bool, int, int, int, float, float*, int, int, float*, bool, int, float, float*, int, void> kernel =
                plan.Backend == GemmBackend.Avx512 ? &PanelGemm<Avx512Tile>.Multiply : &PanelGemm<Avx2Tile>.Multiply;
            kernel(plan.Split, m, n, k, (float)(object)alpha, (float*)a, transposeA ? 1 : lda, transposeA ? lda : 1,
                (float*)b, transposeB, ldb, (float)(object)beta, (float*)c, ldc);
        }
        else if (plan.Backend != GemmBackend.Portable && MklGemm.IsAvailable)
            MklGemm.Multiply(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            PortableGemm.Multiply(plan.Split, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
