# Environment variables for child processes, set and put back; shared by Bench and the Pester helpers.

# Sets a variable, or removes it for $null: [Environment]::SetEnvironmentVariable would receive $null from PowerShell as
# an empty string, a value Unix keeps (libgomp rejects an empty OMP_WAIT_POLICY, the module reads an empty one as set).
function Set-ProcessVariable([string] $Name, $Value) {
    if ($null -eq $Value) { Remove-Item "Env:$Name" -ErrorAction Ignore } else { Set-Item "Env:$Name" $Value }
}

# Runs a script block with variables set (null: removed), then puts them back as they were. The block runs in its
# caller's session state, so it sees the caller's variables, not these.
function Invoke-WithEnvironment([Collections.IDictionary] $Variables, [scriptblock] $Action) {
    $saved = @{}
    foreach ($name in $Variables.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-ProcessVariable $name $Variables[$name] }
    try { & $Action }
    finally { foreach ($name in $saved.Keys) { Set-ProcessVariable $name $saved[$name] } }
}

Export-ModuleMember -Function Set-ProcessVariable, Invoke-WithEnvironment
