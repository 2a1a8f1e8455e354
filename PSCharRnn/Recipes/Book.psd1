# The book's settings (Dive into Deep Learning, section 6.4): the RNN of 256 hidden units, SGD at
# learning rate 100, clipping at 0.01, 250 epochs of 32 x 35 random minibatches. They are
# Start-RnnTraining's defaults, so this recipe sets nothing: naming it says a run keeps the book's meaning.
@{
}
