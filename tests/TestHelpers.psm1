# Shared by the Pester files: small corpora written in the test, and a local HTTP server for downloads.

Import-Module "$PSScriptRoot/../tools/ProcessEnvironment.psm1"

function Get-BookArchive {
    # The book's archive as the build found it (../shared/data here); never copied into the project.
    $path = Join-Path "$env:PSCHARRNN_DATA" 'jaychou_lyrics.txt.zip'
    if (-not (Test-Path $path)) { throw "The book's archive is not in `$env:PSCHARRNN_DATA ('$env:PSCHARRNN_DATA'); run the tests through ./build.ps1 Test." }
    $path
}

function New-TextFile([string] $Path, [string] $Text) {
    New-Item -ItemType Directory -Force (Split-Path $Path) | Out-Null
    [IO.File]::WriteAllText($Path, $Text, [Text.UTF8Encoding]::new($false))
    $Path
}

# Runs a script in a new pwsh process (pwsh is a .NET local tool here: 'dotnet pwsh.dll') and returns its output.
function Invoke-ChildPwsh([string] $Command, [string] $File, [string[]] $Arguments = @()) {
    $target = if ($File) { '-File', $File } else { '-Command', $Command }
    & dotnet "$PSHOME/pwsh.dll" -NoProfile -NonInteractive @target @Arguments
}

# Starts a script in a new pwsh process without waiting; returns the Process.
function Start-ChildPwsh([string] $Command) {
    Start-Process dotnet -ArgumentList "$PSHOME/pwsh.dll", '-NoProfile', '-NonInteractive', '-Command', $Command -PassThru
}

function Get-FreeTcpPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-TestHttpServer([string] $Root) {
    # Serves files under $Root on 127.0.0.1; anything else is a 404.
    $prefix = "http://127.0.0.1:$(Get-FreeTcpPort)/"
    $listener = [Net.HttpListener]::new()
    $listener.Prefixes.Add($prefix)
    $listener.Start()
    $job = Start-ThreadJob -ArgumentList $listener, $Root -ScriptBlock {
        param($listener, $root)
        while ($listener.IsListening) {
            try { $context = $listener.GetContext() } catch { break }
            $file = Join-Path $root $context.Request.Url.AbsolutePath.TrimStart('/')
            if (Test-Path $file -PathType Leaf) {
                $bytes = [IO.File]::ReadAllBytes($file)
                $context.Response.ContentLength64 = $bytes.Length
                $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
            }
            else {
                $context.Response.StatusCode = 404
            }
            $context.Response.Close()
        }
    }
    [pscustomobject]@{ Uri = $prefix; Listener = $listener; Job = $job }
}

function Stop-TestHttpServer($Server) {
    $Server.Listener.Stop()
    $Server.Listener.Close()
    $Server.Job | Remove-Job -Force
}

# Starts a script in a new runspace and returns once it has reported a training epoch (Ctrl+C tests).
function Start-TrainingInRunspace([string] $Script) {
    $ps = [powershell]::Create()
    $null = $ps.AddScript($Script)
    $async = $ps.BeginInvoke()
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not ($ps.Streams.Progress | Where-Object Activity -eq 'Training RNN' | Where-Object StatusDescription -like 'Epoch*perplexity*')) {
        if ([DateTime]::UtcNow -gt $deadline -or $async.IsCompleted) { throw "Training did not start: $($ps.Streams.Error)" }
        Start-Sleep -Milliseconds 50
    }
    [pscustomobject]@{ PowerShell = $ps; Async = $async }
}

# A corpus that a small model learns in a few epochs: the same short line, many times.
function New-RepetitiveCorpus([int] $Repeat = 120) {
    $path = Join-Path $TestDrive "repetitive-$Repeat.txt"
    New-TextFile $path ("abcdefgh`n" * $Repeat) | Import-LyricsCorpus
}


