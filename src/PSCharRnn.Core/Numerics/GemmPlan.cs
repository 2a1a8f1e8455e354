namespace PSCharRnn.Numerics;

/// <summary>
/// How one product runs: a backend and, for the module's own kernels, whether it is split across libtorch's thread
/// count (each element of C is the same fixed-order sum either way, so the two give identical results). MKL (float32 or
/// bf16) and libtorch's bf16 product split on their own OpenMP threads.
/// </summary>
public readonly record struct GemmPlan(GemmBackend Backend, bool Split)
{
    public override string ToString() =>
        SplitsItself(Backend) ? Backend.ToString().ToLowerInvariant() : $"{Backend.ToString().ToLowerInvariant()}/{(Split ? "split" : "1")}";

    public static GemmPlan Parse(string text)
    {
        string[] parts = text.Split('/');
        var backend = Enum.Parse<GemmBackend>(parts[0], ignoreCase: true);
        return new GemmPlan(backend, parts.Length == 1 || parts[1] == "split");
    }

    /// <summary>The plans of a backend: MKL's one, or the kernel on one thread and split.</summary>
    public static IEnumerable<GemmPlan> Of(GemmBackend backend) =>
        SplitsItself(backend) ? [new(backend, true)] : [new(backend, false), new(backend, true)];

    // MKL and libtorch (every bf16 backend is one of them) split a product on their own threads: one plan each.
    private static bool SplitsItself(GemmBackend backend) => backend == GemmBackend.Mkl || Gemm.IsBf16(backend);
}
