namespace PSCharRnn.Model;

/// <summary>How minibatches are cut from the corpus (the book's data_iter_random and data_iter_consecutive).</summary>
public enum Sampling
{
    /// <summary>Shuffled non-overlapping windows; a fresh zero state for every minibatch.</summary>
    Random,

    /// <summary>Each batch row continues where it stopped in the previous minibatch; the state is carried over, detached.</summary>
    Consecutive,
}
