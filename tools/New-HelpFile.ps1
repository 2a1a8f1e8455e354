<#
.SYNOPSIS
    Writes the module's MAML help (en-US/PSCharRnn.dll-Help.xml) from the built cmdlets: syntax and
    parameter metadata from Get-Command, parameter descriptions from the C# summaries (the build's
    XML documentation file), synopsis, description and examples from tools/HelpText.psd1.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutFile
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module $ModulePath
$module = Get-Module PSCharRnn | Select-Object -First 1
$dll = Join-Path $module.ModuleBase 'bin/PSCharRnn.dll'
$docs = [xml](Get-Content -Raw ([IO.Path]::ChangeExtension($dll, '.xml')))
$text = Import-PowerShellDataFile (Join-Path $PSScriptRoot 'HelpText.psd1')
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

# The type a user types: Nullable<long> is a long, and so on.
function Get-TypeName([type] $Type) {
    $plain = [Nullable]::GetUnderlyingType($Type)
    if ($plain) { $Type = $plain }
    $Type.Name
}

# Defaults come from a fresh instance of the cmdlet class, so they cannot drift from the code.
function Get-DefaultValue([System.Management.Automation.CmdletInfo] $Command, [string] $Parameter) {
    $value = $Command.ImplementingType.GetProperty($Parameter).GetValue([Activator]::CreateInstance($Command.ImplementingType))
    if ($value -is [System.Management.Automation.SwitchParameter]) { return "$($value.IsPresent)" }
    if ($null -eq $value -or ($value -is [array] -and $value.Count -eq 0)) { return 'None' }
    if ($value -is [array]) { return $value -join ', ' }
    [string]::Format([cultureinfo]::InvariantCulture, '{0}', $value)
}

# The parameter sets in which a parameter is mandatory; Get-Help reads "required" as one boolean, so a parameter
# mandatory in some sets only is marked optional and its description names those sets.
function Get-MandatorySets([System.Management.Automation.ParameterMetadata] $Parameter) {
    @($Parameter.ParameterSets.GetEnumerator() | Where-Object { $_.Value.IsMandatory } | ForEach-Object Key | Sort-Object)
}

function Get-Summary([System.Management.Automation.CmdletInfo] $Command, [string] $Parameter) {
    $declaring = $Command.ImplementingType.GetProperty($Parameter).DeclaringType
    $member = $docs.doc.members.member | Where-Object name -eq "P:$($declaring.FullName).$Parameter"
    if ($member) { return ($member.summary.Trim() -replace '\s+', ' ') }
    switch ($Parameter) {
        'WhatIf' { 'Shows what would happen, without doing it.' }
        'Confirm' { 'Asks for confirmation first.' }
        default { throw "$($Command.Name) -$Parameter has no summary in the C# source." }
    }
}

$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
New-Item -ItemType Directory -Force (Split-Path $OutFile) | Out-Null
$w = [Xml.XmlWriter]::Create($OutFile, $settings)
$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
function Para([string[]] $Lines) { foreach ($line in $Lines) { $w.WriteElementString('maml', 'para', $maml, $line) } }

