@{
    CellType = 'GRU'
    HiddenSize = 256
    EmbeddingSize = 128
    InputDropout = 0.2
    OutputDropout = 0.5
    Optimizer = 'AdamW'
    LearningRate = 0.002
    WeightDecay = 0.1
    LabelSmoothing = 0.1
    LearningRateSchedule = 'Cosine'
    Epochs = 60
    ValidationFraction = 0.1
    Patience = 15
}
