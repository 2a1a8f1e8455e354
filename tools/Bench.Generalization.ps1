<#
.SYNOPSIS
    Lyrics that are learned, not recited: the held-out perplexity of a recipe's models over seeds beside a counting
    baseline on the same split, and fine-tuning on "your lyrics" against training on them from scratch. Prints figures
    and the README's tables; asserts nothing.
.DESCRIPTION
    The split is char-rnn's: the last 10% of a text is held out. Two figures per run:
    - validation: the best per-epoch perplexity of the held-out end, which -ValidationFraction also uses to choose the
      epoch (-Patience, -BestModelPath): the issue's figure, tuned on the text it reports;
    - test (first seed): the same model family trained on the first 90% alone (its own last 10% of that choosing the
      epoch), the kept best model then scored once on the final 10% with Measure-RnnPerplexity: a figure nothing was
      tuned on.
    The baseline is an interpolated Kneser-Ney character 5-gram (discount 0.75, uniform floor over the model's
    vocabulary) of everything the network's run saw (the first 90%), scored as Measure-RnnPerplexity scores.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [long[]] $Seed = @(1, 2, 3),
    [int] $ThreadCount = [Environment]::ProcessorCount,
    [string] $Recipe = 'Lyrics'
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $ModulePath
if ($Quick) { $Seed = $Seed[0] }
$recipeFile = Join-Path ([PSCharRnn.Commands.TrainingRecipe]::Folder) "$Recipe.psd1"
$settings = Import-PowerShellDataFile $recipeFile
$structure = @{}
foreach ($name in 'CellType', 'HiddenSize', 'NumLayers', 'EmbeddingSize', 'TieWeights', 'InputDropout', 'OutputDropout', 'RecurrentDropout', 'CharacterDropout', 'Dropout') {
    if ($settings.ContainsKey($name)) { $structure[$name] = $settings[$name] }
}
$common = @{ Recipe = $recipeFile; ThreadCount = $ThreadCount; ReportEvery = 0 }
if ($Quick) { $common.Epochs = 3 }
$folder = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "pscharrnn-bench-$PID")

function New-Slice([PSCharRnn.Corpus.LyricsCorpus] $Corpus, [int] $Start, [int] $Length, [string] $Name) {
    [PSCharRnn.Corpus.LyricsCorpus]::new($Corpus.Text.Substring($Start, $Length), [string[]]@($Name))
}

function Get-Best($Model) { $Model.History | Where-Object ValidationPerplexity | Sort-Object ValidationPerplexity | Select-Object -First 1 }

# One seed on one text: the validation figure, then (for the first seed: it trains again) the test figure.
function Measure-Recipe([PSCharRnn.Corpus.LyricsCorpus] $Corpus, [long] $RunSeed) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $model = $Corpus | Start-RnnTraining @common -Seed $RunSeed -ValidationFraction 0.1
    $minutes = $watch.Elapsed.TotalMinutes
    $best = Get-Best $model
    $model.Dispose()
    $result = [pscustomobject]@{
        Seed = $RunSeed; Validation = $best.ValidationPerplexity; Epoch = $best.Epoch; Epochs = $model.EpochsTrained; Minutes = $minutes
        Test = $null; TestBaseline = $null
    }
    if ($RunSeed -ne $Seed[0]) { return $result }

    $held = [int][math]::Round($Corpus.Length * 0.1)
    $first = New-Slice $Corpus 0 ($Corpus.Length - $held) 'first 90%'
    $test = New-Slice $Corpus ($Corpus.Length - $held) $held 'last 10%'
    $path = Join-Path $folder "best-$RunSeed.safetensors"
    $tested = New-RnnModel -Vocabulary $Corpus.Vocabulary @structure -Seed $RunSeed |
        Start-RnnTraining @common -Corpus $first -Seed $RunSeed -ValidationFraction 0.1 -BestModelPath $path
    $tested.Dispose()
    $kept = Import-RnnModel $path
    $score = $kept | Measure-RnnPerplexity -Corpus $test -Baseline -TrainingCorpus $first
    $kept.Dispose()
    $result.Test = $score.Perplexity
    $result.TestBaseline = $score.BaselinePerplexity
    $result
}

# The book's GRU with Adam (the chapter's concise model) on the same split, stopped when it stops improving.
function Measure-BookGru([PSCharRnn.Corpus.LyricsCorpus] $Corpus) {
    $model = $Corpus | Start-RnnTraining -CellType GRU -Optimizer Adam -LearningRate 0.002 -ValidationFraction 0.1 -Patience 5 -Epochs 60 -Seed $Seed[0] -ThreadCount $ThreadCount -ReportEvery 0
    $best = Get-Best $model
    $model.Dispose()
    $best
}

function Format-Mean([double[]] $Values) {
    $mean = ($Values | Measure-Object -Average).Average
    if ($Values.Count -lt 2) { return '{0:F1}' -f $mean }
    $sd = [math]::Sqrt(($Values | ForEach-Object { ($_ - $mean) * ($_ - $mean) } | Measure-Object -Sum).Sum / ($Values.Count - 1))
    '{0:F1} ± {1:F1}' -f $mean, $sd
}

