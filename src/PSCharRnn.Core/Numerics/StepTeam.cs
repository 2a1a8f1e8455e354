using System.Numerics;

namespace PSCharRnn.Numerics;

/// <summary>
/// Runs a recurrence's sequential steps (a small product, then element-wise work on what it gave) with as few
/// hand-offs between threads as the steps allow. Where the step product's plan is one of the module's split kernels
/// and libtorch's OpenMP team is loaded, the whole loop is one parallel region: each thread multiplies its own share of
/// C's columns, does its share of the element-wise work, and waits for the others only where a step reads what they
/// wrote (<see cref="Meet"/>). Otherwise (MKL's plan, one thread, no OpenMP, double precision) each product and each
/// element-wise pass is a split call of its own, as the loop is written. Every element is the same sum, in the same
/// order, either way.
/// </summary>
public sealed unsafe class StepTeam
{
    private readonly GemmPlan plan;
    private readonly int part, parts;
    private readonly TeamBarrier? barrier;

    private StepTeam(GemmPlan plan, int part, int parts, TeamBarrier? barrier) =>
        (this.plan, this.part, this.parts, this.barrier) = (plan, part, parts, barrier);

    /// <summary>Whether this loop runs as one region, each thread its own share (else each call splits on its own).</summary>
    public bool Together => barrier is not null;

    /// <summary>
    /// Runs <paramref name="steps"/>, whose products are [m, k]·[k, n] (nothing transposed) on the plan measured for
    /// that shape, over <paramref name="rows"/> rows of element-wise work: once per thread of a team, or once on this
    /// thread.
    /// </summary>
    public static void Run<T>(int m, int n, int k, int rows, Action<StepTeam> steps) where T : unmanaged, INumber<T> =>
        Run<T>(Gemm.PlanFor<T>(false, false, m, n, k, Precision.Full), rows, steps);

    /// <summary>The same on a named plan; <paramref name="together"/> false keeps the loop on this thread (the tests run both ways on every plan).</summary>
    public static void Run<T>(GemmPlan plan, int rows, Action<StepTeam> steps, bool together = true) where T : unmanaged, INumber<T>
    {
        int threads = Gemm.Threads(split: true, rows);
        if (together && typeof(T) == typeof(float) && Gemm.SharesColumns(plan) && threads > 1 && ThreadTeam.OnOpenMp)
            ThreadTeam.Together(threads, (part, parts, barrier) => steps(new StepTeam(plan, part, parts, barrier)));
        else
            steps(new StepTeam(plan, 0, 1, null));
    }

    /// <summary>
    /// C = A·B + beta·C for a step, A [m, k] and B [k, n] as stored: together, this thread's columns of C. A null
    /// <paramref name="a"/> is a zero A (a fresh initial state): C = beta·C for a beta of 0 or 1, without the product.
    /// </summary>
    public void Multiply<T>(int m, int n, int k, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged, INumber<T>
    {
        if (a is null)
        {
            if (beta == T.One) return;
            if (beta != T.Zero) throw new ArgumentException("A zero A takes a beta of 0 or 1.", nameof(beta));
            var (first, end) = barrier is null ? (0, n) : Gemm.ColumnShare(plan, n, part, parts);
            for (int row = 0; row < m; row++) new Span<T>(c + (long)row * ldc + first, end - first).Clear();
        }
        else if (barrier is null) Gemm.Multiply(plan, false, false, m, n, k, T.One, a, lda, b, ldb, beta, c, ldc);
        else Gemm.MultiplyShare(plan, part, parts, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, float.CreateTruncating(beta), (float*)c, ldc);
    }

    /// <summary>
    /// Element-wise work on a step's [rows, columns] product, body(firstRow, endRow, firstColumn, endColumn): together,
    /// every row of the columns this thread's <see cref="Multiply"/> wrote, so no meeting is needed between the two;
    /// alone, whole rows split among the threads.
    /// </summary>
    public void ForColumns(int rows, int columns, Action<int, int, int, int> body)
    {
        if (barrier is null) ThreadTeam.ForRanges(rows, Gemm.Threads(split: true, rows), (first, end) => body(first, end, 0, columns));
        else
        {
            var (first, end) = Gemm.ColumnShare(plan, columns, part, parts);
            body(0, rows, first, end);
        }
    }

    /// <summary>Element-wise work on whole rows, body(firstRow, endRow): this thread's share of them, or all split.</summary>
    public void ForRows(int rows, Action<int, int> body)
    {
        if (barrier is null) ThreadTeam.ForRanges(rows, Gemm.Threads(split: true, rows), body);
        else
        {
            var (first, end) = ThreadTeam.Share(rows, parts, part);
            body(first, end);
        }
    }

    /// <summary>
    /// A step whose rows read every column of its product (a gated cell's gates): <see cref="Multiply"/>, then
    /// <paramref name="rows"/> over the m rows (<see cref="ForRows"/>), each after the other threads' writes it reads.
    /// </summary>
    public void MultiplyThenRows<T>(int m, int n, int k, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc, Action<int, int> rows)
        where T : unmanaged, INumber<T>
    {
        Multiply(m, n, k, a, lda, b, ldb, beta, c, ldc);
        Meet();
        ForRows(m, rows);
        Meet();
    }

    /// <summary>Where what comes next reads what other threads wrote: together, wait for them all; alone, nothing.</summary>
    public void Meet() => barrier?.Wait();
}
