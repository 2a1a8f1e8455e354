@{
    # The shippable module is the PSCharRnn folder; this manifest loads it straight from a checkout.
    NestedModules        = @('PSCharRnn/PSCharRnn.psd1')
    ModuleVersion        = '0.1.0'
    GUID                 = '6b0f3d0e-8a52-4f55-9d7e-2f4b8f0b9c11'
    Author               = 'PSCharRnn contributors'
    Description          = 'Character-level RNN language models trained from scratch on TorchSharp (Dive into Deep Learning, chapter 6: RNN, GRU, LSTM), as PowerShell cmdlets.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
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
}
