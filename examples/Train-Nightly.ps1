<#
.SYNOPSIS
    Nightly training job: resumes from the checkpoint if there is one, trains, keeps checkpoints and a
    CSV log of perplexity per epoch. Schedule it as it is (cron, systemd timer, Task Scheduler); the
    README shows both, as lines a test runs.

.PARAMETER ModelPath
    The model file: read to resume, written atomically as checkpoints and at the end. Its folder is made if missing.
.PARAMETER CorpusPath
    Text or zip files (or folders of .txt files) to learn; the book's corpus when omitted.
.PARAMETER LogPath
    CSV file that receives one row per trained epoch (appended), with the time that epoch ended. A chart of the
    whole history is written beside it (.png).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModelPath,
    [string[]] $CorpusPath,
    [string] $LogPath = [IO.Path]::ChangeExtension($ModelPath, '.csv'),
    [int] $Epochs = 50,
    [int] $CheckpointEvery = 10,
    [ValidateSet('Random', 'Consecutive')] [string] $Sampling = 'Random',
    [ValidateSet('RNN', 'GRU', 'LSTM')] [string] $CellType = 'RNN',
    [int] $HiddenSize = 256,
    [int] $NumSteps = 35,
    [int] $BatchSize = 32
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# A scheduler writes to a log file: no colour codes in it.
if ([Console]::IsOutputRedirected -or [Console]::IsErrorRedirected) { $PSStyle.OutputRendering = 'PlainText' }
Import-Module PSCharRnn -ErrorAction SilentlyContinue
if (-not (Get-Command Start-RnnTraining -ErrorAction SilentlyContinue)) { Import-Module "$PSScriptRoot/../PSCharRnn.psd1" }

New-Item -ItemType Directory -Force (Split-Path -Parent ([IO.Path]::GetFullPath($ModelPath))) | Out-Null
$corpus = if ($CorpusPath) { Import-LyricsCorpus -Path $CorpusPath } else { Import-LyricsCorpus }
$training = @{
    Epochs = $Epochs; Sampling = $Sampling; NumSteps = $NumSteps; BatchSize = $BatchSize
    CheckpointPath = $ModelPath; CheckpointEvery = $CheckpointEvery
}
$model = if (Test-Path $ModelPath) {
    $previous = Import-RnnModel -Path $ModelPath
    Write-Information "Resuming $ModelPath after $($previous.EpochsTrained) epochs" -InformationAction Continue
    $previous | Start-RnnTraining -Corpus $corpus @training
}
else {
    $corpus | Start-RnnTraining -CellType $CellType -HiddenSize $HiddenSize @training
}
$new = $model.History | Select-Object -Last $Epochs
$new | Select-Object Epoch, Perplexity, Seconds, Sampling, @{ n = 'Finished'; e = { $_.Finished.ToString('o') } } |
    Export-Csv -Path $LogPath -Append -NoTypeInformation
$model | Export-RnnTrainingChart -Path ([IO.Path]::ChangeExtension($LogPath, '.png')) | Out-Null
Write-Information ("Trained to epoch {0}, perplexity {1:F4}" -f $model.EpochsTrained, $model.Perplexity) -InformationAction Continue
