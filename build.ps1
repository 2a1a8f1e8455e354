#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks PSCharRnn.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    # Build (default), Test, Demo, Bench, Package, Install or Clean.
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Install', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Bench only: a few epochs per configuration, for a side-by-side speed check in minutes.
    [switch] $Quick,

    # Bench only: Speed (the chapter's models beside the book's PyTorch code), Generalization (held-out perplexity
    # over seeds beside a 5-gram, and fine-tuning), or All.
    [ValidateSet('All', 'Speed', 'Generalization')]
    [string] $Part = 'All',

    # The folder holding jaychou_lyrics.txt.zip for the tests, Demo and Bench (default: $env:PSCHARRNN_DATA; without
    # either, the module downloads the corpus into its per-user folder).
    [string] $DataPath = $env:PSCHARRNN_DATA,

    # Package only: the project's public home, written into the module manifest that the Gallery shows.
    [uri] $ProjectUri
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$ModuleBin = Join-Path $Root 'PSCharRnn/bin'
$Artifacts = Join-Path $Root 'artifacts'
$PesterVersion = '5.7.1'

# The platforms packaged, each with the GUID of its runtime package (PSCharRnn.Runtime.<platform>).
$Platforms = [ordered]@{
    'linux-x64' = 'ceb02aec-294a-4f2c-b9d6-3ea959da1e69'
    'win-x64'   = '8533a92e-037a-4dd9-856f-4889ac14b77b'
    'osx-arm64' = '64a8cb88-221d-49be-ab69-19cc3942b768'
}
# libtorch's libraries that nothing the module runs loads: Python bindings, test and mobile backends.
$UnusedNatives = 'libtorch_python.*', '*_test.so', 'libnnapi_backend.so', 'libbackend_with_compiler.so', 'libaoti_custom_ops.so'
# The PowerShell Gallery refuses larger packages.
$MaxPackageBytes = 250MB

if ($DataPath) { $env:PSCHARRNN_DATA = (Resolve-Path $DataPath).Path }

# The tests, Demo and Bench read the book's archive from $env:PSCHARRNN_DATA. Without one, the module's own
# download-and-verify code fetches it into the per-user folder once, and that folder is used.
function Initialize-Data {
    if ($env:PSCHARRNN_DATA) { return }
    $folder = Invoke-Tool dotnet "$PSHOME/pwsh.dll", '-NoProfile', '-NonInteractive', '-Command',
        "Import-Module '$Root/PSCharRnn.psd1'; `$null = Import-LyricsCorpus; Split-Path ([PSCharRnn.Corpus.BookCorpus]::Find())"
    $env:PSCHARRNN_DATA = @($folder)[-1]
}

function Invoke-Tool([string] $Name, [string[]] $Arguments) {
    & $Name @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Name $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    Invoke-Tool dotnet publish, "$Root/src/PSCharRnn.Cmdlets", '-c', $Configuration, '-o', $ModuleBin, '--nologo', '-v', 'quiet'
    # Get-Help text comes from the built cmdlets and their C# summaries, so it cannot drift from the code.
    # PowerShell looks for it under the base of the module it attributes the cmdlets to: PSCharRnn/ when the
    # folder is installed on $env:PSModulePath, the assembly's folder when loaded through ./PSCharRnn.psd1.
    $help = "$Root/PSCharRnn/en-US/PSCharRnn.dll-Help.xml"
    Invoke-Pwsh "& '$Root/tools/New-HelpFile.ps1' -ModulePath '$Root/PSCharRnn/PSCharRnn.psd1' -OutFile '$help'"
    $about = "$Root/PSCharRnn/en-US/about_PSCharRnn.help.txt"
    Write-AboutTopic $about
    New-Item -ItemType Directory -Force "$ModuleBin/en-US" | Out-Null
    Copy-Item $help, $about "$ModuleBin/en-US"
}

# The about topic, with each shipped recipe's own words and settings in place of RECIPE-LIST, so it cannot drift from the files.
function Write-AboutTopic([string] $Path) {
    $recipes = foreach ($file in Get-ChildItem "$Root/PSCharRnn/Recipes" -Filter *.psd1 | Sort-Object Name) {
        "    $($file.BaseName)"
        Get-Content $file | Where-Object { $_ -match '^#' } | ForEach-Object { '        ' + $_.TrimStart('#', ' ') }
        $settings = Import-PowerShellDataFile $file.FullName
        if ($settings.Count -eq 0) { '        (sets nothing)' }
        $settings.GetEnumerator() | Sort-Object Key | ForEach-Object { "        -$($_.Key) $($_.Value)" }
        ''
    }
    $text = (Get-Content -Raw "$Root/tools/about_PSCharRnn.help.txt").Replace("RECIPE-LIST`n", ($recipes -join "`n") + "`n")
    Set-Content -Path $Path -Value $text -NoNewline -Encoding utf8
}