# The perplexity of a text under a single-layer RNN file, computed here from the file's bytes with plain .NET
# arithmetic: the module's code takes no part, so it checks Measure-RnnPerplexity independently.
function Measure-PerplexityFromFile([string] $Path, [string] $Text) {
    $bytes = [IO.File]::ReadAllBytes($Path)
    $length = [BitConverter]::ToUInt64($bytes, 0)
    $header = [Text.Encoding]::UTF8.GetString($bytes, 8, $length) | ConvertFrom-Json -AsHashtable
    function Read-Tensor([string] $Name) {
        $entry = $header[$Name]
        $start = 8 + $length + $entry.data_offsets[0]
        $count = ($entry.data_offsets[1] - $entry.data_offsets[0]) / 4
        , [double[]](0..($count - 1) | ForEach-Object { [BitConverter]::ToSingle($bytes, $start + 4 * $_) })
    }
    $vocabulary = @($header.__metadata__.vocabulary | ConvertFrom-Json)
    $v = $vocabulary.Count; $h = [int]$header.__metadata__.hidden_size
    $wxh = Read-Tensor 'layers.0.W_xh'; $whh = Read-Tensor 'layers.0.W_hh'; $bh = Read-Tensor 'layers.0.b_h'
    $whq = Read-Tensor 'W_hq'; $bq = Read-Tensor 'b_q'
    $x = @($Text.ToCharArray() | ForEach-Object { [array]::IndexOf($vocabulary, [string]$_) })
    $state = [double[]]::new($h)
    $total = 0.0
    for ($t = 0; $t -lt $x.Count - 1; $t++) {
        $next = [double[]]::new($h)
        for ($j = 0; $j -lt $h; $j++) {
            $z = $wxh[$x[$t] * $h + $j] + $bh[$j]
            for ($i = 0; $i -lt $h; $i++) { $z += $state[$i] * $whh[$i * $h + $j] }
            $next[$j] = [math]::Tanh($z)
        }
        $state = $next
        $logits = [double[]]::new($v)
        for ($k = 0; $k -lt $v; $k++) {
            $y = $bq[$k]
            for ($i = 0; $i -lt $h; $i++) { $y += $state[$i] * $whq[$i * $v + $k] }
            $logits[$k] = $y
        }
        $max = ($logits | Measure-Object -Maximum).Maximum
        $sum = 0.0; foreach ($y in $logits) { $sum += [math]::Exp($y - $max) }
        $total += -($logits[$x[$t + 1]] - $max - [math]::Log($sum))
    }
    [math]::Exp($total / ($x.Count - 1))
}


# The fenced code blocks of a Markdown file: language, text, and the command lines in it (no comments or blanks).
function Get-ReadmeBlock([string] $Path) {
    $text = Get-Content -Raw $Path
    foreach ($match in [regex]::Matches($text, '(?ms)^[ \t]*```(\w+)[ \t]*\r?\n(.*?)^[ \t]*```')) {
        $body = $match.Groups[2].Value -replace '(?m)^[ \t]{2}', ''
        [pscustomobject]@{
            Language = $match.Groups[1].Value
            Text     = $body
            Lines    = @($body -split '\r?\n' | ForEach-Object Trim | Where-Object { $_ -and -not $_.StartsWith('#') })
        }
    }
}


# Runs a script in a new pwsh process that may not read $Unreadable (made mode 000): as root, by dropping the
# capabilities that let root read any file; otherwise the mode alone denies it. Returns the script's output.
# The command that runs a script in a new pwsh process without the power to bypass file permissions: as root, with
# the capabilities that let root read or write any file dropped; otherwise a plain child, which the modes bind already.
function Get-UnprivilegedPwsh([string] $File) {
    $pwsh = "$PSHOME/pwsh.dll", '-NoProfile', '-NonInteractive', '-File', $File
    if ((& id -u) -ne '0') { return [pscustomobject]@{ FilePath = 'dotnet'; ArgumentList = $pwsh } }
    $drop = '-dac_override,-dac_read_search'
    [pscustomobject]@{ FilePath = 'setpriv'; ArgumentList = @("--bounding-set=$drop", "--inh-caps=$drop", 'dotnet') + $pwsh }
}

