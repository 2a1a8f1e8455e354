# Get-Help text for each cmdlet. Parameter descriptions come from the C# summaries of the parameters.
@{
    'Import-LyricsCorpus' = @{
        Synopsis    = 'Reads lyrics into a corpus: text, sorted vocabulary and index sequence.'
        Outputs     = 'One LyricsCorpus: Text, Vocabulary (sorted characters), Indices, Length, Sources.'
        Description = @(
            "With no arguments, loads the book's corpus exactly as Dive into Deep Learning section 6.4 does: jaychou_lyrics.txt from jaychou_lyrics.txt.zip, line breaks replaced by spaces, the first 10,000 characters (1,027 distinct)."
            'The archive is looked for in $env:PSCHARRNN_DATA, then in the per-user data folder ($XDG_DATA_HOME/PSCharRnn, ~/.local/share/PSCharRnn or %LOCALAPPDATA%\PSCharRnn). If it is in neither, it is downloaded into the per-user folder and kept only if its SHA-256 is 3cfedd7d174111cdad5a27eaffaa6a2432a2842cf2590a03dd8a97610ea07043.'
            'With -Path or -LiteralPath, reads .txt files and the .txt entries of .zip files as strict UTF-8 (an invalid byte is an error naming the file and offset), or UTF-16 with a byte-order mark, and makes one corpus of all of them; a line break (LF, CR or CRLF) becomes one space. A file that cannot be read (CorpusFileNotFound, CorpusFileAccessDenied, CorpusInvalidUtf8, ...) is a non-terminating error of its own and the others still make the corpus; a text of only white space is CorpusEmpty. Large files show their progress.'
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus'; Remarks = "Loads the book's corpus: 10,000 characters, 1,027 distinct." }
            @{ Code = 'Get-ChildItem ./songs/*.txt | Import-LyricsCorpus'; Remarks = 'Makes one corpus of every text file in a folder.' }
            @{ Code = 'Import-LyricsCorpus -Path ./lyrics.zip -MaxChars 50000'; Remarks = 'Reads the .txt entries of a zip archive and keeps the first 50,000 characters.' }
        )
    }
    'New-RnnModel'        = @{
        Synopsis    = "Creates an untrained character-level RNN with the book's parameters W_xh, W_hh, b_h, W_hq and b_q."
        Outputs     = 'One untrained RnnModel per input.'
        Description = @(
            'Makes a model of Dive into Deep Learning chapter 6 from scratch: explicit parameter tensors named as the book names them (per layer and gate W_x*, W_h*, b_*, then W_hq and b_q), weights drawn from N(0, 0.01), biases zero, for the vocabulary of a corpus or a given list of characters.'
            'Cells: RNN (section 6.4), H = tanh(X·W_xh + H·W_hh + b_h). GRU (6.7): Z = σ(X·W_xz + H·W_hz + b_z), R = σ(X·W_xr + H·W_hr + b_r), H̃ = tanh(X·W_xh + R ⊙ (H·W_hh) + b_h), H = Z ⊙ H + (1 − Z) ⊙ H̃; the reset gate scales H·W_hh, as the book''s code and nn.GRU do (the book''s prose writes (R ⊙ H)·W_hh). LSTM (6.8): I, F, O = σ(X·W_x* + H·W_h* + b_*), C̃ = tanh(X·W_xc + H·W_hc + b_c), C = F ⊙ C + I ⊙ C̃, H = O ⊙ tanh(C).'
            'With -NumLayers above 1 (section 6.9), each layer reads the hidden states of the one below and the output layer reads the top one; -Dropout drops units between layers while training only.'
            'The model remembers the corpus it was made from, so it can be piped to Start-RnnTraining. It holds native memory: call Dispose() on models you no longer need in long scripts.'
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus | New-RnnModel -HiddenSize 128 | Start-RnnTraining -Epochs 100'; Remarks = "Makes a smaller model for the book's corpus and trains it." }
            @{ Code = "New-RnnModel -Vocabulary a, b, c, ' ' -HiddenSize 16 -Seed 1"; Remarks = 'Makes a tiny model for four characters.' }
            @{ Code = 'Import-LyricsCorpus | New-RnnModel -CellType LSTM -NumLayers 2 -HiddenSize 256 -Dropout 0.2 | Start-RnnTraining -Optimizer Adam -Epochs 40'; Remarks = 'Makes a two-layer LSTM with dropout between its layers and trains it with Adam.' }
        )
    }
    'Start-RnnTraining'   = @{
        Synopsis    = "Trains an RNN with the book's minibatch SGD, gradient clipping and perplexity reports."
        Outputs     = 'The trained RnnModel, with History (one EpochRecord per epoch), LastTraining and Optimizer.'
        Description = @(
            'Trains as train_and_predict_rnn of Dive into Deep Learning section 6.4: minibatches of -BatchSize sequences of -NumSteps characters, random or consecutive sampling, mean cross-entropy, gradients clipped to a global L2 norm of -ClipTheta, then an optimizer step: plain SGD (the book''s, learning rate 100) or torch.optim.Adam (-Optimizer Adam, learning rate 0.01 as in section 6.7.4).'
            'Given a corpus, it makes a new model (-CellType RNN, GRU or LSTM, -HiddenSize, -NumLayers, -Dropout; see New-RnnModel). Given a model, it trains it further: epochs count on, the optimizer''s state (Adam''s moments) carries over, every setting left out (optimizer, learning rate, sampling, steps, batch, clipping, seed, epochs, held-out fraction, patience, report prefixes, threads) is the one the model''s last run used, and naming another -CellType or -NumLayers is an error. Naming another -Optimizer starts a new one at its default learning rate and warns that the old state is discarded. Each epoch''s shuffling and dropout follow from -Seed and the epoch number, so a run resumed from a checkpoint continues exactly as an uninterrupted one (same -Seed and -ThreadCount).'
            "A progress bar shows each epoch. Every -ReportEvery epochs the book's line 'epoch N, perplexity P, time T sec' and one sample per -SamplePrefix go to the Information stream (add -InformationAction Continue to see them). The trained model, with its full history, is written to the pipeline."
            'With -ValidationFraction (the end of the corpus held out, char-rnn''s split; the vocabulary is built from the whole text) or -ValidationCorpus, every epoch also records ValidationPerplexity, as Measure-RnnPerplexity defines it; the report line and the progress bar show both. -BestModelPath keeps the model with the lowest validation perplexity so far, and -Patience stops training, normally, when it has not improved for that many epochs (the last history record''s StoppedBecause says so).'
            'While it trains, a lock file beside -CheckpointPath and -BestModelPath makes a second run on the same file fail (ModelFileInUse). A checkpoint that cannot be written is a non-terminating ModelFileWriteFailed: training goes on, the next checkpoint tries again, and the model is still returned. -WhatIf says what would be trained and trains nothing. A model or working set that cannot fit in the available memory is refused first (ModelTooLarge, TrainingTooLarge).'
            'Models that write rather than recite: -Recipe Lyrics names settings that generalize to lyrics the model has not seen (on the book''s whole text a held-out perplexity near a counting 5-gram''s, where the book''s settings are several times worse; Get-Help about_PSCharRnn lists what each recipe sets). The means it uses are parameters of their own: -LabelSmoothing (a floor for characters the training text lacks), -Optimizer AdamW with -WeightDecay, -LearningRateSchedule Cosine, -ClipTheta, dropout on the input (-InputDropout per unit, -CharacterDropout per character), on the recurrent weights (-RecurrentDropout) and on the output (-OutputDropout), an -EmbeddingSize apart from the hidden size and -TieWeights. A recipe is a .psd1 file read as data; parameters you state win. -Recipe Book is the book''s settings, which are also the defaults.'
            'Fine-tuning on your own lyrics: given a model and a -Corpus with characters the model lacks, -ExtendVocabulary adds them (new rows and columns initialised as a fresh model''s, Adam''s moments zero for them); every old character''s weights and optimizer state stay as they were. Without it, the error CorpusOutOfVocabulary names the missing characters and the switch.'
            'Ctrl+C stops at the next minibatch boundary; the model is as it was after its last whole epoch (with -CheckpointPath, saved there). Training that diverges (a NaN or infinite loss or parameter, or an epoch perplexity above 100 times the vocabulary size) stops with the error TrainingDiverged, and the model and optimizer are restored to their state before that epoch, as they are when anything else fails mid-epoch; with -CheckpointPath, that state is saved there before the error is reported.'
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus | Start-RnnTraining -Epochs 250 -InformationAction Continue | Get-RnnPrediction -Prefix 不分开'; Remarks = "The book's run: trains 250 epochs with random sampling, shows the reports, then writes lyrics." }
            @{ Code = "`$m = Import-LyricsCorpus | Start-RnnTraining -Sampling Consecutive -Seed 1 -ThreadCount 2`n`$m.History | Select-Object Epoch, Perplexity, Seconds | Export-Csv perplexity.csv"; Remarks = 'Trains with consecutive sampling, repeatably, and saves the perplexity of every epoch.' }
            @{ Code = 'Import-RnnModel ./model.safetensors | Start-RnnTraining -Corpus (Import-LyricsCorpus) -Epochs 50 -CheckpointPath ./model.safetensors'; Remarks = 'Resumes a saved model for 50 more epochs with its own settings (Adam stays Adam), checkpointing into the same file.' }
            @{ Code = 'Import-LyricsCorpus | Start-RnnTraining -CellType GRU -Epochs 160 -Sampling Consecutive | Get-RnnPrediction -Prefix 分开'; Remarks = 'The book''s GRU (section 6.7): 160 epochs of SGD with consecutive sampling, then lyrics.' }
            @{ Code = 'Import-LyricsCorpus | Start-RnnTraining -ValidationFraction 0.1 -Patience 10 -BestModelPath ./best.safetensors'; Remarks = 'Holds out the last 10% of the text, keeps the best model by validation perplexity, and stops when it has not improved for 10 epochs.' }
            @{ Code = 'Import-LyricsCorpus -MaxChars 100000 | Start-RnnTraining -Recipe Lyrics -BestModelPath ./lyrics.safetensors'; Remarks = 'Trains with the Lyrics recipe on the book''s whole text, the last 10% held out, and keeps the model that predicts it best.' }
            @{ Code = 'Import-RnnModel ./lyrics.safetensors | Start-RnnTraining -Corpus (Import-LyricsCorpus -Path ./my-songs.txt) -ExtendVocabulary -Recipe Lyrics -Epochs 20'; Remarks = 'Fine-tunes a trained model on your own lyrics, adding the characters it lacks.' }
        )
    }
    'Get-RnnPrediction'   = @{
        Synopsis    = 'Writes text with a trained RNN: the prefix, then the most likely next characters.'
        Outputs     = 'One string per prefix: the prefix followed by the generated characters. With -AsObject, one LyricsPrediction each: Model, ModelPath, Prefix, Text, Sample, Temperature, TopK, TopP, Seed.'
        Description = @(
            "The book's predict_rnn: feeds the prefix one character at a time, then appends -Length characters. By default each is the argmax (greedy, as the book). With -Temperature above 0 each is drawn from softmax(logits / T), after keeping only the -TopK most likely and then the smallest set whose probability reaches -TopP; -Seed makes the draws repeatable, in any process. One string per prefix and -Count, the prefix included."
            'Rules shape every step, greedy or sampled, before the character is chosen: -MaxCopied N with -Corpus never lets a run of more than N characters that includes a generated one occur in that corpus (a walk of its suffix automaton, O(1) per candidate); -RepetitionPenalty divides positive logits of characters already written and multiplies negative ones; -NoRepeatNGram never repeats an n-character sequence in one sample; -Exclude masks characters, and the last character of words, that must not appear. When they leave no character the error is DecodingRulesUnsatisfiable; nothing is relaxed.'
            '-BeamWidth K keeps the K continuations with the best mean log-probability per generated character (deterministic; 1 is greedy); every rule holds on every beam, and -Count writes the best distinct beams (at most K). It does not combine with -Temperature.'
            'Form: a line is a run of characters between spaces (the book''s corpus made every line break a space). -Lines writes that many lines, joined by newlines (-Length then only caps the characters); -LineLength L or a range such as 5..9 masks the separator before the shortest length and forces it at the longest; -Acrostic (藏头) starts line i with its i-th character, one line per character; the prefix, by default the acrostic''s first character, starts the first line. -Rhyme ends every line on the rhyme group (十三辙) of the first line''s last character, -RhymeWith on a given character''s (groups by each character''s first Mandarin reading in Unihan).'
            "A prefix with characters outside the model's vocabulary is a non-terminating error (PrefixOutOfVocabulary) that lists them; the other prefixes are still written."
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus | Start-RnnTraining | Get-RnnPrediction -Prefix 分开, 不分开'; Remarks = "Trains the book's model and continues both of the book's prefixes." }
            @{ Code = '$model | Get-RnnPrediction -Prefix 分开 -Temperature 0.8 -TopK 20 -Count 5 -Seed 7'; Remarks = 'Five different continuations drawn from the 20 most likely characters at each step; the same seed gives the same five.' }
            @{ Code = '$model | Get-RnnPrediction -Prefix 分开 -MaxCopied 6 -Corpus (Import-LyricsCorpus) -Temperature 0.8 -Seed 1'; Remarks = 'Lyrics that never copy more than six characters in a row from the book''s corpus.' }
            @{ Code = 'Import-RnnModel ./models/*.safetensors | Get-RnnPrediction -Prefix 分开 -AsObject | Format-Table'; Remarks = 'One row per model file: which model wrote what.' }
            @{ Code = '$model | Get-RnnPrediction -Acrostic 我想你 -LineLength 7 -MaxCopied 6 -Corpus (Import-LyricsCorpus)'; Remarks = 'A three-line acrostic of seven-character lines that copies no more than six characters in a row.' }
            @{ Code = '$model | Get-RnnPrediction -Acrostic 我想你爱 -LineLength 7 -Rhyme -BeamWidth 8 -MaxCopied 6 -Corpus (Import-LyricsCorpus)'; Remarks = 'A rhymed four-line acrostic found by beam search.' }
        )
    }
    'Export-RnnModel'     = @{
        Synopsis    = 'Saves a model to a single .safetensors file, atomically.'
        Outputs     = 'Nothing, or the model with -PassThru.'
        Description = @(
            'Writes the parameters as float32 tensors named as the model names them (layers.0.W_xh, ..., W_hq, b_q), the optimizer''s state (Adam''s moments, as optimizer.exp_avg.<name> and optimizer.exp_avg_sq.<name>), and, in the file''s __metadata__ as readable UTF-8 JSON, the vocabulary, cell type, hidden size, layer count, dropout, training settings, history (NaN and Infinity stored as the strings "NaN" and "Infinity") and format version 2. The file opens in Python''s safetensors.'
            '-Path is taken literally: wildcard characters are part of the file name. Its folder must exist (PSCharRnn creates no folders, as Out-File does not); a failed write is the error ModelFileWriteFailed naming the file and the reason.'
            'The file is written to a temporary file in the same folder, flushed and renamed over the target: a process killed mid-write leaves the previous file intact.'
        )
        Examples    = @(
            @{ Code = 'Import-LyricsCorpus | Start-RnnTraining | Export-RnnModel -Path ./model.safetensors'; Remarks = 'Trains the book''s model and saves it.' }
            @{ Code = '$m | Export-RnnModel -Path ./model.safetensors -NoClobber -PassThru | Get-RnnPrediction -Prefix 分开'; Remarks = 'Saves without overwriting an existing file, then uses the model.' }
        )
    }
    'Import-RnnModel'     = @{
        Synopsis    = 'Loads a model saved by Export-RnnModel or a training checkpoint.'
        Outputs     = 'One RnnModel per file read; its Path is the file.'
        Description = @(
            'Reads the file without executing anything from it; format 1 files (PSCharRnn 0.1, the RNN only) load as they always did. A truncated, corrupted, foreign or newer-format file, an unknown cell type, or tensors that do not match the model the file describes, give an error with a stable id (ModelFileCorrupt, ModelFileForeign, ModelFileNewerFormat, ModelFileCellTypeUnknown, ModelFileShapeMismatch) and nothing half-loaded is returned.'
            'Each bad file is a non-terminating error of its own: the other files still load. A folder stands for the *.safetensors files in it.'
        )
        Examples    = @(
            @{ Code = 'Import-RnnModel ./model.safetensors | Get-RnnPrediction -Prefix 不分开'; Remarks = 'Writes lyrics from a saved model.' }
            @{ Code = 'Get-ChildItem ./models/*.safetensors | Import-RnnModel | Format-Table'; Remarks = 'Lists saved models with their epochs and perplexity.' }
        )
    }
    'Measure-RnnPerplexity' = @{
        Synopsis    = 'Measures the perplexity of a text under a model: how surprised the model is by it.'
        Outputs     = 'One PerplexityResult per model: Perplexity, Characters (scored), Seconds, Model, Corpus, and with -Baseline BaselinePerplexity and BaselineRatio.'
        Description = @(
            'Defined canonically: the text is one sequence, the state starts at zero and is carried through all of it, and every character after the first is scored given all those before it; the perplexity is exp of the mean cross-entropy. No gradients are computed.'
            '-HeldOut scores the end of the model''s corpus that its last training held out (-ValidationFraction). -Baseline adds BaselinePerplexity and BaselineRatio: the same text under an interpolated Kneser-Ney character 5-gram (discount 0.75, a uniform floor over the model''s vocabulary) of the text the model trained on, or of -TrainingCorpus for a model loaded from a file: is the network better than counting?'
            'Start-RnnTraining -ValidationFraction and -ValidationCorpus report the same figure every epoch, so the two agree. -Corpus takes a corpus or plain text. A text with characters outside the model''s vocabulary is the error CorpusOutOfVocabulary, which names them; one of fewer than two characters is TextTooShort.'
        )
        Examples    = @(
            @{ Code = '$model | Measure-RnnPerplexity -Corpus (Import-LyricsCorpus -Path ./new-song.txt)'; Remarks = 'How well a trained model predicts lyrics it has not seen.' }
            @{ Code = '$model | Measure-RnnPerplexity ''我想你'''; Remarks = 'Scores a line of plain text.' }
            @{ Code = '$model | Measure-RnnPerplexity -HeldOut -Baseline'; Remarks = 'The held-out end of the corpus under the model and under a 5-gram of its training text.' }
        )
    }
    'Measure-LyricsNovelty' = @{
        Synopsis    = 'Measures how much of a text is new rather than copied from a corpus.'
        Outputs     = 'One NoveltyResult per text: Text, LongestCopied, LongestCopiedLength, NovelNGramFraction, NGramLength.'
        Description = @(
            'For each text from the pipeline: LongestCopied is the longest substring that also occurs in the corpus (exact, found with a suffix automaton of the corpus), and NovelNGramFraction the fraction of the text''s character n-grams (-NGramLength, 4 by default: about two Chinese words) that never occur in the corpus. A text shorter than one n-gram has no fraction (null).'
            'The corpus is indexed once per call, so measuring many samples against the full lyrics is fast.'
        )
        Examples    = @(
            @{ Code = '$m | Get-RnnPrediction -Prefix 分开 -Temperature 0.8 -Count 10 -Seed 1 | Measure-LyricsNovelty -Corpus $c'; Remarks = 'How much of ten sampled lyrics is copied from the corpus.' }
        )
    }
    'Export-RnnTrainingChart' = @{
        Synopsis    = 'Draws the perplexity of every epoch, training and validation, as a chart (PNG, JPEG, BMP, WebP or SVG).'
        Outputs     = 'The FileInfo of the chart written.'
        Description = @(
            'Draws with ScottPlot on a logarithmic perplexity axis, labelled even over a narrow range, with whole-number epochs, the best validation epoch and an early stop marked, and the legend below the plot; epochs whose perplexity is NaN or infinite are left out. The chart''s own text is ASCII, which draws on any machine.'
            'The format is the one -Path''s extension names: .png, .jpg or .jpeg, .bmp, .webp, .svg. The file is written atomically; -Path is taken literally and its folder must exist; -NoClobber keeps an existing file and -Force replaces a read-only one. Errors: ChartFormatUnknown, ChartHistoryEmpty, ChartFileWriteFailed, ChartFileExists, ChartFileReadOnly.'
        )
        Examples    = @(
            @{ Code = '$model | Export-RnnTrainingChart -Path ./perplexity.png'; Remarks = 'Draws the model''s whole training history.' }
            @{ Code = '$model.History | Where-Object Epoch -gt 10 | Export-RnnTrainingChart -Path ./late.png -Title ''After epoch 10'''; Remarks = 'Draws part of a history from the pipeline.' }
        )
    }
}