# Runs a script in a fresh pwsh, so that the module (and libtorch) loads into a clean process.
# As a .NET local tool, pwsh runs as 'dotnet pwsh.dll'.
function Invoke-Pwsh([string] $Script) {
    Invoke-Tool dotnet "$PSHOME/pwsh.dll", '-NoProfile', '-NonInteractive', '-Command', $Script
}

function Invoke-Test {
    # The packages too: a test installs them into a fresh home.
    Invoke-Package | Format-Table | Out-Host
    Initialize-Data
    New-Item -ItemType Directory -Force $Artifacts | Out-Null
    # The tests' own per-user folder (Linux and macOS; Windows keeps %LOCALAPPDATA%): the plans they measure, many for
    # tiny test models and under the load of tests running side by side, stay out of the user's gemm-plans.json.
    $userData = $env:XDG_DATA_HOME
    $env:XDG_DATA_HOME = Join-Path $Artifacts 'test-user-data'
    try { Invoke-TestSuites } finally { $env:XDG_DATA_HOME = $userData }
}

function Invoke-TestSuites {
    # xunit: the maths classes, driven without PowerShell.
    $trx = Join-Path $Artifacts 'xunit.trx'
    Remove-Item $trx -ErrorAction Ignore
    & dotnet test "$Root/tests/PSCharRnn.Tests" -c $Configuration --nologo --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal'
    $xunitExit = $LASTEXITCODE
    if (-not (Test-Path $trx)) { throw "dotnet test wrote no results (exit code $xunitExit)." }
    $run = ([xml](Get-Content -Raw $trx)).TestRun
    $counters = $run.ResultSummary.Counters
    $xunit = @{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout }
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1 }
    $failures = @($run.Results.UnitTestResult | Where-Object outcome -ne 'Passed' | Where-Object outcome -ne 'NotExecuted' |
        ForEach-Object { "xunit $($_.testName): $(@("$($_.Output.ErrorInfo.Message)" -split '\r?\n')[0])" })

    # Pester: the cmdlets, as a user runs them.
    Invoke-Tool dotnet restore, "$Root/tools/Tools.csproj", '--nologo', '-v', 'quiet'
    $pesterResult = Join-Path $Artifacts 'pester.json'
    Invoke-Pwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$Root/tools/.packages/pester/$PesterVersion/tools/Pester.psd1'
