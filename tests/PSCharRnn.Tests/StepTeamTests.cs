using PSCharRnn.Numerics;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSCharRnn.Tests;

/// <summary>
/// A recurrence's step loop on every plan this machine can run, as one team (each thread its share of every step, a
/// barrier where a step reads the others' work) and call by call: the same bits both ways, and libtorch's values.
/// </summary>
public unsafe class StepTeamTests
{
    public static IEnumerable<object[]> Cases() =>
        from plan in Gemm.Plans
        from together in new[] { false, true }
        from shape in new (int Steps, int Batch, int Hidden)[] { (6, 32, 256), (4, 7, 37), (3, 5, 300), (2, 1, 64) }
        select new object[] { plan.ToString(), together, shape.Steps, shape.Batch, shape.Hidden };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StepsWhoseElementwiseWorkReadsOnlyTheirOwnColumnsEqualLibtorchs(string planName, bool together, int steps, int batch, int hidden)
    {
        using var scope = NewDisposeScope();
        var plan = GemmPlan.Parse(planName);
        var (inputs, weights, initial) = Operands(steps, batch, hidden, hidden);
        var states = inputs.clone();
        float* first = TensorMemory.Of<float>(states), w = TensorMemory.Of<float>(weights), initialState = TensorMemory.Of<float>(initial);
        bool ranTogether = Run(plan, batch, together, team =>
        {
            float* previous = initialState;
            for (float* s = first; s < first + (long)steps * batch * hidden; s += batch * hidden)
            {
                team.Multiply(batch, hidden, hidden, previous, hidden, w, hidden, 1f, s, hidden);
                team.ForColumns(batch, hidden, (firstRow, endRow, firstColumn, endColumn) =>
                {
                    for (int b = firstRow; b < endRow; b++)
                    {
                        var row = new Span<float>(s + (long)b * hidden + firstColumn, endColumn - firstColumn);
                        Elementwise.Tanh<float>(row, row);
                    }
                });
                team.Meet();
                previous = s;
            }
        });

        Assert.Equal(ExpectTogether(plan, together, batch), ranTogether);
        var expected = Reference(inputs, initial, h => h.mm(weights.to(float64)));
        Assert.True(states.to(float64).allclose(expected, rtol: 1e-4, atol: 1e-5), $"{planName}: the states differ from libtorch's");
        if (together) Assert.Equal(RunAlone(planName, steps, batch, hidden).data<float>().ToArray(), states.data<float>().ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StepsWhoseRowsReadEveryThreadsColumnsEqualLibtorchs(string planName, bool together, int steps, int batch, int hidden)
    {
        using var scope = NewDisposeScope();
        var plan = GemmPlan.Parse(planName);
        var (inputs, weights, initial) = Operands(steps, batch, hidden, 2 * hidden);
        var (states, products) = (empty_like(inputs), empty(batch, 2 * hidden));
        float* x = TensorMemory.Of<float>(inputs), s0 = TensorMemory.Of<float>(states), w = TensorMemory.Of<float>(weights);
        float* p = TensorMemory.Of<float>(products), initialState = TensorMemory.Of<float>(initial);
        bool ranTogether = Run(plan, batch, together, team =>
        {
            float* previous = initialState;
            for (int t = 0; t < steps; t++)
            {
                float* s = s0 + (long)t * batch * hidden, xt = x + (long)t * batch * hidden;
                team.Multiply(batch, 2 * hidden, hidden, previous, hidden, w, 2 * hidden, 0f, p, 2 * hidden);
                team.Meet();
                team.ForRows(batch, (firstRow, endRow) =>
                {
                    for (int b = firstRow; b < endRow; b++)
                    {
                        var row = new Span<float>(s + (long)b * hidden, hidden);
                        Elementwise.Subtract(new ReadOnlySpan<float>(p + 2L * b * hidden, hidden), new ReadOnlySpan<float>(p + (2L * b + 1) * hidden, hidden), row);
                        Elementwise.Add(row, new ReadOnlySpan<float>(xt + (long)b * hidden, hidden), row);
                        Elementwise.Tanh<float>(row, row);
                    }
                });
                team.Meet();
                previous = s;
            }
        });

        Assert.Equal(ExpectTogether(plan, together, batch), ranTogether);
        var expected = Reference(inputs, initial, h =>
        {
            var product = h.mm(weights.to(float64));
            return product.narrow(1, 0, hidden) - product.narrow(1, hidden, hidden);
        });
        Assert.True(states.to(float64).allclose(expected, rtol: 1e-4, atol: 1e-5), $"{planName}: the states differ from libtorch's");
    }

    // A fresh initial state skips its product: a null A clears each thread's columns of C (beta 0, whatever C held) or
    // leaves them (beta 1), with the same bits as multiplying the zeros.
    [Theory]
    [MemberData(nameof(ZeroInitialCases))]
    public void AZeroInitialStatesProductIsSkippedWithTheSameBits(string planName, bool together, int batch, int hidden)
    {
        using var scope = NewDisposeScope();
        var plan = GemmPlan.Parse(planName);
        var (_, weights, _) = Operands(1, batch, hidden, 2 * hidden);
        var zero = zeros(batch, hidden);
        var seed = randn(batch, 2 * hidden);
        var skipped = (Cleared: full(batch, 2 * hidden, float.NaN), Kept: seed.clone());
        var multiplied = (Cleared: full(batch, 2 * hidden, float.NaN), Kept: seed.clone());
        float* w = TensorMemory.Of<float>(weights), z = TensorMemory.Of<float>(zero);
        foreach (var (a, c) in new[] { ((nint)0, skipped), ((nint)z, multiplied) })
            Run(plan, batch, together, team =>
            {
                team.Multiply(batch, 2 * hidden, hidden, (float*)a, hidden, w, 2 * hidden, 0f, TensorMemory.Of<float>(c.Cleared), 2 * hidden);
                team.Multiply(batch, 2 * hidden, hidden, (float*)a, hidden, w, 2 * hidden, 1f, TensorMemory.Of<float>(c.Kept), 2 * hidden);
                team.Meet();
            });

        Assert.Equal(multiplied.Cleared.data<float>().ToArray(), skipped.Cleared.data<float>().ToArray());
        Assert.Equal(multiplied.Kept.data<float>().ToArray(), skipped.Kept.data<float>().ToArray());
        Assert.True(skipped.Cleared.eq(0).all().item<bool>());
        Assert.Equal(seed.data<float>().ToArray(), skipped.Kept.data<float>().ToArray());
    }

    public static IEnumerable<object[]> ZeroInitialCases() =>
        from plan in Gemm.Plans
        from together in new[] { false, true }
        from shape in new (int Batch, int Hidden)[] { (32, 256), (7, 37) }
        select new object[] { plan.ToString(), together, shape.Batch, shape.Hidden };

    // The team runs where the plan computes in column shares, libtorch's OpenMP team is here and there are threads to share.
    private static bool ExpectTogether(GemmPlan plan, bool together, int batch) =>
        together && plan.Split && plan.Backend is GemmBackend.Avx512 or GemmBackend.Avx2 && ThreadTeam.OnOpenMp
        && Math.Min(get_num_threads(), batch) > 1;

    private static bool Run(GemmPlan plan, int batch, bool together, Action<StepTeam> steps)
    {
        int teams = 0, threads = 0;
        StepTeam.Run<float>(plan, batch, team =>
        {
            Interlocked.Increment(ref threads);
            if (team.Together) Interlocked.Increment(ref teams);
            steps(team);
        }, together);
        Assert.Equal(teams == 0 ? 1 : teams, threads);
        return teams > 0;
    }

    private static Tensor RunAlone(string planName, int steps, int batch, int hidden)
    {
        var (inputs, weights, initial) = Operands(steps, batch, hidden, hidden);
        var states = inputs.clone();
        float* first = TensorMemory.Of<float>(states), w = TensorMemory.Of<float>(weights), previous = TensorMemory.Of<float>(initial);
        for (float* s = first; s < first + (long)steps * batch * hidden; s += batch * hidden)
        {
            Gemm.Multiply(GemmPlan.Parse(planName), false, false, batch, hidden, hidden, 1f, previous, hidden, w, hidden, 1f, s, hidden);
            var all = new Span<float>(s, batch * hidden);
            Elementwise.Tanh<float>(all, all);
            previous = s;
        }
        return states;
    }

    // The same operands for the same sizes: inputs [T, B, H], weights [H, width], an initial state [B, H].
    private static (Tensor Inputs, Tensor Weights, Tensor Initial) Operands(int steps, int batch, int hidden, int width)
    {
        var generator = new Generator(11);
        return (randn(steps, batch, hidden, generator: generator) * 0.5, randn(hidden, width, generator: generator) / Math.Sqrt(hidden),
            randn(batch, hidden, generator: generator));
    }

    // H_t = tanh(X_t + f(H_{t-1})) in double precision.
    private static Tensor Reference(Tensor inputs, Tensor initial, Func<Tensor, Tensor> product)
    {
        var h = initial.to(float64);
        var states = new List<Tensor>();
        for (int t = 0; t < inputs.shape[0]; t++) states.Add(h = (inputs[t].to(float64) + product(h)).tanh());
        return stack(states);
    }
}
