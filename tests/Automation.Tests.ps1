BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $corpusFile = New-TextFile "$TestDrive/lyrics.txt" ("abcdefgh`n" * 120)
    $examples = Resolve-Path "$PSScriptRoot/../examples"
    $small = '-HiddenSize', '16', '-NumSteps', '9', '-BatchSize', '8'
}

Describe 'The example scripts, run as a scheduler runs them (pwsh -NonInteractive -File)' {
    It 'Train-Nightly trains, checkpoints and logs; the next night resumes' {
        $model = "$TestDrive/nightly/model.safetensors"
        Invoke-ChildPwsh -File "$examples/Train-Nightly.ps1" -Arguments (@('-ModelPath', $model, '-CorpusPath', $corpusFile, '-Epochs', '3', '-CheckpointEvery', '2') + $small) | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Import-RnnModel $model).EpochsTrained | Should -Be 3
        @(Import-Csv "$TestDrive/nightly/model.csv").Count | Should -Be 3

        Invoke-ChildPwsh -File "$examples/Train-Nightly.ps1" -Arguments (@('-ModelPath', $model, '-CorpusPath', $corpusFile, '-Epochs', '2') + $small) | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Import-RnnModel $model).EpochsTrained | Should -Be 5
        $rows = Import-Csv "$TestDrive/nightly/model.csv"
        $rows.Epoch | Should -Be @('1', '2', '3', '4', '5')
        @($rows.Finished | Sort-Object -Unique).Count | Should -Be 5 -Because 'each row records when its own epoch ended'
        ([IO.File]::ReadAllBytes("$TestDrive/nightly/model.png"))[1..3] | Should -Be @(0x50, 0x4E, 0x47)
    }
    It 'Write-Lyrics writes a dated file with a block per prefix' {
        $model = "$TestDrive/lyrics-model.safetensors"
        Import-LyricsCorpus -Path $corpusFile | Start-RnnTraining -Epochs 3 -HiddenSize 16 -NumSteps 9 -BatchSize 8 -ReportEvery 0 | Export-RnnModel -Path $model
        Invoke-ChildPwsh -File "$examples/Write-Lyrics.ps1" -Arguments '-ModelPath', $model, '-Prefix', 'ab,h', '-OutputFolder', "$TestDrive/out", '-Count', '2', '-Length', '10' | Out-Null
        $LASTEXITCODE | Should -Be 0
        $file = Get-ChildItem "$TestDrive/out" -Filter 'lyrics-*.txt'
        $file.Name | Should -Match '^lyrics-\d{4}-\d\d-\d\d\.txt$'
        $lines = Get-Content $file.FullName
        $lines | Should -Contain '# ab'
        $lines | Should -Contain '# h'
        ($lines | Where-Object { $_ -like 'ab*' }).Count | Should -Be 1
    }
    It 'Write-Lyrics run twice on one day keeps the first run''s lyrics' {
        $model = "$TestDrive/twice-model.safetensors"
        Import-LyricsCorpus -Path $corpusFile | Start-RnnTraining -Epochs 2 -HiddenSize 8 -NumSteps 9 -BatchSize 8 -ReportEvery 0 | Export-RnnModel -Path $model
        Invoke-ChildPwsh -File "$examples/Write-Lyrics.ps1" -Arguments '-ModelPath', $model, '-Prefix', 'ab', '-OutputFolder', "$TestDrive/twice", '-Count', '1', '-Length', '5' | Out-Null
        $first = Get-Content (Get-ChildItem "$TestDrive/twice" -Filter 'lyrics-*.txt').FullName
        Invoke-ChildPwsh -File "$examples/Write-Lyrics.ps1" -Arguments '-ModelPath', $model, '-Prefix', 'h', '-OutputFolder', "$TestDrive/twice", '-Count', '1', '-Length', '5' | Out-Null
        $file = @(Get-ChildItem "$TestDrive/twice" -Filter 'lyrics-*.txt')
        $file.Count | Should -Be 1
        $lines = Get-Content $file[0].FullName
        $lines[0..($first.Count - 1)] | Should -Be $first -Because 'the morning''s lyrics stay'
        $lines | Should -Contain '# ab'
        $lines | Should -Contain '# h'
        @($lines | Where-Object { $_ -like '## *' }).Count | Should -Be 2
    }
    It 'Write-Lyrics writes the prefixes it can, reports the one it cannot, exits 1, in plain text' {
        $model = "$TestDrive/partial-model.safetensors"
        Import-LyricsCorpus -Path $corpusFile | Start-RnnTraining -Epochs 1 -HiddenSize 8 -NumSteps 9 -BatchSize 8 -ReportEvery 0 | Export-RnnModel -Path $model
        $output = Invoke-ChildPwsh -File "$examples/Write-Lyrics.ps1" -Arguments '-ModelPath', $model, '-Prefix', 'ab,不,h', '-OutputFolder', "$TestDrive/partial", '-Count', '1', '-Length', '5' 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 1
        $output | Should -Match 'PrefixOutOfVocabulary|不'
        $output | Should -Not -Match "`e\["
        $lines = Get-Content (Get-ChildItem "$TestDrive/partial" -Filter 'lyrics-*.txt').FullName
        $lines | Should -Contain '# ab'
        $lines | Should -Contain '# h'
        $lines | Should -Not -Contain '# 不'
    }
    It 'fails with a non-zero exit code and a clear message when the model is missing' {
        $output = Invoke-ChildPwsh -File "$examples/Write-Lyrics.ps1" -Arguments '-ModelPath', "$TestDrive/none.safetensors", '-Prefix', 'a', '-OutputFolder', "$TestDrive/none" 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$output" | Should -Match 'Cannot find the file'
        "$output" | Should -Not -Match "`e\[" -Because 'a job log is plain text'
    }
}

Describe 'Runs in parallel do not interfere' {
    It 'two runspaces train and save different models to different files' {
        $module = Resolve-Path "$PSScriptRoot/../PSCharRnn.psd1"
        1, 2 | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:module
            Import-LyricsCorpus -Path $using:corpusFile |
                Start-RnnTraining -Epochs (2 * $_) -HiddenSize 16 -NumSteps 9 -BatchSize 8 -ReportEvery 0 -Seed $_ |
                Export-RnnModel -Path "$using:TestDrive/parallel-$_.safetensors"
        }
        $one = Import-RnnModel "$TestDrive/parallel-1.safetensors"
        $two = Import-RnnModel "$TestDrive/parallel-2.safetensors"
        $one.EpochsTrained | Should -Be 2
        $two.EpochsTrained | Should -Be 4
        $one.LastTraining.Seed | Should -Be 1
        $two.LastTraining.Seed | Should -Be 2
    }
    It 'two processes train and save at the same time' {
        $script = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; Import-LyricsCorpus -Path '$corpusFile' | Start-RnnTraining -Epochs 3 -HiddenSize 16 -NumSteps 9 -BatchSize 8 -ReportEvery 0 -Seed {0} | Export-RnnModel -Path '$TestDrive/process-{0}.safetensors'"
        $children = 1, 2 | ForEach-Object { Start-ChildPwsh ($script -f $_) }
        $children | ForEach-Object { $_.WaitForExit(); $_.ExitCode | Should -Be 0 }
        (Import-RnnModel "$TestDrive/process-1.safetensors").LastTraining.Seed | Should -Be 1
        (Import-RnnModel "$TestDrive/process-2.safetensors").LastTraining.Seed | Should -Be 2
    }
}
