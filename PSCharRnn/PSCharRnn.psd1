@{
    RootModule           = 'bin/PSCharRnn.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6b0f3d0e-8a52-4f55-9d7e-2f4b8f0b9c11'
    Author               = 'PSCharRnn contributors'
    Description          = 'Character-level RNN language models trained from scratch on TorchSharp (Dive into Deep Learning, chapter 6: RNN, GRU, LSTM), as PowerShell cmdlets.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('PSCharRnn.Format.ps1xml')
    TypesToProcess       = @('PSCharRnn.Types.ps1xml')
    CmdletsToExport      = @(
        'Import-LyricsCorpus'
        'New-RnnModel'
        'Start-RnnTraining'
        'Get-RnnPrediction'
        'Export-RnnModel'
        'Import-RnnModel'
        'Measure-RnnPerplexity'
        'Measure-LyricsNovelty'
        'Export-RnnTrainingChart'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('RNN', 'TorchSharp', 'DeepLearning', 'Lyrics', 'D2L')
        }
    }
}
