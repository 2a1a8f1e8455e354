using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Numerics;

/// <summary>The elements of a contiguous CPU tensor, for the loops that work on them directly (<see cref="Gemm"/>).</summary>
public static unsafe class TensorMemory
{
    /// <summary>The address of the first element; valid while the tensor lives.</summary>
    public static T* Of<T>(Tensor tensor) where T : unmanaged
    {
        if (!tensor.is_contiguous() || tensor.device_type != DeviceType.CPU || tensor.element_size() != sizeof(T))
            throw new ArgumentException($"Expected a contiguous CPU tensor of {typeof(T).Name}, got {tensor.dtype} on {tensor.device} (contiguous: {tensor.is_contiguous()}).", nameof(tensor));
        fixed (byte* first = tensor.bytes) return (T*)first;
    }
}
