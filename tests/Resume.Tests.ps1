# Going on training a model: what it keeps, what a user changes, and the files it writes meanwhile.
BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $module = (Resolve-Path "$PSScriptRoot/../PSCharRnn.psd1").Path
    $corpus = New-RepetitiveCorpus
    $corpusFile = "$TestDrive/repetitive-120.txt"
    $fast = @{ NumSteps = 9; BatchSize = 8; HiddenSize = 16; ReportEvery = 0 }
    function Get-Weights($Model) { ($Model.NamedParameters | ForEach-Object { $_.Value.data[float]().ToArray() -join ',' }) -join ';' }
}

Describe 'A resumed model trains on with its own settings' {
    It 'resumes a killed Adam run as the README prints it, to the weights of an uninterrupted run' {
        # The README's resume line, exactly as printed (the line that ends in a pipe and the one after it).
        $readme = Get-Content -Raw "$PSScriptRoot/../README.md"
        $resume = [regex]::Match($readme, '(?m)^Import-RnnModel \./model\.safetensors \|\s*\r?\n\s*Start-RnnTraining[^\r\n]*').Value
        $resume | Should -Match 'CheckpointPath ./model.safetensors'
        $folder = New-Item -ItemType Directory "$TestDrive/killed"
        $book = "-CellType LSTM -NumLayers 2 -HiddenSize 16 -Dropout 0.2 -Optimizer Adam -LearningRate 0.005 -Sampling Consecutive -NumSteps 9 -BatchSize 8 -Seed 4 -ThreadCount 2 -ReportEvery 0"
        Stop-AfterFile (Start-ChildPwsh "Import-Module '$module'; Set-Location '$folder'; Import-LyricsCorpus | Start-RnnTraining $book -Epochs 100000 -CheckpointPath ./model.safetensors -CheckpointEvery 3") "$folder/model.safetensors"
        $killedAt = (Import-RnnModel "$folder/model.safetensors").EpochsTrained
        $killedAt | Should -BeGreaterThan 0

        Push-Location $folder
        try { $resumed = Invoke-Expression $resume }
        finally { Pop-Location }

        $resumed.EpochsTrained | Should -Be ($killedAt + 10)
        $resumed.LastTraining.Optimizer | Should -Be 'Adam'
        $resumed.LastTraining.LearningRate | Should -Be 0.005
        $resumed.LastTraining.Sampling | Should -Be 'Consecutive'
        $resumed.LastTraining.NumSteps | Should -Be 9
        $resumed.LastTraining.Seed | Should -Be 4
        $uninterrupted = Invoke-Expression "Import-LyricsCorpus | Start-RnnTraining $book -Epochs $($killedAt + 10)"
        $resumed.History.Perplexity | Should -Be $uninterrupted.History.Perplexity
        Get-Weights $resumed | Should -Be (Get-Weights $uninterrupted)
        $saved = Import-RnnModel "$folder/model.safetensors"
        $saved.Optimizer.Kind | Should -Be 'Adam' -Because "the checkpoint keeps Adam's state"
        $saved.Optimizer.StepCount | Should -Be $uninterrupted.Optimizer.StepCount
    }

    It 'resumes as Get-Help Start-RnnTraining''s example prints it, to the weights of an uninterrupted run' {
        $example = (Get-Help Start-RnnTraining -Examples).examples.example.code | Where-Object { $_ -like 'Import-RnnModel ./model.safetensors*' }
        $example | Should -Match 'CheckpointPath ./model.safetensors'
        $folder = New-Item -ItemType Directory "$TestDrive/help"
        $book = "-Optimizer Adam -LearningRate 0.004 -NumSteps 9 -BatchSize 8 -HiddenSize 16 -Seed 6 -ThreadCount 2 -ReportEvery 0"
        Invoke-Expression "Import-LyricsCorpus | Start-RnnTraining $book -Epochs 3 -CheckpointPath '$folder/model.safetensors'" | Out-Null
        Push-Location $folder
        try { $resumed = Invoke-Expression $example }
        finally { Pop-Location }
        $epochs = [int]([regex]::Match($example, '-Epochs (\d+)').Groups[1].Value)
        $resumed.EpochsTrained | Should -Be (3 + $epochs)
        $uninterrupted = Invoke-Expression "Import-LyricsCorpus | Start-RnnTraining $book -Epochs $(3 + $epochs)"
        Get-Weights $resumed | Should -Be (Get-Weights $uninterrupted)
    }

    It 'changes only what is stated: a new -Epochs or -LearningRate, the rest as before' {
        $first = $corpus | Start-RnnTraining @fast -Epochs 2 -Optimizer Adam -LearningRate 0.003 -Sampling Consecutive -ClipTheta 0.5 -Seed 8
        $next = $first | Start-RnnTraining -Epochs 1 -LearningRate 0.001
        $next.LastTraining.LearningRate | Should -Be 0.001
        $next.LastTraining.Optimizer | Should -Be 'Adam'
        $next.LastTraining.Sampling | Should -Be 'Consecutive'
        $next.LastTraining.ClipTheta | Should -Be 0.5
        $next.LastTraining.BatchSize | Should -Be 8
        $next.LastTraining.Seed | Should -Be 8
        ($next | Start-RnnTraining).LastTraining.Epochs | Should -Be 1 -Because 'an unstated -Epochs is the last run''s too'
    }

    It 'keeps the held-out split and -Patience of the last run' {
        $first = $corpus | Start-RnnTraining @fast -Epochs 1 -ValidationFraction 0.2 -Patience 50
        $next = $first | Start-RnnTraining -Epochs 1
        $next.LastTraining.ValidationFraction | Should -Be 0.2
        $next.LastTraining.Patience | Should -Be 50
        $next.History[-1].ValidationPerplexity | Should -Not -BeNullOrEmpty
    }

    It 'keeps -Precision Mixed through a saved file and a resume, says what it does on this machine, and goes back to Full when told' {
        $file = "$TestDrive/mixed.safetensors"
        $mixed = $corpus | Start-RnnTraining @fast -Epochs 2 -Precision Mixed -Seed 3 -CheckpointPath $file -WarningVariable warned -WarningAction SilentlyContinue -Verbose 4>&1 |
            Where-Object { $_ -is [PSCharRnn.Model.RnnModel] -or "$_" -like '-Precision Mixed*' } | Tee-Object -Variable said | Where-Object { $_ -is [PSCharRnn.Model.RnnModel] }
        $mixed.LastTraining.Precision | Should -Be 'Mixed'
        $message = @($said | Where-Object { $_ -isnot [PSCharRnn.Model.RnnModel] }) + @($warned) | ForEach-Object { "$_" } | Select-Object -Unique
        @($message).Count | Should -Be 1
        if ([PSCharRnn.Numerics.Gemm]::MixedUnavailable) { "$warned" | Should -BeLike "*trains in float32 here: $([PSCharRnn.Numerics.Gemm]::MixedUnavailable)*" }
        else { "$message" | Should -Match 'mklbf16|torchbf16|measured faster than bf16' }
        $resumed = Import-RnnModel $file | Start-RnnTraining -Corpus $corpus -Epochs 1 -WarningAction SilentlyContinue
        $resumed.LastTraining.Precision | Should -Be 'Mixed'
        $resumed.EpochsTrained | Should -Be 3
        ($resumed | Start-RnnTraining -Epochs 1 -Precision Full -WarningVariable again).LastTraining.Precision | Should -Be 'Full'
        $again | Should -BeNullOrEmpty -Because 'full precision has nothing to say'
    }

    It 'says so when -Optimizer replaces the optimizer, and what happens to the old state' {
        $adam = $corpus | Start-RnnTraining @fast -Epochs 1 -Optimizer Adam
        $sgd = $adam | Start-RnnTraining -Epochs 1 -Optimizer SGD -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -Match 'trained with Adam.*discarded'
        $sgd.LastTraining.LearningRate | Should -Be 100 -Because "another optimizer starts from its own default, not Adam's 0.01"
        $sgd | Export-RnnModel -Path "$TestDrive/sgd.safetensors"
        (Import-RnnModel "$TestDrive/sgd.safetensors").Optimizer.Kind | Should -Be 'SGD'
    }

    It 'Train-Nightly resumes with Adam when the first night chose it' {
        $path = "$TestDrive/nightly/model.safetensors"
        $small = '-HiddenSize', '16', '-NumSteps', '9', '-BatchSize', '8'
        Invoke-ChildPwsh -File "$PSScriptRoot/../examples/Train-Nightly.ps1" -Arguments (@('-ModelPath', $path, '-CorpusPath', $corpusFile, '-Epochs', '2', '-Optimizer', 'Adam', '-LearningRate', '0.004') + $small) | Out-Null
        $LASTEXITCODE | Should -Be 0
        $output = Invoke-ChildPwsh -File "$PSScriptRoot/../examples/Train-Nightly.ps1" -Arguments '-ModelPath', $path, '-CorpusPath', $corpusFile, '-Epochs', '2'
        $LASTEXITCODE | Should -Be 0
        $model = Import-RnnModel $path
        $model.EpochsTrained | Should -Be 4
        $model.Optimizer.Kind | Should -Be 'Adam'
        $model.LastTraining.LearningRate | Should -Be 0.004
        $model.LastTraining.NumSteps | Should -Be 9
        $output | Should -Not -BeNullOrEmpty
        foreach ($line in $output) { $line | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d' -Because 'a scheduled job''s log lines start with the time' }
    }
}

Describe 'Files a training run writes' {
    It 'refuses a second run on the same -CheckpointPath while the first one trains' {
        $path = "$TestDrive/shared.safetensors"
        $child = Start-ChildPwsh "Import-Module '$module'; '$corpusFile' | Import-LyricsCorpus | Start-RnnTraining -Epochs 100000 -NumSteps 9 -BatchSize 8 -HiddenSize 16 -ReportEvery 0 -CheckpointPath '$path' -CheckpointEvery 2"
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not (Test-Path $path)) {
                if ([DateTime]::UtcNow -gt $deadline -or $child.HasExited) { throw 'The first run wrote no checkpoint.' }
                Start-Sleep -Milliseconds 100
            }
            $err = { $corpus | Start-RnnTraining @fast -Epochs 1 -CheckpointPath $path } | Should -Throw -ErrorId 'ModelFileInUse*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
            $err.TargetObject | Should -Be $path
        }
        finally { $child.Kill($true); $child.WaitForExit() }
        # The kernel drops a killed run's lock: the file can be trained on again.
        ($corpus | Start-RnnTraining @fast -Epochs 1 -CheckpointPath $path).EpochsTrained | Should -Be 1
        Test-Path (Join-Path $TestDrive '.shared.safetensors.lock') | Should -BeFalse -Because 'a finished run removes its lock'
    }

    It 'goes on training when a checkpoint cannot be written, returns the model, and writes the next checkpoint' {
        $folder = "$TestDrive/disk"
        New-Item -ItemType Directory $folder | Out-Null
        $run = Start-TrainingInRunspace "Import-Module '$module'; '$corpusFile' | Import-LyricsCorpus | Start-RnnTraining -Epochs 600 -NumSteps 9 -BatchSize 8 -HiddenSize 16 -ReportEvery 0 -CheckpointPath '$folder/ck.safetensors' -CheckpointEvery 1"
        try {
            # The folder vanishes under the run (as a disk fills or a mount goes): checkpoints fail, then it comes back.
            # The run may be writing a checkpoint into it at that instant ("Directory not empty"): remove until gone.
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (Test-Path $folder) {
                try { Remove-Item -Recurse -Force $folder -ErrorAction Stop }
                catch [System.IO.IOException] { if ([DateTime]::UtcNow -gt $deadline) { throw } }
            }
            while ($run.PowerShell.Streams.Error.Count -eq 0) {
                if ([DateTime]::UtcNow -gt $deadline -or $run.Async.IsCompleted) { throw 'No checkpoint failed.' }
                Start-Sleep -Milliseconds 20
            }
            New-Item -ItemType Directory $folder | Out-Null
            $output = $run.PowerShell.EndInvoke($run.Async)
            $errors = @($run.PowerShell.Streams.Error)
        }
        finally { $run.PowerShell.Dispose() }
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ModelFileWriteFailed*'
        "$($errors[0])" | Should -Match 'Training goes on'
        $output.EpochsTrained | Should -Be 600 -Because 'the trained weights are returned, not lost'
        (Import-RnnModel "$folder/ck.safetensors").EpochsTrained | Should -Be 600 -Because 'a later checkpoint is written once it can be'
    }

    It 'with -WhatIf says what it would train and trains nothing' {
        $model = $corpus | Start-RnnTraining @fast -Epochs 1
        $model | Start-RnnTraining -Epochs 5 -CheckpointPath "$TestDrive/whatif.safetensors" -WhatIf | Should -BeNullOrEmpty
        $model.EpochsTrained | Should -Be 1
        Test-Path "$TestDrive/whatif.safetensors" | Should -BeFalse
        $new = $corpus | Start-RnnTraining @fast -Epochs 5 -WhatIf
        $new | Should -BeNullOrEmpty
    }
}
