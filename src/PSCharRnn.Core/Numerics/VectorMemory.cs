using System.Numerics;
using System.Runtime.CompilerServices;

namespace PSCharRnn.Numerics;

/// <summary>A vector read or written at any element address, for the recurrences' fused row loops (their rows need no alignment).</summary>
internal static unsafe class VectorMemory
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Load<T>(T* source) where T : unmanaged => Unsafe.ReadUnaligned<Vector<T>>(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T* destination, Vector<T> value) where T : unmanaged => Unsafe.WriteUnaligned(destination, value);
}
