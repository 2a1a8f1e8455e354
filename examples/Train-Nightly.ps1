<#
.SYNOPSIS
    Nightly training job: resumes from the checkpoint if there is one, trains, keeps checkpoints and a
    CSV log of perplexity per epoch. Schedule it as it is (cron, systemd timer, Task Scheduler):

        pwsh -NonInteractive -File ./Train-Nightly.ps1 -ModelPath ~/lyrics/model.safetensors

.PARAMETER ModelPath
    The model file: read to resume, written atomically as checkpoints and at the end.
.PARAMETER CorpusPath
    Text or zip files to learn; the book's corpus when omitted.
.PARAMETER LogPath
    CSV file that receives one row per trained epoch (appended).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModelPath,
    [string[]] $CorpusPath,
    [string] $LogPath = [IO.Path]::ChangeExtension($ModelPath, '.csv'),
    [int] $Epochs = 50,
    [int] $CheckpointEvery = 10,
    [ValidateSet('Random', 'Consecutive')] [string] $Sampling = 'Random',
    [int] $HiddenSize = 256,
    [int] $NumSteps = 35,
    [int] $BatchSize = 32
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module PSCharRnn -ErrorAction SilentlyContinue
if (-not (Get-Command Start-RnnTraining -ErrorAction SilentlyContinue)) { Import-Module "$PSScriptRoot/../PSCharRnn.psd1" }

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
    $corpus | Start-RnnTraining -HiddenSize $HiddenSize @training
}
$new = $model.History | Select-Object -Last $Epochs
$new | Select-Object Epoch, Perplexity, Seconds, Sampling, @{ n = 'Finished'; e = { Get-Date -Format o } } |
    Export-Csv -Path $LogPath -Append -NoTypeInformation
Write-Information ("Trained to epoch {0}, perplexity {1:F4}" -f $model.EpochsTrained, $model.Perplexity) -InformationAction Continue