function Invoke-Unprivileged([string] $File, [string] $Unreadable) {
    & chmod 000 $Unreadable
    try {
        $command = Get-UnprivilegedPwsh $File
        & $command.FilePath @($command.ArgumentList)
    }
    finally { & chmod 644 $Unreadable }
}

# Runs Invoke-ChildPwsh with environment variables set for the child only (null: removed): each is restored afterwards.
function Invoke-ChildPwshWith([hashtable] $Environment, [string] $Command) {
    Invoke-WithEnvironment $Environment { Invoke-ChildPwsh $Command }
}

# Kills a training child (a user's kill -9) as soon as it has written a file, its first checkpoint.
function Stop-AfterFile([System.Diagnostics.Process] $Child, [string] $Path) {
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (-not (Test-Path $Path)) {
            if ([DateTime]::UtcNow -gt $deadline -or $Child.HasExited) { throw "The training child wrote no '$Path'." }
            Start-Sleep -Milliseconds 100
        }
    }
    finally { $Child.Kill($true); $Child.WaitForExit() }
}

# Copies a model file with one text replaced in its JSON header only: the tensor data after it stays byte for byte.
function Edit-ModelHeader([string] $Path, [string] $Destination, [string] $Old, [string] $New) {
    $bytes = [IO.File]::ReadAllBytes($Path)
    $length = [BitConverter]::ToUInt64($bytes, 0)
    $header = [Text.Encoding]::UTF8.GetString($bytes, 8, $length)
    if (-not $header.Contains($Old)) { throw "The header of '$Path' has no '$Old'." }
    $edited = [Text.Encoding]::UTF8.GetBytes($header.Replace($Old, $New).TrimEnd() + (' ' * 8))
    $edited = $edited[0..($edited.Length - 1 - ($edited.Length % 8))]
    $stream = [IO.File]::Create($Destination)
    try {
        $stream.Write([BitConverter]::GetBytes([UInt64]$edited.Length), 0, 8)
        $stream.Write($edited, 0, $edited.Length)
        $stream.Write($bytes, 8 + $length, $bytes.Length - 8 - $length)
    }
    finally { $stream.Dispose() }
}


# An sshd of the test's own on a free port of 127.0.0.1, with a fresh host key and a client key for this user, whose
# 'powershell' subsystem is this PowerShell: what Invoke-Command -HostName needs. Null (with a reason) where it cannot run.
function Start-TestSshServer([string] $Folder) {
    if (-not (Test-Path /usr/sbin/sshd)) { return [pscustomobject]@{ Skip = 'no sshd here (Debian: apt-get install openssh-server)' } }
    if ((& id -u) -ne '0') { return [pscustomobject]@{ Skip = 'an sshd of its own needs root here' } }
    New-Item -ItemType Directory -Force $Folder, /run/sshd | Out-Null
    & ssh-keygen -q -t ed25519 -N '' -f "$Folder/host_key" | Out-Null
    & ssh-keygen -q -t ed25519 -N '' -f "$Folder/client_key" | Out-Null
    Copy-Item "$Folder/client_key.pub" "$Folder/authorized_keys"
    $port = Get-FreeTcpPort
    $dotnet = (Get-Command dotnet).Source
    Set-Content "$Folder/sshd_config" @"
Port $port
ListenAddress 127.0.0.1
HostKey $Folder/host_key
AuthorizedKeysFile $Folder/authorized_keys
PidFile $Folder/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
PermitRootLogin prohibit-password
Subsystem powershell $dotnet $PSHOME/pwsh.dll -sshs -NoLogo -NoProfile
"@
    $process = Start-Process /usr/sbin/sshd -ArgumentList '-D', '-e', '-f', "$Folder/sshd_config" -PassThru -RedirectStandardError "$Folder/sshd.log"
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while ([DateTime]::UtcNow -lt $deadline) {
        try { [Net.Sockets.TcpClient]::new('127.0.0.1', $port).Dispose(); break } catch { Start-Sleep -Milliseconds 200 }
    }
    [pscustomobject]@{ Skip = $null; Port = $port; KeyFile = "$Folder/client_key"; Process = $process }
}

Export-ModuleMember -Function *
