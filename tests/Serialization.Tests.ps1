# A model that crosses a process or a machine — a job, a parallel runspace, a remote session, a Clixml file — comes
# back a live model that predicts exactly as the original and keeps its optimizer state and history.
BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:module = (Resolve-Path "$PSScriptRoot/../PSCharRnn.psd1").Path
    $script:text = New-TextFile (Join-Path $TestDrive 'letters.txt') ("abcdefgh`nhgfedcba`n" * 30)
    $script:train = "Import-LyricsCorpus -LiteralPath '$text' | Start-RnnTraining -Epochs 3 -HiddenSize 16 -NumSteps 5 -BatchSize 4 -ReportEvery 0 -Seed 1 -Optimizer Adam"
    $script:model = Invoke-Expression $train
    $script:expected = $model | Get-RnnPrediction -Prefix abc, h -Length 12

    function Assert-SameModel($Actual) {
        $Actual | Should -BeOfType PSCharRnn.Model.RnnModel
        $Actual | Get-RnnPrediction -Prefix abc, h -Length 12 | Should -Be $expected
        $Actual.EpochsTrained | Should -Be $model.EpochsTrained
        $Actual.Optimizer.StepCount | Should -Be $model.Optimizer.StepCount
        $Actual.History.Perplexity | Should -Be $model.History.Perplexity
    }
}

Describe 'Models that cross processes and machines' {
    It 'comes back live from Start-Job | Receive-Job' {
        $job = Start-Job -ScriptBlock ([scriptblock]::Create("Import-Module '$module'; $train"))
        $fromJob = $job | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        Assert-SameModel $fromJob
    }
    It 'round-trips through Export-Clixml and Import-Clixml, and trains on where it stopped' {
        $file = Join-Path $TestDrive 'model.clixml'
        $model | Export-Clixml $file
        $back = Import-Clixml $file
        Assert-SameModel $back
        $resumed = $back | Start-RnnTraining -Corpus (Import-LyricsCorpus -LiteralPath $text) -Epochs 1
        $resumed.EpochsTrained | Should -Be ($model.EpochsTrained + 1)
    }
    It 'comes back from ForEach-Object -Parallel, trained in parallel runspaces' {
        $models = 1, 1 | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:module
            Invoke-Expression $using:train
        }
        $models.Count | Should -Be 2
        foreach ($each in $models) { Assert-SameModel $each }
    }
    It 'comes back from Invoke-Command over SSH to this machine as a model every cmdlet takes, and a cast makes live' {
        $ssh = Start-TestSshServer (Join-Path $TestDrive 'ssh')
        if ($ssh.Skip) { Set-ItResult -Skipped -Because $ssh.Skip; return }
        try {
            $remote = Invoke-Command -HostName 127.0.0.1 -Port $ssh.Port -UserName (& whoami) -KeyFilePath $ssh.KeyFile -ErrorAction Stop `
                -Options @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null' } `
                -ScriptBlock ([scriptblock]::Create("Import-Module '$module'; $train"))
            # Remoting hands back PowerShell's property bag; binding and casting rebuild the model from it.
            $remote.PSObject.TypeNames[0] | Should -Be 'Deserialized.PSCharRnn.Model.RnnModel'
            $remote | Get-RnnPrediction -Prefix abc, h -Length 12 | Should -Be $expected
            Assert-SameModel ([PSCharRnn.Model.RnnModel]$remote)
        }
        finally { $ssh.Process | Stop-Process -ErrorAction Ignore }
    }
    It 'stays a readable deserialized object where the module is not loaded' {
        $file = Join-Path $TestDrive 'plain.clixml'
        $model | Export-Clixml $file
        $plain = Invoke-ChildPwsh "(Import-Clixml '$file').PSObject.TypeNames[0]; (Import-Clixml '$file').EpochsTrained"
        $plain[0] | Should -Be 'Deserialized.PSCharRnn.Model.RnnModel'
        $plain[1] | Should -Be $model.EpochsTrained
    }
}
