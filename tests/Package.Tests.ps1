# The packages build.ps1 Package writes (build.ps1 Test writes them before this runs): what each one carries, checked
# for Windows and macOS too, and the README's install lines run as printed in a fresh home with no checkout in sight.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1"
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $root = (Resolve-Path "$PSScriptRoot/..").Path
    $packages = Join-Path $root 'artifacts/packages'
    $version = (Import-PowerShellDataFile "$root/PSCharRnn/PSCharRnn.psd1").ModuleVersion
    if (-not (Test-Path "$packages/PSCharRnn.$version.nupkg")) { throw "No packages in '$packages': run ./build.ps1 Package (build.ps1 Test does)." }

    # What kind of binary a file's first bytes say it is: native for an OS and architecture, or a .NET assembly.
    function Get-BinaryKind([byte[]] $Head) {
        if ($Head.Length -ge 20 -and $Head[0] -eq 0x7F -and $Head[1] -eq 0x45 -and $Head[2] -eq 0x4C -and $Head[3] -eq 0x46) {
            switch ([BitConverter]::ToUInt16($Head, 18)) { 0x3E { return 'linux-x64' } 0xB7 { return 'linux-arm64' } default { return 'elf-other' } }
        }
        if ($Head.Length -ge 8 -and [BitConverter]::ToUInt32($Head, 0) -eq 0xFEEDFACFu) {
            switch ([BitConverter]::ToUInt32($Head, 4)) { 0x0100000C { return 'osx-arm64' } 0x01000007 { return 'osx-x64' } default { return 'macho-other' } }
        }
        if ($Head.Length -ge 8 -and $Head[0] -eq 0xCA -and $Head[1] -eq 0xFE -and $Head[2] -eq 0xBA -and $Head[3] -eq 0xBE) {
            # A universal Mach-O file: big-endian slices, each naming its CPU; it serves arm64 if one slice is arm64.
            $slices = foreach ($i in 0..($Head[7] - 1)) { [Net.IPAddress]::NetworkToHostOrder([BitConverter]::ToInt32($Head, 8 + 20 * $i)) }
            if ($slices -contains 0x0100000C) { return 'osx-arm64' } else { return 'macho-other' }
        }
        if ($Head.Length -ge 0x40 -and $Head[0] -eq 0x4D -and $Head[1] -eq 0x5A) {
            $pe = [BitConverter]::ToInt32($Head, 0x3C)
            $optional = $pe + 24
            $directories = $optional + $(if ([BitConverter]::ToUInt16($Head, $optional) -eq 0x20B) { 112 } else { 96 })
            if ([BitConverter]::ToUInt32($Head, $directories + 14 * 8) -ne 0) { return 'managed' }   # the CLR header
            switch ([BitConverter]::ToUInt16($Head, $pe + 4)) { 0x8664 { return 'win-x64' } 0xAA64 { return 'win-arm64' } default { return 'pe-other' } }
        }
        'other'
    }

    # Every file of a package (NuGet's own metadata left out), with its binary kind.
    function Get-PackageContent([string] $Path) {
        $zip = [IO.Compression.ZipFile]::OpenRead($Path)
        try {
            foreach ($entry in $zip.Entries | Where-Object { $_.Name -and $_.FullName -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$)|\.nuspec$' }) {
                $stream = $entry.Open()
                try {
                    $head = [byte[]]::new(4096)
                    $read = 0
                    while ($read -lt $head.Length -and ($n = $stream.Read($head, $read, $head.Length - $read)) -gt 0) { $read += $n }
                    [pscustomobject]@{ Path = [uri]::UnescapeDataString($entry.FullName); Kind = Get-BinaryKind $head[0..($read - 1)] }
                }
                finally { $stream.Dispose() }
            }
        }
        finally { $zip.Dispose() }
    }

    function Expand-PackageFile([string] $Package, [string] $Name, [string] $Destination) {
        $zip = [IO.Compression.ZipFile]::OpenRead($Package)
        try { [IO.Compression.ZipFileExtensions]::ExtractToFile(($zip.Entries | Where-Object FullName -eq $Name), $Destination, $true) }
        finally { $zip.Dispose() }
        $Destination
    }

    # The names a Windows DLL exports, from its PE export directory.
    function Get-PeExport([string] $Path) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $pe = [BitConverter]::ToInt32($bytes, 0x3C)
        $optional = $pe + 24
        $exportRva = [BitConverter]::ToUInt32($bytes, $optional + 112)
        $sections = foreach ($i in 0..([BitConverter]::ToUInt16($bytes, $pe + 6) - 1)) {
            $at = $optional + [BitConverter]::ToUInt16($bytes, $pe + 20) + 40 * $i
            [pscustomobject]@{ Address = [BitConverter]::ToUInt32($bytes, $at + 12); Size = [BitConverter]::ToUInt32($bytes, $at + 16); Offset = [BitConverter]::ToUInt32($bytes, $at + 20) }
        }
        $toOffset = { param($rva) $s = $sections | Where-Object { $rva -ge $_.Address -and $rva -lt $_.Address + $_.Size } | Select-Object -First 1; [int]($rva - $s.Address + $s.Offset) }
        $directory = & $toOffset $exportRva
        $names = & $toOffset ([BitConverter]::ToUInt32($bytes, $directory + 32))
        foreach ($i in 0..([BitConverter]::ToUInt32($bytes, $directory + 24) - 1)) {
            $start = & $toOffset ([BitConverter]::ToUInt32($bytes, $names + 4 * $i))
            [Text.Encoding]::ASCII.GetString($bytes, $start, [Array]::IndexOf($bytes, [byte]0, $start) - $start)
        }
    }

    $manifest = Import-PowerShellDataFile (Expand-PackageFile "$packages/PSCharRnn.$version.nupkg" 'PSCharRnn.psd1' "$TestDrive/PSCharRnn.psd1")
    $platforms = $manifest.RequiredModules | ForEach-Object { $_.ModuleName -replace '^PSCharRnn\.Runtime\.', '' }

    # A fresh home: no checkout and no other module folder on PSModulePath, PSResourceGet's settings its own.
    $freshHome = (New-Item -ItemType Directory "$TestDrive/home").FullName
    $shims = New-Item -ItemType Directory "$TestDrive/bin"
    # 'pwsh' on PATH, as an installed PowerShell puts it there.
    New-TextFile "$shims/pwsh" "#!/bin/sh`nexec dotnet '$PSHOME/pwsh.dll' `"`$@`"`n" | Out-Null
    & chmod +x "$shims/pwsh"
    function Invoke-InFreshHome([string] $Script, [hashtable] $Environment = @{}) {
        $file = New-TextFile "$TestDrive/fresh-$([guid]::NewGuid()).ps1" ("`$ErrorActionPreference = 'Stop'`n" + $Script)
        $environment = @{ HOME = $freshHome; PSModulePath = $null; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null; PATH = "$shims$([IO.Path]::PathSeparator)$env:PATH" } + $Environment
        Push-Location $root
        try { $output = Invoke-ChildPwshWith $environment "& '$file'" 2>&1 | Out-String }
        finally { Pop-Location }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
    $readme = Get-ReadmeBlock "$root/README.md"
}