try {
    ''
    "== Lyrics that are learned, not recited: recipe '$Recipe' ($recipeFile), seeds $($Seed -join ', '), $ThreadCount threads"
    ($settings.GetEnumerator() | Sort-Object Key | ForEach-Object { "-$($_.Key) $($_.Value)" }) -join ' '
    $table = foreach ($max in 10000, 100000) {
        $corpus = Import-LyricsCorpus -MaxChars $max
        $split = [PSCharRnn.Training.HeldOutSplit]::Of($corpus.Indices, 0.1)
        $baseline = [PSCharRnn.Baselines.KneserNeyNGram]::new($split.Item1, $corpus.VocabularySize).Perplexity($split.Item2)
        $unseen = @($split.Item2 | Where-Object { $_ -notin $split.Item1 }).Count / $split.Item2.Count
        Write-Host ''
        Write-Host ("-- $($corpus.Length) characters, $($corpus.VocabularySize) distinct; the last $($split.Item2.Length) held out ({0:P1} of them never in the first 90%)" -f $unseen)
        Write-Host ("5-gram (interpolated Kneser-Ney, D 0.75): {0:F1}" -f $baseline)
        $runs = @(foreach ($s in $Seed) {
            $r = Measure-Recipe $corpus $s
            Write-Host ("seed {0}: validation {1:F1} at epoch {2} of {3} ({4:F1} min)" -f $r.Seed, $r.Validation, $r.Epoch, $r.Epochs, $r.Minutes)
            if ($null -ne $r.Test) { Write-Host ("seed {0}, trained on the first 90% (its own last tenth choosing the epoch): test {1:F1} against the 5-gram's {2:F1}" -f $r.Seed, $r.Test, $r.TestBaseline) }
            $r
        })
        $book = if (-not $Quick) { Measure-BookGru $corpus }
        if ($book) { Write-Host ("the book's GRU with Adam (lr 0.002, -Patience 5), seed {0}: validation {1:F1} at epoch {2}" -f $Seed[0], $book.ValidationPerplexity, $book.Epoch) }
        [pscustomobject]@{
            Text = "$($corpus.Length) characters"; 'Held out' = "last $($split.Item2.Length)"; '5-gram' = '{0:F1}' -f $baseline
            'Ours, validation' = Format-Mean $runs.Validation; 'Ratio' = '{0:F2}' -f (($runs.Validation | Measure-Object -Average).Average / $baseline)
            'Book GRU' = if ($book) { '{0:F1}' -f $book.ValidationPerplexity }
            'Ours, test' = '{0:F1}' -f $runs[0].Test
            'Epochs' = ($runs.Epoch -join ', '); 'Minutes' = '{0:F1}' -f ($runs.Minutes | Measure-Object -Maximum).Maximum
        }
    }
    ''
    '== Held-out perplexity, this run'
    $table | Format-Table -AutoSize | Out-String -Width 200

    # Fine-tuning: a base model of the first 50,000 characters; "your lyrics", the remaining ones (other albums), with
    # their own last 10% held out. The same recipe and epochs from the base model and from scratch.
    $whole = Import-LyricsCorpus -MaxChars 100000
    $baseText = New-Slice $whole 0 50000 'first 50,000'
    $mine = New-Slice $whole 50000 ($whole.Length - 50000) 'your lyrics'
    $tuneEpochs = if ($Quick) { 3 } else { 30 }
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $base = $baseText | Start-RnnTraining @common -Seed $Seed[0]
    $baseMinutes = $watch.Elapsed.TotalMinutes
    $results = foreach ($start in 'fine-tuned from the base', 'from scratch') {
        $watch.Restart()
        $model = if ($start -eq 'from scratch') { $mine | Start-RnnTraining @common -Seed $Seed[0] -Epochs $tuneEpochs -Patience $tuneEpochs }
            else { $base | Start-RnnTraining @common -Corpus $mine -ExtendVocabulary -Seed $Seed[0] -Epochs $tuneEpochs -Patience $tuneEpochs }
        $best = Get-Best $model
        [pscustomobject]@{
            Start = $start; 'Held-out perplexity' = '{0:F1}' -f $best.ValidationPerplexity; 'Best epoch' = $best.Epoch
            Vocabulary = $model.VocabularySize; Minutes = '{0:F1}' -f $watch.Elapsed.TotalMinutes
        }
        $model.Dispose()
    }
    $mineSplit = [PSCharRnn.Training.HeldOutSplit]::Of($mine.Indices, 0.1)
    ''
    "== Fine-tuning: base model of the first 50,000 characters ({0:F1} min, best validation {1:F1}); 'your lyrics' the other {2} ({3} held out), {4} epochs each" -f $baseMinutes,
        (Get-Best $base).ValidationPerplexity, $mine.Length, $mineSplit.Item2.Length, $tuneEpochs
    "5-gram of your lyrics' first 90% on their last 10%: {0:F1}" -f [PSCharRnn.Baselines.KneserNeyNGram]::new($mineSplit.Item1, $mine.VocabularySize).Perplexity($mineSplit.Item2)
    $results | Format-Table -AutoSize | Out-String -Width 200
    $base.Dispose()
}
finally {
    Remove-Item -Recurse -Force $folder -ErrorAction Ignore
}
