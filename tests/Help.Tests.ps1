BeforeDiscovery {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    $commands = Get-Command -Module PSCharRnn | ForEach-Object { @{ Name = $_.Name } }
}
BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
}

Describe 'Get-Help <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help $Name -Full
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    }
    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeLike "$Name *"     # Get-Help falls back to the syntax when there is no help
        $help.description.Text | Should -Not -BeNullOrEmpty
    }
    It 'has at least one example' {
        @($help.examples.example).Count | Should -BeGreaterThan 0
    }
    It 'describes every parameter' {
        foreach ($parameter in (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $entry = $help.parameters.parameter | Where-Object name -eq $parameter
            "$parameter $($entry.description.Text)" | Should -Not -Be "$parameter " -Because "-$parameter needs a description"
        }
    }
}

Describe 'Get-Help tells the truth about <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help $Name -Full
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $metadata = (Get-Command $Name).Parameters.Values | Where-Object Name -notin $common
    }
    It 'gives every parameter a default value' {
        foreach ($parameter in $metadata) {
            $entry = $help.parameters.parameter | Where-Object name -eq $parameter.Name
            "$($entry.defaultValue)" | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) has a default (or None)"
        }
    }
    It 'shows the positions the cmdlet really has' {
        foreach ($parameter in $metadata) {
            $positions = @($parameter.ParameterSets.Values.Position | Where-Object { $_ -ge 0 } | Sort-Object -Unique)
            $entry = $help.parameters.parameter | Where-Object name -eq $parameter.Name
            $entry.position | Should -Be $(if ($positions.Count) { $positions -join ', ' } else { 'named' }) -Because "-$($parameter.Name)"
        }
    }
    It 'names types as a user types them, never Nullable`1' {
        $help.syntax | Out-String | Should -Not -Match 'Nullable'
        $help.parameters | Out-String | Should -Not -Match 'Nullable'
    }
    It 'says Required? true only for a parameter mandatory in every parameter set' {
        foreach ($parameter in $metadata) {
            $always = @($parameter.ParameterSets.Values | Where-Object IsMandatory).Count -eq $parameter.ParameterSets.Count
            ($help.parameters.parameter | Where-Object name -eq $parameter.Name).required | Should -Be "$always".ToLower() -Because "-$($parameter.Name)"
        }
    }
    It 'has INPUTS and OUTPUTS' {
        $help.returnValues.returnValue.type.name | Should -Not -BeNullOrEmpty
        $help.returnValues.returnValue.description.Text | Should -Not -BeNullOrEmpty
        if ($metadata | Where-Object { $_.Attributes.ValueFromPipeline -or $_.Attributes.ValueFromPipelineByPropertyName }) {
            $help.inputTypes.inputType.type.name | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'Help details a user relies on' {
    It 'shows the real defaults of Start-RnnTraining' {
        $parameters = (Get-Help Start-RnnTraining -Full).parameters.parameter
        ($parameters | Where-Object name -eq Epochs).defaultValue | Should -Be '250'
        ($parameters | Where-Object name -eq Sampling).defaultValue | Should -Be 'Random'
        ($parameters | Where-Object name -eq SamplePrefix).defaultValue | Should -Be '分开, 不分开'
        ($parameters | Where-Object name -eq ClipTheta).defaultValue | Should -Be '0.01'
    }
    It 'shows -Path, -Corpus and -Prefix as positional' {
        ((Get-Help Import-LyricsCorpus -Full).parameters.parameter | Where-Object name -eq Path).position | Should -Be '0'
        ((Get-Help New-RnnModel -Full).parameters.parameter | Where-Object name -eq Corpus).position | Should -Be '0'
        ((Get-Help Get-RnnPrediction -Full).parameters.parameter | Where-Object name -eq Prefix).position | Should -Be '0'
    }
    It 'says Export-RnnModel takes -Path literally' {
        $path = (Get-Help Export-RnnModel -Full).parameters.parameter | Where-Object name -eq Path
        $path.globbing | Should -Be 'false'
        $path.description.Text | Should -Match 'literally'
        $path.aliases | Should -Be 'LiteralPath'
    }
    It 'says -ThreadCount is process-wide' {
        ((Get-Help Start-RnnTraining -Full).parameters.parameter | Where-Object name -eq ThreadCount).description.Text | Should -Match 'per process'
    }
    It 'has an about_PSCharRnn topic on the book, the algorithm and the files' {
        $about = Get-Help about_PSCharRnn | Out-String
        $about | Should -Match 'Dive into Deep Learning'
        $about | Should -Match 'W_hq'
        $about | Should -Match 'safetensors'
        $about | Should -Match 'PSCHARRNN_GEMM'
        foreach ($backend in [enum]::GetNames([PSCharRnn.Numerics.GemmBackend])) { $about | Should -Match "\b$($backend.ToLowerInvariant())\b" -Because 'the topic names every backend' }
        foreach ($recipe in Get-ChildItem "$PSScriptRoot/../PSCharRnn/Recipes" -Filter *.psd1) {
            $about | Should -Match "(?m)^\s+$($recipe.BaseName)\s*$" -Because 'the topic lists every recipe'
            foreach ($setting in (Import-PowerShellDataFile $recipe.FullName).GetEnumerator()) {
                $about | Should -Match ([regex]::Escape("-$($setting.Key) $($setting.Value)")) -Because "$($recipe.BaseName) sets $($setting.Key)"
            }
        }
    }
}

Describe 'The module manifest' {
    It 'ships the PSCharRnn folder as a complete module on its own (copy it into $env:PSModulePath)' {
        Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
        $modules = Join-Path $TestDrive 'modules'
        New-Item -ItemType Directory $modules | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $modules 'PSCharRnn') -Target (Resolve-Path "$PSScriptRoot/../PSCharRnn") | Out-Null
        $script = "`$env:PSModulePath = '$modules'; Import-Module PSCharRnn; (Get-Command -Module PSCharRnn).Count; (Get-Help Import-RnnModel).Synopsis; (New-RnnModel -Vocabulary a, b -HiddenSize 2 | Out-String) -match 'RNN'"
        $output = Invoke-ChildPwsh $script
        $output[0] | Should -Be 9
        $output[1] | Should -BeLike 'Loads a model*'
        $output[2] | Should -Be 'True'
    }

    It 'exports exactly the cmdlets it declares' {
        $manifest = Import-PowerShellDataFile "$PSScriptRoot/../PSCharRnn.psd1"
        (Get-Command -Module PSCharRnn).Name | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }
}