`$config = New-PesterConfiguration
`$config.Run.Path = '$Root/tests'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$r = Invoke-Pester -Configuration `$config
`$failures = @(@(`$r.Failed) + @(`$r.FailedBlocks) + @(`$r.FailedContainers) |
    ForEach-Object { "Pester `$(`$_.ExpandedPath ?? `$_.Item): `$(@("`$(`$_.ErrorRecord)" -split '\r?\n')[0])" })
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount; Failures = `$failures } |
    ConvertTo-Json | Set-Content '$pesterResult'
"@
    $pester = Get-Content -Raw $pesterResult | ConvertFrom-Json

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    # The failures once more at the end, where a log cut to its tail still shows them.
    foreach ($failure in $failures + @($pester.Failures)) { Write-Host "FAILED $failure" }
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    Write-Output "$passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Initialize-Data
    New-Item -ItemType Directory -Force $Artifacts | Out-Null
    Invoke-Pwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$Root/PSCharRnn.psd1'
`$corpus = Import-LyricsCorpus
`$corpus | Format-Table
"First characters: `$(`$corpus.Preview(60))"
"Training the book's RNN (hidden 256, 250 epochs, random sampling) ..."
`$model = `$corpus | Start-RnnTraining -Epochs 250 -Seed 1 -InformationAction Continue
`$model | Get-RnnPrediction -Prefix 不分开
`$chart = `$model | Export-RnnTrainingChart -Path '$Artifacts/demo-perplexity.png'
"The chart of its training: `$(`$chart.FullName)"
"@
}

# The processor a Bench output names on its 'processor:' line (speed runs print one), or null.
function Get-BenchProcessor([string] $Path) {
    $line = Select-String -Path $Path -Pattern '^processor: ([^;]+)' | Select-Object -First 1
    if ($line) { $line.Matches[0].Groups[1].Value }
}

# Runs the benchmark parts asked for; each part's output goes to the console and to docs/bench/<Part>.txt (speed per
# processor, docs/bench/Speed.<processor>.txt, since a figure holds only for its CPU), and docs/performance.md is
# written anew from tools/performance.template.md with every part's latest output on every processor measured.
function Invoke-Bench {
    Invoke-Build
    Initialize-Data
    $parts = [ordered]@{ Speed = 'Bench.ps1'; Generalization = 'Bench.Generalization.ps1' }
    New-Item -ItemType Directory -Force "$Root/docs/bench" | Out-Null
    foreach ($name in $parts.Keys | Where-Object { $Part -in 'All', $_ }) {
        $partial = "$Root/docs/bench/$name.partial"
        Invoke-Pwsh "& '$Root/tools/$($parts[$name])' -ModulePath '$Root/PSCharRnn.psd1' -Quick:`$$Quick | Tee-Object -FilePath '$partial'"
        $processor = Get-BenchProcessor $partial
        $output = if ($processor) { "$Root/docs/bench/$name.$(($processor -replace '[^A-Za-z0-9]+', '-').Trim('-')).txt" } else { "$Root/docs/bench/$name.txt" }
        Move-Item -Force $partial $output
    }
    $results = foreach ($name in $parts.Keys) {
        foreach ($output in Get-ChildItem "$Root/docs/bench" -Filter "$name*.txt" | Sort-Object Name) {
            $processor = Get-BenchProcessor $output
            "## $name$(if ($processor) { " on $processor" }) (``build.ps1 Bench -Part $name``)", '', '```text', (Get-Content -Raw $output).TrimEnd(), '```', ''
        }
    }
    $text = (Get-Content -Raw "$Root/tools/performance.template.md").Replace("BENCH-RESULTS`n", ($results -join "`n") + "`n")
    Set-Content -Path "$Root/docs/performance.md" -Value $text -NoNewline -Encoding utf8
    "Wrote $Root/docs/performance.md"
}

# Writes the packages Install-PSResource installs into artifacts/packages: PSCharRnn (the cmdlets, help, recipes,
# examples) and one runtime package per platform (TorchSharp, libtorch and the chart libraries' natives), which the
# module requires. All three platforms' natives together exceed the Gallery's limit, and PSResourceGet 1.2 cannot
# filter a package's platform folders at install, so each platform's natives are a package of their own.
function Invoke-Package {
    Invoke-Build
    $version = (Import-PowerShellDataFile "$Root/PSCharRnn/PSCharRnn.psd1").ModuleVersion
    $stage = Join-Path $Artifacts 'stage'
    $packages = Join-Path $Artifacts 'packages'
    Remove-Item -Recurse -Force $stage, $packages, "$Artifacts/publish" -ErrorAction Ignore
    New-Item -ItemType Directory -Force $packages | Out-Null
    $nativeLoading = Invoke-Tool dotnet "$PSHOME/pwsh.dll", '-NoProfile', '-NonInteractive', '-Command',
        "Add-Type -Path '$ModuleBin/PSCharRnn.Core.dll'; [PSCharRnn.Native.RuntimePackage]::NativeLoadingAssemblies"

    foreach ($platform in $Platforms.Keys) {
        $publish = "$Artifacts/publish/$platform"
        Invoke-Tool dotnet publish, "$Root/src/PSCharRnn.Cmdlets", '-c', $Configuration, '-r', $platform, '-o', $publish, '--nologo', '-v', 'quiet'
        $name = "PSCharRnn.Runtime.$platform"
        $runtime = New-Item -ItemType Directory -Force "$stage/$name"
        Get-ChildItem "$publish/*" -File -Exclude $UnusedNatives |
            Where-Object { (Test-NativeLibrary $_) -or ((Test-ManagedAssembly $_) -and $_.BaseName -in $nativeLoading) } |
            Copy-Item -Destination $runtime
        Copy-Item "$Root/LICENSE" $runtime
        Copy-Item (Get-ChildItem "$HOME/.nuget/packages/libtorch-cpu-$platform/*/LICENSE-LIBTORCH.txt")[-1] $runtime
        New-ModuleManifest -Path "$runtime/$name.psd1" -ModuleVersion $version -Guid $Platforms[$platform] `
            -Author 'PSCharRnn contributors' -Copyright '(c) PSCharRnn contributors. MIT License; libtorch: see LICENSE-LIBTORCH.txt.' `
            -Description "The $platform native libraries of PSCharRnn: TorchSharp, libtorch (CPU) and the chart libraries. Installed with PSCharRnn; imports nothing itself." `
            -CompatiblePSEditions Core -PowerShellVersion 7.4 -FunctionsToExport @() -CmdletsToExport @() -VariablesToExport @() -AliasesToExport @() `
            -Tags PSCharRnn, TorchSharp, libtorch, $platform -LicenseUri 'https://opensource.org/license/mit'
    }

    $module = New-Item -ItemType Directory -Force "$stage/PSCharRnn"
    Copy-Item -Recurse -Path ((Get-ChildItem "$Root/PSCharRnn" -Exclude bin).FullName + "$Root/examples", "$Root/LICENSE") -Destination $module
    $bin = New-Item -ItemType Directory -Force "$module/bin"
    Get-ChildItem "$Artifacts/publish/linux-x64" -File |
        Where-Object { ((Test-ManagedAssembly $_) -and $_.BaseName -notin $nativeLoading) -or $_.Name -like 'PSCharRnn*.pdb' } |
        Copy-Item -Destination $bin
    Copy-Item "$ModuleBin/en-US" $bin -Recurse
    $required = ($Platforms.Keys | ForEach-Object { "@{ ModuleName = 'PSCharRnn.Runtime.$_'; RequiredVersion = '$version' }" }) -join ', '
    $manifestPath = "$module/PSCharRnn.psd1"
    $manifest = (Get-Content -Raw $manifestPath) -replace '(?m)^(\s*)PowerShellVersion\s*=.*$', "`$0`n`$1RequiredModules      = @($required)"
    if ($ProjectUri) { $manifest = $manifest -replace "(?m)^(\s*)LicenseUri\s*=.*$", "`$0`n`$1ProjectUri   = '$ProjectUri'" }
    Set-Content -Path $manifestPath -Value $manifest -NoNewline -Encoding utf8

    foreach ($folder in Get-ChildItem $stage -Directory) {
        # The module's manifest requires the runtime packages, which are not installed here; the tests validate it
        # once they have installed it.
        $package = Compress-PSResource -Path $folder.FullName -DestinationPath $packages -PassThru -SkipModuleManifestValidate:($folder.Name -eq 'PSCharRnn')
        if ($package.Length -ge $MaxPackageBytes) { throw "$($package.Name) is $([math]::Round($package.Length / 1MB)) MB, above the Gallery's $($MaxPackageBytes / 1MB) MB." }
        [pscustomobject]@{ Package = $package.Name; MB = [math]::Round($package.Length / 1MB, 1) }
    }
    Remove-Item -Recurse -Force $stage, "$Artifacts/publish"
}

function Test-NativeLibrary([IO.FileInfo] $File) {
    $File.Name -match '\.(so(\.\d+)*|dylib)$' -or ($File.Extension -eq '.dll' -and -not (Test-ManagedAssembly $File))
}

function Test-ManagedAssembly([IO.FileInfo] $File) {
    if ($File.Extension -ne '.dll') { return $false }
    try { $null = [Reflection.AssemblyName]::GetAssemblyName($File.FullName); $true } catch [BadImageFormatException] { $false }
}

# Installs the built module, with its example jobs, for this user: PowerShell finds it from any folder.
function Invoke-Install {
    Invoke-Build
    $target = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'powershell/Modules/PSCharRnn'
    Remove-Item -Recurse -Force $target -ErrorAction Ignore
    New-Item -ItemType Directory -Force (Split-Path $target) | Out-Null
    Copy-Item -Recurse "$Root/PSCharRnn" $target
    Copy-Item -Recurse "$Root/examples" "$target/examples"
    "Installed PSCharRnn into $target"
}

function Invoke-Clean {
    foreach ($path in $ModuleBin, $Artifacts, "$Root/tools/.packages", "$Root/tools/obj") { Remove-Item -Recurse -Force $path -ErrorAction Ignore }
    Get-ChildItem -Path "$Root/src", "$Root/tests" -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
}

Push-Location $Root
try {
    & "Invoke-$Task"
}
finally {
    Pop-Location
}
