# Get-Help text for each cmdlet. Parameter descriptions come from the C# summaries of the parameters.
@{
    'Import-LyricsCorpus' = @{
        Synopsis    = 'Reads lyrics into a corpus: text, sorted vocabulary and index sequence.'
        Description = @(
            "With no arguments, loads the book's corpus exactly as Dive into Deep Learning section 6.4 does: jaychou_lyrics.txt from jaychou_lyrics.txt.zip, line breaks replaced by spaces, the first 10,000 characters (1,027 distinct)."
            'The archive is looked for in $env:PSCHARRNN_DATA, then in the per-user data folder ($XDG_DATA_HOME/PSCharRnn, ~/.local/share/PSCharRnn or %LOCALAPPDATA%\PSCharRnn). If it is in neither, it is downloaded into the per-user folder and kept only if its SHA-256 is 3cfedd7d174111cdad5a27eaffaa6a2432a2842cf2590a03dd8a97610ea07043.'
            'With -Path or -LiteralPath, reads .txt files and the .txt entries of .zip files as strict UTF-8 (an invalid byte is an error naming the file and offset) and makes one corpus of all of them.'
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus'; Remarks = "Loads the book's corpus: 10,000 characters, 1,027 distinct." }
            @{ Code = 'Get-ChildItem ./songs/*.txt | Import-LyricsCorpus'; Remarks = 'Makes one corpus of every text file in a folder.' }
            @{ Code = 'Import-LyricsCorpus -Path ./lyrics.zip -MaxChars 50000'; Remarks = 'Reads the .txt entries of a zip archive and keeps the first 50,000 characters.' }
        )
    }
    'New-RnnModel'        = @{
        Synopsis    = "Creates an untrained character-level RNN with the book's parameters W_xh, W_hh, b_h, W_hq and b_q."
        Description = @(
            'Makes the model of Dive into Deep Learning section 6.4 from scratch: weights drawn from N(0, 0.01), biases zero, for the vocabulary of a corpus or a given list of characters.'
            'The model remembers the corpus it was made from, so it can be piped to Start-RnnTraining. It holds native memory: call Dispose() on models you no longer need in long scripts.'
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus | New-RnnModel -HiddenSize 128 | Start-RnnTraining -Epochs 100'; Remarks = "Makes a smaller model for the book's corpus and trains it." }
            @{ Code = "New-RnnModel -Vocabulary a, b, c, ' ' -HiddenSize 16 -Seed 1"; Remarks = 'Makes a tiny model for four characters.' }
        )
    }
    'Start-RnnTraining'   = @{
        Synopsis    = "Trains an RNN with the book's minibatch SGD, gradient clipping and perplexity reports."
        Description = @(
            'Trains as train_and_predict_rnn of Dive into Deep Learning section 6.4: minibatches of -BatchSize sequences of -NumSteps characters, random or consecutive sampling, mean cross-entropy, gradients clipped to a global L2 norm of -ClipTheta, plain SGD with -LearningRate.'
            "A progress bar shows each epoch. Every -ReportEvery epochs the book's line 'epoch N, perplexity P, time T sec' and one sample per -SamplePrefix go to the Information stream (add -InformationAction Continue to see them). The trained model, with its full history, is written to the pipeline."
            'Ctrl+C stops at the next minibatch boundary (with -CheckpointPath, after writing a last checkpoint). A run whose loss becomes NaN or infinite stops with the error TrainingDiverged, and the model is restored to its state before that epoch.'
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus | Start-RnnTraining -Epochs 250 -InformationAction Continue | Get-RnnPrediction -Prefix 不分开'; Remarks = "The book's run: trains 250 epochs with random sampling, shows the reports, then writes lyrics." }
            @{ Code = "`$m = Import-LyricsCorpus | Start-RnnTraining -Sampling Consecutive -Seed 1 -ThreadCount 2`n`$m.History | Select-Object Epoch, Perplexity, Seconds | Export-Csv perplexity.csv"; Remarks = 'Trains with consecutive sampling, repeatably, and saves the perplexity of every epoch.' }
            @{ Code = 'Import-RnnModel ./model.safetensors | Start-RnnTraining -Corpus (Import-LyricsCorpus) -Epochs 50 -CheckpointPath ./model.safetensors'; Remarks = 'Resumes a saved model for 50 more epochs, checkpointing into the same file.' }
        )
    }
    'Get-RnnPrediction'   = @{
        Synopsis    = 'Writes text with a trained RNN: the prefix, then the most likely next characters.'
        Description = @(
            "The book's predict_rnn: feeds the prefix one character at a time, then appends the argmax character -Length times. One string per prefix, the prefix included."
            "A prefix with characters outside the model's vocabulary is a non-terminating error (PrefixOutOfVocabulary) that lists them; the other prefixes are still written."
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus | Start-RnnTraining | Get-RnnPrediction -Prefix 分开, 不分开'; Remarks = "Trains the book's model and continues both of the book's prefixes." }
        )
    }
    'Export-RnnModel'     = @{
        Synopsis    = 'Saves a model to a single .safetensors file, atomically.'
        Description = @(
            'Writes the five weights as float32 tensors (W_xh, W_hh, b_h, W_hq, b_q) and, in the file''s __metadata__, the vocabulary, cell type, hidden size, training settings, history and a format version. The file opens in Python''s safetensors.'
            'The file is written to a temporary file in the same folder, flushed and renamed over the target: a process killed mid-write leaves the previous file intact.'
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus | Start-RnnTraining | Export-RnnModel -Path ./model.safetensors'; Remarks = 'Trains the book''s model and saves it.' }
            @{ Code = '$m | Export-RnnModel -Path ./model.safetensors -NoClobber -PassThru | Get-RnnPrediction -Prefix 分开'; Remarks = 'Saves without overwriting an existing file, then uses the model.' }
        )
    }
    'Import-RnnModel'     = @{
        Synopsis    = 'Loads a model saved by Export-RnnModel or a training checkpoint.'
        Description = @(
            'Reads the file without executing anything from it. A truncated, corrupted, foreign or newer-format file, or tensors whose shapes disagree with the vocabulary and hidden size, give an error with a stable id (ModelFileCorrupt, ModelFileForeign, ModelFileNewerFormat, ModelFileShapeMismatch) and nothing half-loaded is returned.'
        )
        Examples    = @(
            @{ Code = 'Import-RnnModel ./model.safetensors | Get-RnnPrediction -Prefix 不分开'; Remarks = 'Writes lyrics from a saved model.' }
            @{ Code = 'Get-ChildItem ./models/*.safetensors | Import-RnnModel | Format-Table'; Remarks = 'Lists saved models with their epochs and perplexity.' }
        )
    }
}