$w.WriteStartElement('helpItems', 'http://msh'); $w.WriteAttributeString('schema', 'maml')
$w.WriteAttributeString('xmlns', 'maml', $null, $maml)
$w.WriteAttributeString('xmlns', 'command', $null, $cmd)
$w.WriteAttributeString('xmlns', 'dev', $null, $dev)
foreach ($name in $module.ExportedCmdlets.Keys | Sort-Object) {
    $command = Get-Command $name
    $help = $text[$name]
    if (-not $help) { throw "tools/HelpText.psd1 has no entry for $name." }
    $parameters = $command.Parameters.Values | Where-Object Name -notin $common

    $w.WriteStartElement('command', 'command', $cmd)
    $w.WriteStartElement('command', 'details', $cmd)
    $w.WriteElementString('command', 'name', $cmd, $name)
    $w.WriteElementString('command', 'verb', $cmd, $command.Verb)
    $w.WriteElementString('command', 'noun', $cmd, $command.Noun)
    $w.WriteStartElement('maml', 'description', $maml); Para $help.Synopsis; $w.WriteEndElement()
    $w.WriteEndElement()
    $w.WriteStartElement('maml', 'description', $maml); Para $help.Description; $w.WriteEndElement()

    $w.WriteStartElement('command', 'syntax', $cmd)
    foreach ($set in $command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $cmd)
        $w.WriteElementString('maml', 'name', $maml, $name)
        foreach ($p in $set.Parameters | Where-Object Name -notin $common) {
            $w.WriteStartElement('command', 'parameter', $cmd)
            $w.WriteAttributeString('required', "$($p.IsMandatory)".ToLower())
            $w.WriteAttributeString('position', $(if ($p.Position -ge 0) { $p.Position } else { 'named' }))
            $w.WriteElementString('maml', 'name', $maml, $p.Name)
            if ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
                $w.WriteElementString('command', 'parameterValue', $cmd, (Get-TypeName $p.ParameterType))
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmd)
    foreach ($p in $parameters) {
        $attributes = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $pipeline = @(
            if ($attributes | Where-Object ValueFromPipeline) { 'ByValue' }
            if ($attributes | Where-Object ValueFromPipelineByPropertyName) { 'ByPropertyName' }
        )
        $positions = @($attributes | Where-Object Position -ge 0 | ForEach-Object Position | Sort-Object -Unique)
        $globbing = $p.Name -eq 'Path' -and $command.ImplementingType.BaseType.Name -eq 'FilePathCmdlet'
        $w.WriteStartElement('command', 'parameter', $cmd)
        $mandatorySets = @(Get-MandatorySets $p)
        $always = $mandatorySets.Count -gt 0 -and $mandatorySets.Count -eq $p.ParameterSets.Count
        $w.WriteAttributeString('required', "$always".ToLower())
        $w.WriteAttributeString('globbing', "$globbing".ToLower())
        $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { "true ($($pipeline -join ', '))" } else { 'false' }))
        $w.WriteAttributeString('position', $(if ($positions.Count -gt 0) { $positions -join ', ' } else { 'named' }))
        $w.WriteAttributeString('aliases', $(if ($p.Aliases.Count -gt 0) { $p.Aliases -join ', ' } else { 'None' }))
        $w.WriteElementString('maml', 'name', $maml, $p.Name)
        $summary = Get-Summary $command $p.Name
        if (-not $always -and $mandatorySets.Count -gt 0) {
            $others = @($p.ParameterSets.Keys | Where-Object { $_ -notin $mandatorySets } | Sort-Object)
            $summary += " Required in the $($mandatorySets -join ', ') parameter set; optional in $($others -join ', ')."
        }
        $w.WriteStartElement('maml', 'description', $maml); Para $summary; $w.WriteEndElement()
        $w.WriteElementString('command', 'parameterValue', $cmd, (Get-TypeName $p.ParameterType))
        $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('maml', 'name', $maml, (Get-TypeName $p.ParameterType)); $w.WriteEndElement()
        $w.WriteElementString('dev', 'defaultValue', $dev, (Get-DefaultValue $command $p.Name))
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # INPUTS: what binds from the pipeline; OUTPUTS: the declared output types, each with what it is.
    $w.WriteStartElement('command', 'inputTypes', $cmd)
    foreach ($p in $parameters | Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) } }) {
        $w.WriteStartElement('command', 'inputType', $cmd); $w.WriteStartElement('dev', 'type', $dev)
        $w.WriteElementString('maml', 'name', $maml, ($p.ParameterType.FullName -replace '^System\.Nullable`1\[(.*)\]$', '$1'))
        $w.WriteEndElement()
        $w.WriteStartElement('maml', 'description', $maml); Para "Binds to -$($p.Name)."; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteStartElement('command', 'returnValues', $cmd)
    foreach ($type in $command.OutputType) {
        $w.WriteStartElement('command', 'returnValue', $cmd); $w.WriteStartElement('dev', 'type', $dev)
        $w.WriteElementString('maml', 'name', $maml, $type.Name)
        $w.WriteEndElement()
        $w.WriteStartElement('maml', 'description', $maml); Para $help.Outputs; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $cmd)
    $i = 0
    foreach ($example in $help.Examples) {
        $i++
        $w.WriteStartElement('command', 'example', $cmd)
        $w.WriteElementString('maml', 'title', $maml, "-------------------------- Example $i --------------------------")
        $w.WriteElementString('dev', 'code', $dev, $example.Code)
        $w.WriteStartElement('dev', 'remarks', $dev); Para $example.Remarks; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.Close()
