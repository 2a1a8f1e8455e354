# Every command line the README prints runs here as printed: the PowerShell blocks in one session, in order, as a
# reader follows them; the shell lines with a home of their own; the crontab lines and the systemd ExecStart line
# as cron and systemd start them (a bare environment, another folder). Only `build.ps1 Test` is left out: it is
# this very run, and `build.ps1 Package`, which it runs first. The install lines (`pwsh`) and the Task Scheduler
# block (`posh`) run in Package.Tests.ps1, in a fresh home with the installed packages.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $blocks = Get-ReadmeBlock "$PSScriptRoot/../README.md"
}
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $root = (Resolve-Path "$PSScriptRoot/..").Path
    $blocks = Get-ReadmeBlock "$root/README.md"
    # A reader's folder: the module's manifest and folders as in a checkout, files written beside them.
    $work = New-Item -ItemType Directory "$TestDrive/reader"
    foreach ($name in 'PSCharRnn.psd1', 'PSCharRnn', 'examples') { New-Item -ItemType SymbolicLink -Path "$work/$name" -Target "$root/$name" | Out-Null }
    # The jobs' user: a home of its own, where the README's set-up installs PowerShell and the module.
    $home_ = (New-Item -ItemType Directory "$TestDrive/home").FullName
    $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $jobEnvironment = @{ HOME = $home_; PATH = '/usr/bin:/bin'; PSCHARRNN_DATA = $env:PSCHARRNN_DATA; LANG = 'C.UTF-8' }
    function Invoke-Shell([string] $Line, [string] $Folder, [hashtable] $Environment) {
        $arguments = @($Environment.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) + 'sh', '-c', $Line
        Push-Location $Folder
        try { $output = & /usr/bin/env -i @arguments 2>&1 | Out-String }
        finally { Pop-Location }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
}

Describe 'The README' {
    It 'prints PowerShell blocks that run, in order, in one session' {
        # The reader has imported the module, as the README's 'Using the module' says, before the first line.
        $script = @("Set-Location '$work'", 'Import-Module ./PSCharRnn.psd1') + ($blocks | Where-Object Language -eq 'powershell' | ForEach-Object Text)
        $file = New-TextFile "$TestDrive/readme.ps1" ("`$ErrorActionPreference = 'Stop'`n" + ($script -join "`n"))
        Push-Location $work
        try { $output = Invoke-ChildPwsh -File $file 2>&1 | Out-String }
        finally { Pop-Location }
        $LASTEXITCODE | Should -Be 0 -Because $output
    }

    It 'keeps the plans the tests measure in artifacts/test-user-data, as its test command says' -Skip:$IsWindows {
        Get-Content -Raw "$root/README.md" | Should -Match 'artifacts/test-user-data'
        $store = Invoke-ChildPwsh -Command "Import-Module '$root/PSCharRnn.psd1'; [PSCharRnn.Numerics.GemmPlanner]::Default.StorePath"
        $LASTEXITCODE | Should -Be 0 -Because "$store"
        "$store" | Should -Be (Join-Path $root 'artifacts/test-user-data/PSCharRnn/gemm-plans.json')
    }

    It 'prints shell lines that run as printed: <Text>' -ForEach @($blocks | Where-Object Language -eq 'sh' | ForEach-Object { $_.Lines } | Where-Object { $_ -notmatch 'build\.ps1 (Test|Package)' } | ForEach-Object { @{ Text = $_ } }) {
        # A developer's shell: the job user's home, with the PATH and package cache of this machine.
        $shell = $jobEnvironment.Clone()
        $shell.PATH = $env:PATH
        $shell.NUGET_PACKAGES = $nuget
        $shell.DOTNET_NOLOGO = '1'
        $result = Invoke-Shell $Text $root $shell
        $result.ExitCode | Should -Be 0 -Because $result.Output
    }

    It 'prints crontab lines that run as cron runs them, from the home folder: <Text>' -ForEach @($blocks | Where-Object Language -eq 'crontab' | ForEach-Object { $_.Lines } | ForEach-Object { @{ Text = $_ } }) {
        $command = ($Text -split '\s+', 6)[5]
        $result = Invoke-Shell $command $home_ $jobEnvironment
        $result.ExitCode | Should -Be 0 -Because "$($result.Output) $(Get-Content -Raw "$home_/lyrics/*.log" -ErrorAction Ignore)"
    }

    It 'leaves what the crontab lines promise: a model, a per-epoch CSV, lyrics, and logs without colour codes' {
        (Import-Module "$root/PSCharRnn.psd1" -PassThru) | Out-Null
        (Import-RnnModel "$home_/lyrics/model.safetensors").EpochsTrained | Should -BeGreaterThan 0
        $csv = Import-Csv "$home_/lyrics/model.csv"
        @($csv.Finished | Sort-Object -Unique).Count | Should -Be $csv.Count
        Get-ChildItem "$home_/lyrics" -Filter 'lyrics-*.txt' | Should -Not -BeNullOrEmpty
        foreach ($log in Get-ChildItem "$home_/lyrics" -Filter '*.log') { Get-Content -Raw $log | Should -Not -Match "`e\[" -Because $log.Name }
    }

    It 'prints a systemd service whose ExecStart runs as systemd runs it (with $$ unescaped to $)' {
        $exec = $blocks | Where-Object Language -eq 'ini' | ForEach-Object Lines | Where-Object { $_ -like 'ExecStart=*' }
        $exec | Should -Not -BeNullOrEmpty
        $before = (Import-RnnModel "$home_/lyrics/model.safetensors").EpochsTrained
        $result = Invoke-Shell ($exec.Substring('ExecStart='.Length).Replace('$$', '$')) $home_ $jobEnvironment
        $result.ExitCode | Should -Be 0 -Because $result.Output
        (Import-RnnModel "$home_/lyrics/model.safetensors").EpochsTrained | Should -BeGreaterThan $before
    }

    It 'lists every setting of every recipe as its file holds it' {
        $readme = Get-Content -Raw "$root/README.md"
        foreach ($recipe in Get-ChildItem "$root/PSCharRnn/Recipes" -Filter *.psd1) {
            $readme | Should -Match ([regex]::Escape("-Recipe $($recipe.BaseName)"))
            foreach ($setting in (Import-PowerShellDataFile $recipe.FullName).GetEnumerator()) {
                $readme | Should -Match ([regex]::Escape("| ``-$($setting.Key)`` | ``$($setting.Value)`` |")) -Because "$($recipe.BaseName) sets $($setting.Key)"
            }
        }
    }

    It 'says how to stop a job: killing the launcher''s process group stops the training child too' {
        # setsid gives the job a process group of its own, whose id is the launcher's PID, as a scheduler does.
        $job = Start-Process /usr/bin/setsid -ArgumentList "$home_/.dotnet/tools/pwsh", '-NoProfile', '-Command', 'Start-Sleep 120' -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@(& /usr/bin/pgrep -g $job.Id).Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        @(& /usr/bin/pgrep -g $job.Id).Count | Should -BeGreaterThan 1 -Because 'the launcher starts the real pwsh as its child'
        & /bin/kill -TERM -- "-$($job.Id)"
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ((& /usr/bin/pgrep -g $job.Id | Where-Object { (Get-Content "/proc/$_/stat" -ErrorAction Ignore) -notmatch '\) Z ' })) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "The job's processes still run after a group kill: $(& /usr/bin/pgrep -g $job.Id -a)" }
            Start-Sleep -Milliseconds 200
        }
    }
}
