namespace PSCharRnn.Numerics;

/// <summary>
/// How many rows of a register tile a kernel computes, as a type: a kernel generic over it is compiled once per count
/// with the other rows' code left out, so a block of fewer rows than the tile keeps every sum it needs in registers,
/// each its own chain of fused multiply-adds, and runs no code for the rows it lacks.
/// </summary>
internal interface IRowCount
{
    static abstract int Count { get; }
}

/// <summary>The counts the tiles use.</summary>
internal static class RowCount
{
    internal readonly struct One : IRowCount { public static int Count => 1; }
    internal readonly struct Two : IRowCount { public static int Count => 2; }
    internal readonly struct Three : IRowCount { public static int Count => 3; }
    internal readonly struct Four : IRowCount { public static int Count => 4; }
    internal readonly struct Five : IRowCount { public static int Count => 5; }
    internal readonly struct Six : IRowCount { public static int Count => 6; }
    internal readonly struct Seven : IRowCount { public static int Count => 7; }
    internal readonly struct Eight : IRowCount { public static int Count => 8; }
}
