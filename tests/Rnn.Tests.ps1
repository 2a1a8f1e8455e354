BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $corpus = New-RepetitiveCorpus
    $fast = @{ Epochs = 3; NumSteps = 9; BatchSize = 8; HiddenSize = 16; ReportEvery = 0; Seed = 1 }
}

Describe 'New-RnnModel' {
    It 'makes a model from a corpus in the pipeline and remembers the corpus' {
        $model = $corpus | New-RnnModel -HiddenSize 16 -Seed 1
        $model | Should -BeOfType PSCharRnn.Model.RnnModel
        $model.HiddenSize | Should -Be 16
        $model.VocabularySize | Should -Be 9
        $model.ParameterCount | Should -Be (9 * 16 + 16 * 16 + 16 + 16 * 9 + 9)
        $model.Corpus | Should -Be $corpus
        $model.EpochsTrained | Should -Be 0
    }
    It 'defaults to the book''s 256 hidden units' {
        (New-RnnModel -Corpus $corpus).HiddenSize | Should -Be 256
    }
    It 'makes a model from a vocabulary' {
        $model = New-RnnModel -Vocabulary 'c', 'a', 'b', 'a' -HiddenSize 4
        $model.Vocabulary | Should -Be @('a', 'b', 'c')
    }
    It 'gives the same weights for the same seed' {
        $a = New-RnnModel -Corpus $corpus -HiddenSize 8 -Seed 42
        $b = New-RnnModel -Corpus $corpus -HiddenSize 8 -Seed 42
        $a.GetParameter('layers.0.W_hh').data[float]().ToArray() | Should -Be ($b.GetParameter('layers.0.W_hh').data[float]().ToArray())
    }
    It 'prints cell type, sizes, parameters, epochs and perplexity' {
        $text = New-RnnModel -Corpus $corpus -HiddenSize 16 | Format-Table | Out-String
        $text | Should -Match 'Cell\s+Layers\s+Hidden\s+Vocabulary\s+Parameters\s+Epochs\s+Perplexity'
        $text | Should -Match 'RNN\s+1\s+16\s+9\s+569\s+0'
    }
    It 'rejects a device other than the CPU' {
        { New-RnnModel -Corpus $corpus -Device cuda } | Should -Throw -ErrorId 'DeviceNotSupported*'
    }
    It 'rejects a hidden size of 0' {
        { New-RnnModel -Corpus $corpus -HiddenSize 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Start-RnnTraining' {
    It 'trains a new model for a corpus from the pipeline' {
        $model = $corpus | Start-RnnTraining @fast
        $model.EpochsTrained | Should -Be 3
        $model.History.Count | Should -Be 3
        $model.History[0].Perplexity | Should -BeGreaterThan $model.History[2].Perplexity
    }
    It 'trains a model from the pipeline further, counting epochs on' {
        $model = $corpus | New-RnnModel -HiddenSize 16 -Seed 1 | Start-RnnTraining -Epochs 2 -NumSteps 9 -BatchSize 8 -ReportEvery 0
        $model = $model | Start-RnnTraining -Epochs 3 -NumSteps 9 -BatchSize 8 -ReportEvery 0
        $model.EpochsTrained | Should -Be 5
        $model.History.Epoch | Should -Be (1..5)
    }
    It 'takes -Model and -Corpus as parameters and works inside ForEach-Object' {
        $model = New-RnnModel -Corpus $corpus -HiddenSize 16
        $trained = Start-RnnTraining -Model $model -Corpus $corpus -Epochs 1 -NumSteps 9 -BatchSize 8 -ReportEvery 0
        $trained | Should -Be $model
        $many = 1..2 | ForEach-Object { Start-RnnTraining -Corpus $corpus @fast }
        $many.Count | Should -Be 2
    }
    It 'learns a tiny repetitive corpus to perplexity below 1.1, then predicts it' {
        $model = $corpus | Start-RnnTraining -Epochs 60 -NumSteps 9 -BatchSize 8 -HiddenSize 32 -ReportEvery 0 -Seed 3
        $model.Perplexity | Should -BeLessThan 1.1
        $model | Get-RnnPrediction -Prefix 'cd' -Length 16 | Should -BeExactly 'cdefgh abcdefgh ab'
    }
    It 'reports the book''s line and samples on the Information stream' {
        $model = $corpus | Start-RnnTraining @fast -ReportEvery 2 -SamplePrefix 'ab' -SampleLength 5 -InformationVariable info
        $messages = @($info | ForEach-Object { "$($_.MessageData)" })
        $messages[0] | Should -Match '^epoch 2, perplexity \d+\.\d{6}, time \d+\.\d\d sec$'
        $messages[1] | Should -Match '^ - ab.{5}$'
        $model.History[1].Samples.Count | Should -Be 1
    }
    It 'repeats exactly with the same -Seed and -ThreadCount' {
        $a = $corpus | Start-RnnTraining @fast -ThreadCount 1 -ReportEvery 3 -SamplePrefix 'ab'
        $b = $corpus | Start-RnnTraining @fast -ThreadCount 1 -ReportEvery 3 -SamplePrefix 'ab'
        $b.History.Perplexity | Should -Be $a.History.Perplexity
        $b.History[2].Samples | Should -Be $a.History[2].Samples
    }
    It 'trains with consecutive sampling' {
        $model = $corpus | Start-RnnTraining @fast -Sampling Consecutive
        $model.History[-1].Sampling | Should -Be 'Consecutive'
    }
    It 'stops a diverging run (-LearningRate <Rate>) with an error naming the epoch, emits no model, restores the model' -TestCases @(
        @{ Rate = 1e10 }, @{ Rate = 1e30 }, @{ Rate = 1e4 }
    ) {
        $model = $corpus | New-RnnModel -HiddenSize 16 -Seed 1
        $before = $model.W_hq.data[float]().ToArray()
        $script:out = $null
        $err = { $script:out = $model | Start-RnnTraining -Epochs 3 -NumSteps 9 -BatchSize 8 -ReportEvery 0 -LearningRate $Rate } | Should -Throw -ErrorId 'TrainingDiverged*' -PassThru
        $err.Exception.Message | Should -Match 'epoch 1'
        $err.CategoryInfo.Category | Should -Be 'InvalidResult'
        $script:out | Should -BeNullOrEmpty
        $model.W_hq.data[float]().ToArray() | Should -Be $before
        $model.EpochsTrained | Should -Be 0
    }
    It 'keeps the whole epochs in -CheckpointPath when a later epoch diverges' {
        $model = $corpus | Start-RnnTraining -Epochs 2 -HiddenSize 16 -NumSteps 9 -BatchSize 8 -Seed 1 -ReportEvery 0 -LearningRate 0.1
        $before = $model.W_hq.data[float]().ToArray()
        $path = "$TestDrive/diverged.model.safetensors"
        { $model | Start-RnnTraining -Epochs 3 -LearningRate 1e30 -CheckpointPath $path } | Should -Throw -ErrorId 'TrainingDiverged*'
        $saved = Import-RnnModel $path
        $saved.EpochsTrained | Should -Be 2
        $saved.W_hq.data[float]().ToArray() | Should -Be $before
    }
    It 'rejects a learning rate float32 training cannot take' {
        { $corpus | Start-RnnTraining @fast -LearningRate 1e300 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
    It 'rejects a corpus too short for one minibatch' {
        $short = New-TextFile "$TestDrive/short.txt" 'abcdefg' | Import-LyricsCorpus
        { $short | Start-RnnTraining -Epochs 1 } | Should -Throw -ErrorId 'CorpusTooShort*'
    }
    It 'names corpus characters the model lacks' {
        $model = New-RnnModel -Vocabulary 'a', 'b' -HiddenSize 4
        $err = { Start-RnnTraining -Model $model -Corpus $corpus -Epochs 1 } | Should -Throw -ErrorId 'CorpusOutOfVocabulary*' -PassThru
        $err.Exception.Message | Should -Match 'c d e f g h'
    }
    It 'asks for a corpus when the model remembers none' {
        $model = New-RnnModel -Vocabulary 'a', 'b' -HiddenSize 4
        { $model | Start-RnnTraining -Epochs 1 } | Should -Throw -ErrorId 'CorpusRequired*'
    }
    It 'rejects a sample prefix outside the vocabulary' {
        { $corpus | Start-RnnTraining @fast -SamplePrefix '不' } | Should -Throw -ErrorId 'PrefixOutOfVocabulary*'
    }
    It 'validates every numeric parameter' -TestCases @(
        @{ Name = 'Epochs'; Value = 0 }, @{ Name = 'NumSteps'; Value = 0 }, @{ Name = 'BatchSize'; Value = 0 },
        @{ Name = 'LearningRate'; Value = 0 }, @{ Name = 'ClipTheta'; Value = -1 }, @{ Name = 'ThreadCount'; Value = 0 }
    ) {
        $arguments = @{ $Name = $Value }
        { $corpus | Start-RnnTraining @arguments } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
    It 'moves the progress bar within an epoch on a bigger corpus, with the time left' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; Import-LyricsCorpus -MaxChars 100000 | Start-RnnTraining -Epochs 1 -HiddenSize 256 -ReportEvery 0 -Seed 1")
            $null = $ps.Invoke()
            $withinEpoch = @($ps.Streams.Progress | Where-Object StatusDescription -like 'Epoch 1 of 1, minibatch *')
            $withinEpoch.Count | Should -BeGreaterThan 0 -Because 'an epoch of 56 minibatches takes over a second'
            $withinEpoch[0].PercentComplete | Should -BeLessThan 100
            $withinEpoch[0].SecondsRemaining | Should -BeGreaterThan 0
        }
        finally { $ps.Dispose() }
    }
    It 'stops cleanly at a minibatch boundary when the pipeline is stopped' {
        $run = Start-TrainingInRunspace "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; '$TestDrive/repetitive-120.txt' | Import-LyricsCorpus | Start-RnnTraining -Epochs 100000 -NumSteps 9 -BatchSize 8 -HiddenSize 16 -ReportEvery 0"
        try {
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Running'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $run.PowerShell.Stop()
            { $run.PowerShell.EndInvoke($run.Async) } | Should -Throw '*stopped*'
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
        finally { $run.PowerShell.Dispose() }
    }
}

Describe 'Get-RnnPrediction' {
    BeforeAll { $model = $corpus | Start-RnnTraining @fast }

    It 'returns one string per prefix, the prefix included, 50 characters appended by default' {
        $out = $model | Get-RnnPrediction -Prefix 'ab', 'h'
        $out.Count | Should -Be 2
        $out[0] | Should -BeLike 'ab*'
        $out[0].Length | Should -Be 52
        $out[1].Length | Should -Be 51
    }
    It 'takes -Length' {
        (Get-RnnPrediction -Model $model -Prefix 'a' -Length 5).Length | Should -Be 6
    }
    It 'lists the characters a prefix has outside the vocabulary' {
        $err = { $model | Get-RnnPrediction -Prefix 'a不z' -ErrorAction Stop } | Should -Throw -ErrorId 'PrefixOutOfVocabulary*' -PassThru
        $err.Exception.Message | Should -Match "'不' 'z'"
    }
    It 'rejects an empty prefix' {
        { $model | Get-RnnPrediction -Prefix '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'The user''s pipeline' {
    It 'runs Import-LyricsCorpus | Start-RnnTraining | Get-RnnPrediction on the book corpus' {
        $out = Import-LyricsCorpus -MaxChars 2000 | Start-RnnTraining -Epochs 2 -HiddenSize 32 -ReportEvery 0 | Get-RnnPrediction -Prefix 不分开
        $out | Should -BeLike '不分开*'
        $out.Length | Should -Be 53
    }
}
