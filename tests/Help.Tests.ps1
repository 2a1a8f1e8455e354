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
    It 'exports exactly the cmdlets it declares' {
        $manifest = Import-PowerShellDataFile "$PSScriptRoot/../PSCharRnn.psd1"
        (Get-Command -Module PSCharRnn).Name | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }
}
