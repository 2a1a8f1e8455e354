BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $corpus = New-RepetitiveCorpus
    $fast = @{ NumSteps = 9; BatchSize = 8; HiddenSize = 16; ReportEvery = 0; Seed = 1 }
    $model = $corpus | Start-RnnTraining @fast -Epochs 3 -ReportEvery 3 -SamplePrefix 'ab'
}

Describe 'Export-RnnModel and Import-RnnModel' {
    It 'round-trips a model exactly: predictions, history, settings' {
        $path = "$TestDrive/model.safetensors"
        $model | Export-RnnModel -Path $path
        $loaded = Import-RnnModel -Path $path
        $loaded.HiddenSize | Should -Be 16
        $loaded.Vocabulary | Should -Be @($model.Vocabulary)
        $loaded.EpochsTrained | Should -Be 3
        $loaded.History.Perplexity | Should -Be $model.History.Perplexity
        $loaded.History[2].Samples | Should -Be $model.History[2].Samples
        $loaded.LastTraining.Seed | Should -Be 1
        ($loaded | Get-RnnPrediction -Prefix 'abc', 'h') | Should -Be ($model | Get-RnnPrediction -Prefix 'abc', 'h')
        $loaded.W_hq.data[float]().ToArray() | Should -Be ($model.W_hq.data[float]().ToArray())
    }
    It 'writes the safetensors layout: header length, JSON header, raw little-endian float32' {
        $path = "$TestDrive/layout.safetensors"
        $model | Export-RnnModel -Path $path
        $bytes = [IO.File]::ReadAllBytes($path)
        $headerLength = [BitConverter]::ToUInt64($bytes, 0)
        $header = [Text.Encoding]::UTF8.GetString($bytes, 8, $headerLength) | ConvertFrom-Json -AsHashtable
        $header.__metadata__.format | Should -Be 'pscharrnn'
        $header.__metadata__.format_version | Should -Be '3'
        $header.__metadata__.cell_type | Should -Be 'RNN'
        $header.__metadata__.num_layers | Should -Be '1'
        ($header.__metadata__.vocabulary | ConvertFrom-Json) | Should -Be @($model.Vocabulary)
        $header.'layers.0.W_xh'.dtype | Should -Be 'F32'
        $header.'layers.0.W_xh'.shape | Should -Be @(9, 16)
        $header.b_q.shape | Should -Be @(9)
        $dataStart = 8 + $headerLength
        $end = ($header.Values | Where-Object { $_ -is [hashtable] -and $_.data_offsets } | ForEach-Object { $_.data_offsets[1] } | Measure-Object -Maximum).Maximum
        $bytes.Length | Should -Be ($dataStart + $end)
        $first = [BitConverter]::ToSingle($bytes, $dataStart + $header.'layers.0.W_hh'.data_offsets[0])
        $first | Should -Be ($model.GetParameter('layers.0.W_hh').data[float]().ToArray()[0])
    }
    It 'loads models from Get-ChildItem output' {
        New-Item -ItemType Directory "$TestDrive/many" | Out-Null
        $model | Export-RnnModel -Path "$TestDrive/many/a.safetensors"
        $model | Export-RnnModel -Path "$TestDrive/many/b.safetensors"
        (Get-ChildItem "$TestDrive/many" | Import-RnnModel).Count | Should -Be 2
    }
    It 'honours -NoClobber, -WhatIf and -PassThru' {
        $path = "$TestDrive/keep.safetensors"
        $model | Export-RnnModel -Path $path -PassThru | Should -Be $model
        $before = Get-FileHash $path
        $other = $corpus | Start-RnnTraining @fast -Epochs 1 -Seed 9
        { $other | Export-RnnModel -Path $path -NoClobber } | Should -Throw -ErrorId 'ModelFileExists*'
        $other | Export-RnnModel -Path $path -WhatIf
        (Get-FileHash $path).Hash | Should -Be $before.Hash
    }
    It 'replaces a read-only file only with -Force' {
        $path = "$TestDrive/readonly.safetensors"
        $model | Export-RnnModel -Path $path
        Set-ItemProperty $path -Name IsReadOnly -Value $true
        { $model | Export-RnnModel -Path $path } | Should -Throw -ErrorId 'ModelFileReadOnly*'
        $model | Export-RnnModel -Path $path -Force
        Import-RnnModel $path | Should -Not -BeNullOrEmpty
    }
}

