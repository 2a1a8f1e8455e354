BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $corpus = New-RepetitiveCorpus
    $fast = @{ NumSteps = 10; BatchSize = 8; ReportEvery = 0; Seed = 3; ThreadCount = 1 }
}

Describe 'GRU, LSTM and stacked layers from the same cmdlets' {
    It 'trains a GRU from a corpus in the pipeline and writes with it' {
        $model = $corpus | Start-RnnTraining -CellType GRU -HiddenSize 32 -Epochs 30 -Optimizer Adam @fast
        $model.CellType | Should -Be 'GRU'
        $model.NamedParameters.Name | Should -Contain 'layers.0.W_xz'
        $model.Perplexity | Should -BeLessThan 1.1
        $model | Get-RnnPrediction -Prefix 'cd' -Length 16 | Should -BeExactly 'cdefgh abcdefgh ab'
    }
    It 'trains a two-layer LSTM made by New-RnnModel, with Adam and dropout' {
        $model = $corpus | New-RnnModel -CellType LSTM -NumLayers 2 -HiddenSize 16 -Dropout 0.2 -Seed 1 |
            Start-RnnTraining -Optimizer Adam -Epochs 2 @fast
        $model.NumLayers | Should -Be 2
        $model.Dropouts.BetweenLayers | Should -Be 0.2
        $model.Optimizer.Kind | Should -Be 'Adam'
        $model.LastTraining.LearningRate | Should -Be 0.01
        $model.NamedParameters.Name | Should -Contain 'layers.1.W_hc'
        $model.ParameterCount | Should -Be (4 * (9 * 16 + 16 * 16 + 16) + 4 * (16 * 16 + 16 * 16 + 16) + 16 * 9 + 9)
    }
    It 'lets an explicit -LearningRate win over the optimizer''s default' {
        ($corpus | Start-RnnTraining -Optimizer Adam -LearningRate 0.003 -HiddenSize 8 -Epochs 1 @fast).LastTraining.LearningRate | Should -Be 0.003
    }
    It 'shows the cell type and layer count in the table view and ToString()' {
        $model = New-RnnModel -Corpus $corpus -CellType LSTM -NumLayers 3 -HiddenSize 4
        $model | Format-Table | Out-String | Should -Match 'LSTM\s+3\s+4\s+9'
        "$model" | Should -Match '^LSTM model: 3 layers, hidden 4'
    }
    It 'keeps Adam''s state in a checkpoint and resumes with it' {
        $path = "$TestDrive/adam.safetensors"
        $null = $corpus | Start-RnnTraining -CellType GRU -HiddenSize 8 -Optimizer Adam -Epochs 2 -CheckpointPath $path @fast
        $loaded = Import-RnnModel $path
        $loaded.CellType | Should -Be 'GRU'
        $loaded.Optimizer.Kind | Should -Be 'Adam'
        $loaded.Optimizer.StepCount | Should -BeGreaterThan 0
        $resumed = $loaded | Start-RnnTraining -Corpus $corpus -Optimizer Adam -Epochs 1 -NumSteps 10 -BatchSize 8 -ReportEvery 0
        $resumed.EpochsTrained | Should -Be 3
    }
    It 'writes with every decoding rule from a <Cell> model of two layers' -ForEach @(@{ Cell = 'GRU' }, @{ Cell = 'LSTM' }) {
        $m = $corpus | Start-RnnTraining -CellType $Cell -NumLayers 2 -HiddenSize 8 -NumSteps 9 -BatchSize 8 -Epochs 1 -ReportEvery 0 -Seed 1
        $text = $m | Get-RnnPrediction -Prefix a -Lines 2 -LineLength 3..4 -BeamWidth 3 -MaxCopied 3 -Corpus $corpus -NoRepeatNGram 3
        $lines = $text -split "`n"
        $lines.Count | Should -Be 2
        $lines | ForEach-Object { $_.Length | Should -BeIn 3, 4 }
        ($text -replace "`n", ' ' | Measure-LyricsNovelty -Corpus $corpus).LongestCopiedLength | Should -BeLessOrEqual 3
    }
    It 'tab-completes the cell types, the optimizers and the device' {
        function Complete([string] $line) { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText }
        Complete 'New-RnnModel -CellType ' | Sort-Object | Should -Be @('GRU', 'LSTM', 'RNN')
        Complete 'Start-RnnTraining -CellType L' | Should -Be @('LSTM')
        Complete 'Start-RnnTraining -Optimizer ' | Sort-Object | Should -Be @('Adam', 'AdamW', 'SGD')
        Complete 'Start-RnnTraining -Recipe ' | Should -Be @('Book', 'Lyrics')
        Complete 'New-RnnModel -Device ' | Should -Be @('cpu')
    }
}