Describe 'The packages' {
    It 'are the module and one runtime package per platform it requires, at its version, each under the Gallery''s 250 MB' {
        $platforms | Should -Be 'linux-x64', 'win-x64', 'osx-arm64'
        $manifest.RequiredModules.RequiredVersion | Sort-Object -Unique | Should -Be $version
        $files = Get-ChildItem $packages -Filter *.nupkg
        $files.Name | Sort-Object | Should -Be (@("PSCharRnn.$version.nupkg") + ($platforms | ForEach-Object { "PSCharRnn.Runtime.$_.$version.nupkg" }) | Sort-Object)
        foreach ($file in $files) { $file.Length | Should -BeLessThan 250MB -Because $file.Name }
    }

    It 'carry the Gallery''s metadata in a manifest Test-ModuleManifest accepts' {
        $manifest.CompatiblePSEditions | Should -Be 'Core'
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.PrivateData.PSData.Tags | Should -Contain 'Windows'
        $manifest.PrivateData.PSData.LicenseUri | Should -Match '^https://'
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Match ([regex]::Escape($version))
        { Test-ModuleManifest "$root/PSCharRnn/PSCharRnn.psd1" -ErrorAction Stop } | Should -Not -Throw
        # The checkout's loader manifest names the same module.
        $checkout = Import-PowerShellDataFile "$root/PSCharRnn.psd1"
        foreach ($key in 'ModuleVersion', 'GUID', 'Author', 'Description', 'PowerShellVersion') { $checkout[$key] | Should -Be $manifest[$key] -Because $key }
        $checkout.CmdletsToExport | Should -Be $manifest.CmdletsToExport
    }

    It 'put no native library in the module package, only .NET assemblies, help, views, recipes and jobs' {
        $content = Get-PackageContent "$packages/PSCharRnn.$version.nupkg"
        $content | Where-Object Kind -ne 'other' | Where-Object Kind -ne 'managed' | Should -BeNullOrEmpty
        foreach ($path in 'bin/PSCharRnn.dll', 'bin/PSCharRnn.Core.dll', 'bin/en-US/PSCharRnn.dll-Help.xml', 'en-US/about_PSCharRnn.help.txt',
            'PSCharRnn.Format.ps1xml', 'PSCharRnn.Types.ps1xml', 'Recipes/Lyrics.psd1', 'examples/Train-Nightly.ps1', 'LICENSE') {
            $content.Path | Should -Contain $path
        }
        $content.Path | Should -Not -Contain 'bin/TorchSharp.dll' -Because 'TorchSharp loads its natives from its own folder: it ships with them'
    }

    It 'carry <_>''s native libraries and no other platform''s' -ForEach @('linux-x64', 'win-x64', 'osx-arm64') {
        $content = Get-PackageContent "$packages/PSCharRnn.Runtime.$_.$version.nupkg"
        $natives = $content | Where-Object { $_.Kind -notin 'other', 'managed' }
        $natives | Where-Object Kind -ne $_ | Should -BeNullOrEmpty -Because 'every native library must be built for the package''s platform'
        $expected = switch ($_) {
            'linux-x64' { 'libLibTorchSharp.so', 'libtorch_cpu.so', 'libtorch.so', 'libc10.so', 'libgomp-98b21ff3.so.1', 'libSkiaSharp.so', 'libHarfBuzzSharp.so' }
            'win-x64' { 'LibTorchSharp.dll', 'torch_cpu.dll', 'torch.dll', 'c10.dll', 'libiomp5md.dll', 'libSkiaSharp.dll', 'libHarfBuzzSharp.dll' }
            'osx-arm64' { 'libLibTorchSharp.dylib', 'libtorch_cpu.dylib', 'libtorch.dylib', 'libc10.dylib', 'libomp.dylib', 'libSkiaSharp.dylib', 'libHarfBuzzSharp.dylib' }
        }
        foreach ($name in $expected) { $natives.Path | Should -Contain $name }
        ($content | Where-Object Kind -eq 'managed').Path | Sort-Object | Should -Be 'HarfBuzzSharp.dll', 'SkiaSharp.dll', 'TorchSharp.dll'
        $content.Path | Where-Object { $_ -like 'libtorch_python*' -or $_ -like '*_test.*' } | Should -BeNullOrEmpty
        $content.Path | Should -Contain 'LICENSE-LIBTORCH.txt'
    }

    It 'leave Windows to the portable or AVX-512 products: its torch_cpu.dll exports no BLAS' {
        $dll = Expand-PackageFile "$packages/PSCharRnn.Runtime.win-x64.$version.nupkg" 'torch_cpu.dll' "$TestDrive/torch_cpu.dll"
        $exports = Get-PeExport $dll
        $exports.Count | Should -BeGreaterThan 1000 -Because 'the reader must find libtorch''s own exports'
        $exports | Where-Object { $_ -like '*@at@@*' } | Should -Not -BeNullOrEmpty -Because 'libtorch''s own ATen functions are exported'
        $exports | Where-Object { $_ -in 'sgemm_', 'dgemm_', 'cblas_sgemm' } | Should -BeNullOrEmpty
    }
}

