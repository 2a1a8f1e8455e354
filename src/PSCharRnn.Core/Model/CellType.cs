namespace PSCharRnn.Model;

/// <summary>The recurrent cells of the chapter: the vanilla RNN (§6.4), the GRU (§6.7) and the LSTM (§6.8).</summary>
public enum CellType
{
    RNN,
    GRU,
    LSTM,
}