Describe 'Import-RnnModel rejects bad files without returning anything' {
    BeforeAll {
        $good = "$TestDrive/good.safetensors"
        $model | Export-RnnModel -Path $good
        $goodBytes = [IO.File]::ReadAllBytes($good)
        function Write-Header([string] $Path, [string] $Json, [byte[]] $Data = @()) {
            $header = [Text.Encoding]::UTF8.GetBytes($Json)
            [IO.File]::WriteAllBytes($Path, [BitConverter]::GetBytes([uint64]$header.Length) + $header + $Data)
        }
    }
    It 'a missing file' {
        { Import-RnnModel -Path "$TestDrive/none.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileNotFound*'
    }
    It 'a truncated file' {
        [IO.File]::WriteAllBytes("$TestDrive/truncated.safetensors", $goodBytes[0..($goodBytes.Length / 2)])
        { Import-RnnModel -Path "$TestDrive/truncated.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileCorrupt*'
    }
    It 'a file of random bytes' {
        [IO.File]::WriteAllBytes("$TestDrive/random.safetensors", [byte[]](1..200 | ForEach-Object { Get-Random -Maximum 256 }))
        { Import-RnnModel -Path "$TestDrive/random.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileCorrupt*'
    }
    It 'a corrupted header' {
        $bytes = $goodBytes.Clone(); $bytes[12] = [byte][char]'#'
        [IO.File]::WriteAllBytes("$TestDrive/corrupt.safetensors", $bytes)
        { Import-RnnModel -Path "$TestDrive/corrupt.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileCorrupt*'
    }
    It 'a foreign safetensors file' {
        Write-Header "$TestDrive/foreign.safetensors" '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}' ([byte[]](0, 0, 128, 63))
        { Import-RnnModel -Path "$TestDrive/foreign.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileForeign*'
    }
    It 'a newer format version' {
        Write-Header "$TestDrive/newer.safetensors" '{"__metadata__":{"format":"pscharrnn","format_version":"4"}}'
        { Import-RnnModel -Path "$TestDrive/newer.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileNewerFormat*'
    }
    It 'a file whose weights hold NaN or infinity, naming the tensor' -ForEach @(
        @{ Tensor = 'W_hq'; Value = [float]::NaN }
        @{ Tensor = 'layers.0.W_hh'; Value = [float]::PositiveInfinity }
    ) {
        $length = [BitConverter]::ToUInt64($goodBytes, 0)
        $header = [Text.Encoding]::UTF8.GetString($goodBytes, 8, $length) | ConvertFrom-Json -AsHashtable
        $bytes = $goodBytes.Clone()
        [BitConverter]::GetBytes($Value).CopyTo($bytes, 8 + $length + $header[$Tensor].data_offsets[0] + 8)
        [IO.File]::WriteAllBytes("$TestDrive/nan.safetensors", $bytes)
        $err = { Import-RnnModel -Path "$TestDrive/nan.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileCorrupt*' -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape("'$Tensor'"))
        $err.Exception.Message | Should -Match 'NaN or infinite'
    }
    It 'a file it may not read: PermissionDenied, naming it' {
        Copy-Item $good "$TestDrive/secret.safetensors"
        Set-Content -Path "$TestDrive/unreadable.ps1" -Value @"
Import-Module '$PSScriptRoot/../PSCharRnn.psd1'
try { Import-RnnModel -Path '$TestDrive/secret.safetensors' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.TargetObject }
"@
        $output = Invoke-Unprivileged "$TestDrive/unreadable.ps1" -Unreadable "$TestDrive/secret.safetensors"
        $output[0] | Should -BeLike 'ModelFileAccessDenied*'
        $output[1] | Should -Be 'PermissionDenied'
        $output[2] | Should -Be "$TestDrive/secret.safetensors"
    }
    It 'tensors whose shapes disagree with the vocabulary and hidden size' {
        $length = [BitConverter]::ToUInt64($goodBytes, 0)
        $json = [Text.Encoding]::UTF8.GetString($goodBytes, 8, $length).Replace('"hidden_size":"16"', '"hidden_size":"17"')
        Write-Header "$TestDrive/shape.safetensors" $json $goodBytes[(8 + $length)..($goodBytes.Length - 1)]
        $err = { Import-RnnModel -Path "$TestDrive/shape.safetensors" -ErrorAction Stop } | Should -Throw -ErrorId 'ModelFileShapeMismatch*' -PassThru
        $err.Exception.Message | Should -Match 'W_xh'
    }
}

Describe 'Ctrl+C during a long write' {
    It 'stops writing a large model at once and leaves the earlier file as it was' {
        $path = "$TestDrive/large.safetensors"
        $model | Export-RnnModel -Path $path
        $before = (Get-FileHash $path).Hash
        $ps = [powershell]::Create()
        try {
            # About 430 MB of weights: seconds to write, so the stop lands while the temporary file grows.
            $null = $ps.AddScript("Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; New-RnnModel -Vocabulary a, b -CellType LSTM -NumLayers 2 -HiddenSize 3000 | Export-RnnModel -Path '$path'")
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not (Get-ChildItem -Force $TestDrive -Filter '.large.safetensors.*.tmp')) {
                if ([DateTime]::UtcNow -gt $deadline -or $async.IsCompleted) { throw "The export never started writing: $($ps.Streams.Error)" }
                Start-Sleep -Milliseconds 5
            }
            $ps.Stop()
            { $ps.EndInvoke($async) } | Should -Throw
        }
        finally { $ps.Dispose() }
        (Get-FileHash $path).Hash | Should -Be $before -Because 'a stopped write keeps the old file'
        Get-ChildItem -Force $TestDrive -Filter '.large.safetensors.*.tmp' | Should -BeNullOrEmpty
    }
}

Describe 'Checkpoints and resuming' {
    It 'writes a checkpoint every N epochs and at the end' {
        $path = "$TestDrive/ckpt.safetensors"
        $null = $corpus | Start-RnnTraining @fast -Epochs 5 -CheckpointPath $path -CheckpointEvery 2
        (Import-RnnModel $path).EpochsTrained | Should -Be 5
    }
    It 'resumes an imported model: epochs count on, history grows' {
        $path = "$TestDrive/resume.safetensors"
        $corpus | Start-RnnTraining @fast -Epochs 2 | Export-RnnModel -Path $path
        $resumed = Import-RnnModel $path | Start-RnnTraining -Corpus $corpus -Epochs 3 -NumSteps 9 -BatchSize 8 -ReportEvery 0
        $resumed.EpochsTrained | Should -Be 5
        $resumed.History.Epoch | Should -Be (1..5)
    }
    It 'names the characters a resume corpus has that the model lacks' {
        $other = New-TextFile "$TestDrive/other.txt" ('abcxyz ' * 50) | Import-LyricsCorpus
        $err = { $model | Start-RnnTraining -Corpus $other -Epochs 1 } | Should -Throw -ErrorId 'CorpusOutOfVocabulary*' -PassThru
        $err.Exception.Message | Should -Match 'x y z'
    }
    It 'writes a last checkpoint when the run is stopped' {
        $path = "$TestDrive/stopped.safetensors"
        $run = Start-TrainingInRunspace "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; '$TestDrive/repetitive-120.txt' | Import-LyricsCorpus | Start-RnnTraining -Epochs 100000 -NumSteps 9 -BatchSize 8 -HiddenSize 16 -ReportEvery 0 -CheckpointPath '$path' -CheckpointEvery 100000"
        try {
            $run.PowerShell.Stop()
            { $run.PowerShell.EndInvoke($run.Async) } | Should -Throw
            (Import-RnnModel $path).EpochsTrained | Should -BeGreaterThan 0
        }
        finally { $run.PowerShell.Dispose() }
    }
    It 'leaves the previous file intact when the writing process is killed' {
        $path = "$TestDrive/atomic.safetensors"
        $model | Export-RnnModel -Path $path
        $before = (Get-FileHash $path).Hash
        # A child keeps overwriting the file with a big model; kill it mid-way, many times over.
        $script = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; `$m = New-RnnModel -Vocabulary ([char[]](0x4e00..0x5dff) | % { [string]`$_ }) -HiddenSize 512; while (`$true) { `$m | Export-RnnModel -Path '$path.big' ; `$m | Export-RnnModel -Path '$path' }"
        $child = Start-ChildPwsh $script
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path "$path.big") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Start-Sleep -Milliseconds 700
        }
        finally { Stop-Process -Id $child.Id -Force; $child.WaitForExit() }
        # Either the old model or a complete new one: never a torn file.
        $loaded = Import-RnnModel $path
        $loaded.HiddenSize | Should -BeIn 16, 512
        if ($loaded.HiddenSize -eq 16) { (Get-FileHash $path).Hash | Should -Be $before }
    }
}

Describe 'Writing model files: every failure has an id and names the target' {
    It 'a directory as the target' {
        New-Item -ItemType Directory "$TestDrive/adir" | Out-Null
        $err = { $model | Export-RnnModel -Path "$TestDrive/adir" } | Should -Throw -ErrorId 'ModelFileWriteFailed*' -PassThru
        $err.Exception.Message | Should -Match 'is a directory'
        $err.TargetObject | Should -Be "$TestDrive/adir"
        $err.CategoryInfo.Category | Should -Be 'WriteError'
    }
    It 'a folder that does not accept files, named without the temporary file' {
        $err = { $model | Export-RnnModel -Path /proc/x.safetensors } | Should -Throw -ErrorId 'ModelFileWriteFailed*' -PassThru
        $err.Exception.Message | Should -Match "'/proc/x.safetensors'"
        $err.Exception.Message | Should -Not -Match '\.tmp'
    }
    It 'a folder that does not exist is not created' {
        $err = { $model | Export-RnnModel -Path "$TestDrive/nodir/sub/x.safetensors" } | Should -Throw -ErrorId 'ModelFileWriteFailed*' -PassThru
        $err.Exception.Message | Should -Match 'does not exist'
        Test-Path "$TestDrive/nodir" | Should -BeFalse
    }
    It 'a checkpoint path in a missing folder fails before any training' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { $corpus | Start-RnnTraining @fast -Epochs 1000 -CheckpointPath "$TestDrive/none/ckpt.safetensors" } | Should -Throw -ErrorId 'ModelFileWriteFailed*'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
    It 'takes -Path literally: wildcard characters are part of the name' {
        $model | Export-RnnModel -Path "$TestDrive/model-*.safetensors"
        Test-Path -LiteralPath "$TestDrive/model-*.safetensors" | Should -BeTrue
    }
    It 'removes temporaries that a killed writer left beside the same target' {
        $path = "$TestDrive/stale.safetensors"
        $stale = "$TestDrive/.stale.safetensors.0123456789abcdef0123456789abcdef.tmp"
        $other = "$TestDrive/.other.safetensors.0123456789abcdef0123456789abcdef.tmp"
        Set-Content $stale 'half a model'; Set-Content $other 'not ours'
        $model | Export-RnnModel -Path $path
        Test-Path $stale | Should -BeFalse
        Test-Path $other | Should -BeTrue
    }
    It 'stores non-finite history values and reads them back' {
        $m = $corpus | Start-RnnTraining @fast -Epochs 1
        $m.History.Add([PSCharRnn.Model.EpochRecord]::new(2, [double]::PositiveInfinity, 0.1, 'Random', [PSCharRnn.Model.SampleList]::new()))
        $m.History.Add([PSCharRnn.Model.EpochRecord]::new(3, [double]::NaN, 0.1, 'Random', [PSCharRnn.Model.SampleList]::new()))
        $m | Export-RnnModel -Path "$TestDrive/inf.safetensors"
        $loaded = Import-RnnModel "$TestDrive/inf.safetensors"
        $loaded.History[1].Perplexity | Should -Be ([double]::PositiveInfinity)
        [double]::IsNaN($loaded.History[2].Perplexity) | Should -BeTrue
    }
    It 'stores the vocabulary as readable UTF-8' {
        $m = New-TextFile "$TestDrive/zh.txt" ('想要有直升机 ' * 30) | Import-LyricsCorpus | New-RnnModel -HiddenSize 4
        $m | Export-RnnModel -Path "$TestDrive/zh.safetensors"
        $bytes = [IO.File]::ReadAllBytes("$TestDrive/zh.safetensors")
        $header = [Text.Encoding]::UTF8.GetString($bytes, 8, [BitConverter]::ToUInt64($bytes, 0))
        $header | Should -Match '"vocabulary":"\[\\" \\",\\"升\\",\\"想\\"'
        $header | Should -Not -Match '\\u76F4'
    }
}

Describe 'Loading many models' {
    It 'reports a bad file on its own and still loads the others' {
        New-Item -ItemType Directory "$TestDrive/mixed" | Out-Null
        $model | Export-RnnModel -Path "$TestDrive/mixed/a.safetensors"
        Set-Content "$TestDrive/mixed/b.safetensors" 'not a model'
        $model | Export-RnnModel -Path "$TestDrive/mixed/c.safetensors"
        $loaded = Get-ChildItem "$TestDrive/mixed" | Import-RnnModel -ErrorVariable bad -ErrorAction SilentlyContinue
        @($loaded).Count | Should -Be 2
        @($bad).Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'ModelFileCorrupt*'
        $bad[0].TargetObject | Should -BeLike '*b.safetensors'
    }
    It 'loads every model of a folder, and shows each one''s file' {
        New-Item -ItemType Directory "$TestDrive/folder" | Out-Null
        $model | Export-RnnModel -Path "$TestDrive/folder/b.safetensors"
        $model | Export-RnnModel -Path "$TestDrive/folder/a.safetensors"
        $loaded = Import-RnnModel "$TestDrive/folder"
        $loaded.Path | Split-Path -Leaf | Should -Be @('a.safetensors', 'b.safetensors')
        $loaded | Format-Table | Out-String | Should -Match 'a\.safetensors[\s\S]*b\.safetensors'
    }
}

Describe 'History records' {
    It 'export cleanly to CSV, with each epoch''s own end time' {
        $m = $corpus | Start-RnnTraining @fast -Epochs 3 -ReportEvery 3 -SamplePrefix 'ab'
        $m.History | Export-Csv "$TestDrive/history.csv"
        $rows = Import-Csv "$TestDrive/history.csv"
        $rows.Count | Should -Be 3
        $rows[2].Samples | Should -BeLike 'ab*'
        $rows.Samples | Should -Not -Contain 'System.String[]'
        @($m.History.Finished | Sort-Object -Unique).Count | Should -Be 3
        $m.History[0].Finished | Should -BeLessThan $m.History[2].Finished
    }
}