Describe 'Install-PSResource in a fresh home' {
    BeforeAll {
        $install = Invoke-InFreshHome ($readme | Where-Object Language -eq 'pwsh' | ForEach-Object Text | Out-String)
    }

    It 'runs the README''s install lines as printed: register, install, import, train, predict' {
        $install.ExitCode | Should -Be 0 -Because $install.Output
        $install.Output | Should -Match '不分开'
    }

    It 'installs four modules into the fresh home, and the module loads libtorch from its platform''s runtime package' {
        $result = Invoke-InFreshHome @'
$installed = Get-InstalledPSResource
Import-Module PSCharRnn
$null = Test-ModuleManifest (Join-Path (Get-Module PSCharRnn).ModuleBase PSCharRnn.psd1)
[pscustomobject]@{
    Installed = @($installed.Name | Sort-Object)
    Folders   = @($installed.InstalledLocation | Sort-Object -Unique)
    Runtime   = [PSCharRnn.Native.TorchRuntime]::Folder
    Problem   = [PSCharRnn.Native.LibStdCxxCompatibility]::Problem([PSCharRnn.Native.TorchRuntime]::Folder)
    Examples  = @((Get-Help Start-RnnTraining -Examples).examples.example).Count
} | ConvertTo-Json -Compress
'@
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $facts = ($result.Output -split "`n" | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1) | ConvertFrom-Json
        $facts.Installed | Should -Be (@('PSCharRnn') + ($platforms | ForEach-Object { "PSCharRnn.Runtime.$_" }) | Sort-Object)
        $facts.Folders | Should -Be "$freshHome/.local/share/powershell/Modules"
        $facts.Runtime | Should -Be "$freshHome/.local/share/powershell/Modules/PSCharRnn.Runtime.linux-x64/$version"
        $facts.Problem | Should -BeNullOrEmpty -Because 'the packaged glue needs no libstdc++ newer than this machine''s'
        $facts.Examples | Should -BeGreaterThan 0
    }

    It 'trains with the portable products (what Windows and macOS run) to the default''s perplexity' {
        $script = @'
Import-Module PSCharRnn
$m = Import-LyricsCorpus | Start-RnnTraining -Epochs 2 -Seed 1 -ThreadCount 1
"$(([PSCharRnn.Numerics.GemmPlanner]::Default.Made.Plan.Backend | Sort-Object -Unique) -join '+') $($m.History[-1].Perplexity.ToString('R'))"
'@
        $default = Invoke-InFreshHome $script
        $portable = Invoke-InFreshHome $script @{ PSCHARRNN_GEMM = 'portable' }
        $default.ExitCode | Should -Be 0 -Because $default.Output
        $portable.ExitCode | Should -Be 0 -Because $portable.Output
        $defaultBackend, $a = ($default.Output.Trim() -split "`n")[-1] -split ' '
        $portableBackend, $b = ($portable.Output.Trim() -split "`n")[-1] -split ' '
        $portableBackend | Should -Be 'Portable'
        [math]::Abs([double]$a - [double]$b) / [double]$a | Should -BeLessThan 1e-4 -Because "default ($defaultBackend) $a, portable $b"
    }

    It 'runs the README''s Task Scheduler block with stand-ins for its cmdlets, and its action trains as the task would' {
        $taskFile = "$TestDrive/task.json"
        $standIns = @'
function New-ScheduledTaskAction { [CmdletBinding()] param([string] $Execute, [string] $Argument) [pscustomobject]@{ Execute = $Execute; Argument = $Argument } }
function New-ScheduledTaskTrigger { [CmdletBinding()] param([switch] $Daily, [datetime] $At) [pscustomobject]@{ Daily = [bool]$Daily; At = $At.TimeOfDay.ToString() } }
function Register-ScheduledTask { [CmdletBinding()] param([string] $TaskName, $Action, $Trigger) @{ TaskName = $TaskName; Action = $Action; Trigger = $Trigger } | ConvertTo-Json | Set-Content $env:TASK_FILE }
'@
        $block = $readme | Where-Object Language -eq 'posh' | ForEach-Object Text | Out-String
        $block | Should -Match 'Register-ScheduledTask'
        $register = Invoke-InFreshHome ($standIns + "`n" + $block) @{ TASK_FILE = $taskFile }
        $register.ExitCode | Should -Be 0 -Because $register.Output
        $task = Get-Content -Raw $taskFile | ConvertFrom-Json
        $task.Trigger.Daily | Should -BeTrue
        $task.Trigger.At | Should -Be '02:00:00'
        $run = Start-Process -FilePath $task.Action.Execute -ArgumentList $task.Action.Argument -Wait -PassThru `
            -RedirectStandardOutput "$TestDrive/task.out" -RedirectStandardError "$TestDrive/task.err" -Environment @{ HOME = $freshHome; PSModulePath = $null; XDG_DATA_HOME = $null }
        $run.ExitCode | Should -Be 0 -Because (Get-Content -Raw "$TestDrive/task.out", "$TestDrive/task.err")
        (Import-RnnModel "$freshHome/lyrics/model.safetensors").EpochsTrained | Should -Be 50
    }
}
