<#
.SYNOPSIS
    Writes lyrics from a saved model into a dated text file, one block per prefix. Schedule it as it is:

        pwsh -NonInteractive -File ./Write-Lyrics.ps1 -ModelPath ~/lyrics/model.safetensors -Prefix 分开, 不分开 -OutputFolder ~/lyrics

    A prefix the model cannot continue is reported, the others are still written, and the exit code is 1.
    Each run appends to the day's file under a heading with the time: a second run the same day keeps the first's lyrics.

.PARAMETER Prefix
    Texts to continue. With pwsh -File an array arrives as one string: commas separate prefixes there too.
.PARAMETER Count
    How many lines to write per prefix; each line continues the previous one's last characters.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModelPath,
    [Parameter(Mandatory)] [string[]] $Prefix,
    [Parameter(Mandatory)] [string] $OutputFolder,
    [ValidateRange(1, 1000)] [int] $Count = 4,
    [ValidateRange(1, 10000)] [int] $Length = 50
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# A scheduler writes to a log file: no colour codes in it.
if ([Console]::IsOutputRedirected -or [Console]::IsErrorRedirected) { $PSStyle.OutputRendering = 'PlainText' }
function Write-Log([string] $Message) { Write-Information "$(Get-Date -Format o) $Message" -InformationAction Continue }
trap { Write-Log "failed: $_"; break }
Import-Module PSCharRnn -ErrorAction SilentlyContinue
if (-not (Get-Command Get-RnnPrediction -ErrorAction SilentlyContinue)) { Import-Module "$PSScriptRoot/../PSCharRnn.psd1" }

$Prefix = @($Prefix | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$model = Import-RnnModel -Path $ModelPath
New-Item -ItemType Directory -Force $OutputFolder | Out-Null
$now = Get-Date
$file = Join-Path $OutputFolder ("lyrics-{0:yyyy-MM-dd}.txt" -f $now)
$failed = 0
$lines = foreach ($start in $Prefix) {
    try {
        $block = @("# $start")
        $seed = $start
        for ($i = 0; $i -lt $Count; $i++) {
            $line = $model | Get-RnnPrediction -Prefix $seed -Length $Length
            $block += $line
            $seed = $line.Substring($line.Length - [Math]::Min(5, $line.Length))
        }
        $block + ''
    }
    catch {
        $failed++
        Write-Log "prefix '$start' failed ($($_.FullyQualifiedErrorId)): $_"
    }
}
# Appended, never replaced: the day's earlier runs stay in the file.
@("## $($now.ToString('o')), $(Split-Path -Leaf $ModelPath)", '') + $lines | Add-Content -Path $file -Encoding utf8
Write-Log "wrote $file ($($Prefix.Count - $failed) of $($Prefix.Count) prefixes)"
if ($failed) { exit 1 }
