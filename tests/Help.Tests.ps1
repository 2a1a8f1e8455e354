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

Describe 'The module manifest' {
    It 'ships the PSCharRnn folder as a complete module on its own (copy it into $env:PSModulePath)' {
        Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
        $modules = Join-Path $TestDrive 'modules'
        New-Item -ItemType Directory $modules | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $modules 'PSCharRnn') -Target (Resolve-Path "$PSScriptRoot/../PSCharRnn") | Out-Null
        $script = "`$env:PSModulePath = '$modules'; Import-Module PSCharRnn; (Get-Command -Module PSCharRnn).Count; (Get-Help Import-RnnModel).Synopsis; (New-RnnModel -Vocabulary a, b -HiddenSize 2 | Out-String) -match 'RNN'"
        $output = Invoke-ChildPwsh $script
        $output[0] | Should -Be 6
        $output[1] | Should -BeLike 'Loads a model*'
        $output[2] | Should -Be 'True'
    }

    It 'exports exactly the cmdlets it declares' {
        $manifest = Import-PowerShellDataFile "$PSScriptRoot/../PSCharRnn.psd1"
        (Get-Command -Module PSCharRnn).Name | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }
}
