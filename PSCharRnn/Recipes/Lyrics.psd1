# A model that generalizes to lyrics it has not seen: a GRU tied to its embedding, regularized as AWD-LSTM
# (whole-character, recurrent-weight and output dropout), label smoothing for characters the training text
# lacks, clipping at 1 and a cosine schedule for Adam. The last 10% of the text is held out to choose the epoch.
@{
    CellType = 'GRU'
    HiddenSize = 256
    EmbeddingSize = 256
    TieWeights = $true
    CharacterDropout = 0.4
    RecurrentDropout = 0.6
    OutputDropout = 0.6
    Optimizer = 'Adam'
    LearningRate = 0.002
    LearningRateSchedule = 'Cosine'
    ClipTheta = 1
    LabelSmoothing = 0.15
    Sampling = 'Consecutive'
    Epochs = 60
    ValidationFraction = 0.1
    Patience = 10
}