Describe 'Model family errors' {
    It 'rejects -NumLayers 0 and -Dropout 1' {
        { New-RnnModel -Corpus $corpus -NumLayers 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { New-RnnModel -Corpus $corpus -Dropout 1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { $corpus | Start-RnnTraining -NumLayers 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { New-RnnModel -Corpus $corpus -CellType Transformer } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage*'
    }
    It 'warns that -Dropout does nothing on a model of one layer' {
        $null = New-RnnModel -Corpus $corpus -HiddenSize 4 -Dropout 0.5 -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -Match 'no effect on a model of one layer'
        $null = $corpus | Start-RnnTraining -HiddenSize 4 -NumSteps 9 -BatchSize 8 -Epochs 1 -ReportEvery 0 -Dropout 0.5 -WarningVariable warned2 -WarningAction SilentlyContinue
        "$warned2" | Should -Match 'no effect on a model of one layer'
    }
    It 'refuses a model that cannot fit in memory before allocating it, with the figures' {
        $err = { New-RnnModel -Corpus $corpus -CellType LSTM -HiddenSize 8192 -NumLayers 50 } | Should -Throw -ErrorId 'ModelTooLarge*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $err.Exception.Message | Should -Match 'needs about [\d.]+ GiB of memory, and this machine has [\d.]+ GiB available'
        { $corpus | Start-RnnTraining -CellType LSTM -HiddenSize 8192 -NumLayers 50 } | Should -Throw -ErrorId 'ModelTooLarge*'
    }
    It 'refuses minibatches whose working set cannot fit, before the first one' {
        $long = New-TextFile "$TestDrive/long.txt" ('abcdefgh ' * 1200000) | Import-LyricsCorpus
        $model = $long | New-RnnModel -HiddenSize 2048
        $err = { $model | Start-RnnTraining -BatchSize 100000 -NumSteps 100 -Epochs 1 } | Should -Throw -ErrorId 'TrainingTooLarge*' -PassThru
        $err.Exception.Message | Should -Match 'minibatches of 100000 x 100'
        $model.EpochsTrained | Should -Be 0
    }
    It 'caps -ThreadCount at the processor count, with a warning' {
        $m = $corpus | Start-RnnTraining -HiddenSize 4 -NumSteps 9 -BatchSize 8 -Epochs 1 -ReportEvery 0 -ThreadCount 1000 -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -Match "more than this machine's $([Environment]::ProcessorCount) processors"
        $m.LastTraining.ThreadCount | Should -Be ([Environment]::ProcessorCount)
    }
    It 'says NaN is not a number' {
        $err = { $corpus | Start-RnnTraining -LearningRate NaN } | Should -Throw -ErrorId 'ParameterArgumentValidationError*' -PassThru
        $err.Exception.Message | Should -Match 'NaN is not a number'
        { $corpus | Start-RnnTraining -ClipTheta NaN } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
    It 'refuses to change the cell type or layer count of an existing model' {
        $model = New-RnnModel -Corpus $corpus -CellType GRU -HiddenSize 4
        $err = { $model | Start-RnnTraining -CellType LSTM -Epochs 1 } | Should -Throw -ErrorId 'CellTypeMismatch*' -PassThru
        $err.TargetObject | Should -Be 'LSTM'
        { $model | Start-RnnTraining -NumLayers 2 -Epochs 1 } | Should -Throw -ErrorId 'NumLayersMismatch*'
    }
    It 'names an unknown cell type in a file' {
        $path = "$TestDrive/cell.safetensors"
        New-RnnModel -Corpus $corpus -CellType GRU -HiddenSize 4 | Export-RnnModel -Path $path
        Edit-ModelHeader $path "$TestDrive/qrn.safetensors" '"cell_type":"GRU"' '"cell_type":"QRN"'
        $err = { Import-RnnModel "$TestDrive/qrn.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileCellTypeUnknown*' -PassThru
        $err.Exception.Message | Should -Match 'QRN'
    }
    It 'rejects a file whose tensors do not match the model it describes' {
        $path = "$TestDrive/layers.safetensors"
        New-RnnModel -Corpus $corpus -CellType GRU -HiddenSize 4 | Export-RnnModel -Path $path
        Edit-ModelHeader $path "$TestDrive/two.safetensors" '"num_layers":"1"' '"num_layers":"2"'
        $err = { Import-RnnModel "$TestDrive/two.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileShapeMismatch*' -PassThru
        $err.Exception.Message | Should -Match 'layers\.1\.W_xz'
    }
}
