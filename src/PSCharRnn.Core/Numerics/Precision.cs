namespace PSCharRnn.Numerics;

/// <summary>What training's output-layer products compute in.</summary>
public enum Precision
{
    /// <summary>The model's own element type throughout (float32, or float64 for a float64 model): the book's.</summary>
    Full,

    /// <summary>
    /// The output layer's products with bfloat16 inputs and float32 sums where the processor has bf16 arithmetic
    /// (AVX512_BF16 or AMX) and that was measured faster; parameters, optimizer state, the softmax and the loss stay
    /// float32. Elsewhere float32.
    /// </summary>
    Mixed,
}
