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
.NOTES
    A resumed model trains on with its own last settings (optimizer, learning rate, sampling, steps, batch, seed):
    only the settings given to this script change them. A new model takes the module's defaults for those not given.
    Every line the job writes starts with the time, for the scheduler's log.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModelPath,
    [string[]] $CorpusPath,
    [string] $LogPath = [IO.Path]::ChangeExtension($ModelPath, '.csv'),
    [int] $Epochs = 50,
    [int] $CheckpointEvery = 10,
    [ValidateSet('Random', 'Consecutive')] [string] $Sampling,
    [ValidateSet('RNN', 'GRU', 'LSTM')] [string] $CellType = 'RNN',
    [int] $HiddenSize = 256,
    [int] $NumSteps,
    [int] $BatchSize,
    [ValidateSet('SGD', 'Adam')] [string] $Optimizer,
    [double] $LearningRate
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# A scheduler writes to a log file: no colour codes in it.
if ([Console]::IsOutputRedirected -or [Console]::IsErrorRedirected) { $PSStyle.OutputRendering = 'PlainText' }
function Write-Log([string] $Message) { Write-Information "$(Get-Date -Format o) $Message" -InformationAction Continue }
trap { Write-Log "failed: $_"; break }
Import-Module PSCharRnn -ErrorAction SilentlyContinue
if (-not (Get-Command Start-RnnTraining -ErrorAction SilentlyContinue)) { Import-Module "$PSScriptRoot/../PSCharRnn.psd1" }

New-Item -ItemType Directory -Force (Split-Path -Parent ([IO.Path]::GetFullPath($ModelPath))) | Out-Null
$corpus = if ($CorpusPath) { Import-LyricsCorpus -Path $CorpusPath } else { Import-LyricsCorpus }
$training = @{ Epochs = $Epochs; CheckpointPath = $ModelPath; CheckpointEvery = $CheckpointEvery }
# Only what was given: the rest comes from the model's own last training (or, for a new model, the module's defaults).
foreach ($name in 'Sampling', 'NumSteps', 'BatchSize', 'Optimizer', 'LearningRate') {
    if ($PSBoundParameters.ContainsKey($name)) { $training[$name] = $PSBoundParameters[$name] }
}
$model = if (Test-Path $ModelPath) {
    $previous = Import-RnnModel -Path $ModelPath
    Write-Log "resuming $ModelPath after $($previous.EpochsTrained) epochs"
    $previous | Start-RnnTraining -Corpus $corpus @training
}
else {
    Write-Log "starting a new $CellType model in $ModelPath"
    $corpus | Start-RnnTraining -CellType $CellType -HiddenSize $HiddenSize @training
}
$new = $model.History | Select-Object -Last $Epochs
$new | Select-Object Epoch, Perplexity, Seconds, Sampling, @{ n = 'Finished'; e = { $_.Finished.ToString('o') } } |
    Export-Csv -Path $LogPath -Append -NoTypeInformation
$model | Export-RnnTrainingChart -Path ([IO.Path]::ChangeExtension($LogPath, '.png')) | Out-Null
Write-Log ("trained to epoch {0}, perplexity {1:F4}" -f $model.EpochsTrained, $model.Perplexity)
