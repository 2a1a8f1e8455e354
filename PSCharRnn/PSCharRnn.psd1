@{
    RootModule           = 'bin/PSCharRnn.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6b0f3d0e-8a52-4f55-9d7e-2f4b8f0b9c11'
    Author               = 'PSCharRnn contributors'
    Copyright            = '(c) PSCharRnn contributors. MIT License.'
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
            Tags         = @('RNN', 'GRU', 'LSTM', 'TorchSharp', 'DeepLearning', 'MachineLearning', 'LanguageModel', 'Lyrics',
                'D2L', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/license/mit'
            ReleaseNotes = @'
0.1.0: the first packaged release. Character-level RNN, GRU and LSTM language models trained from scratch on libtorch
(Dive into Deep Learning, chapter 6), with held-out perplexity, sampling that a writer can shape (originality, lines,
rhyme), fine-tuning, exact resume and charts. Installs with Install-PSResource on Linux x64, Windows x64 and macOS
arm64; the platform's libtorch comes in the runtime packages PSCharRnn.Runtime.<platform>.
'@
        }
    }
}
