<#
.SYNOPSIS
    Times and scores the chapter's models in one run, side by side with the book's own PyTorch code when it is
    present: seconds per epoch, perplexity at every report, samples, memory, and the fraction of this machine's
    matrix-product rate reached. Prints figures; asserts nothing.
.PARAMETER Quick
    A few epochs per configuration: a side-by-side speed check in a couple of minutes, not the book's quality.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick,
    [long[]] $Seed = @(1, 2),
    [int] $ThreadCount = [Environment]::ProcessorCount,
    [string] $PeerScript = (Join-Path $PSScriptRoot '../../shared/peers/book_rnn.py'),
    [string] $Python = '/usr/bin/python3'
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $ModulePath
Import-Module "$PSScriptRoot/ProcessEnvironment.psm1"
# The script names TorchSharp types itself, before any cmdlet has needed libtorch.
[PSCharRnn.Native.TorchRuntime]::EnsureLoaded()
$rnnEpochs = if ($Quick) { 10 } else { 250 }
$gatedEpochs = if ($Quick) { 10 } else { 160 }

# RSS after a full GC and malloc_trim: what is live, without what the allocators merely keep cached.
Add-Type -Namespace Native -Name Libc -MemberDefinition '[DllImport("libc")] public static extern int malloc_trim(System.UIntPtr pad);'
function Get-RssMiB([string] $Field) {
    $line = Select-String -Path /proc/self/status -Pattern "^${Field}:\s+(\d+) kB" | Select-Object -First 1
    [math]::Round([long]$line.Matches[0].Groups[1].Value / 1024, 1)
}
function Get-LiveRssMiB {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers()
    $null = [Native.Libc]::malloc_trim([UIntPtr]::Zero)
    Get-RssMiB 'VmRSS'
}

# The rate this machine reaches on the epoch's biggest product, measured in this run, timed in C#: through libtorch's
# mm (the issue's bound), through the module's seam (the plan it measured fastest for the shape), and through each
# plan this machine can run.
Add-Type -CompilerOptions '-unsafe', '-nowarn:CS1701' -ReferencedAssemblies ([TorchSharp.torch].Assembly.Location), ([PSCharRnn.Numerics.Gemm].Assembly.Location), System.Runtime -TypeDefinition @'
public static unsafe class MatMulRate
{
    public static double GigaflopsPerSecond(long m, long k, long n, int repeats) =>
        Rate(m, k, n, repeats, (a, b, c) => TorchSharp.torch.mm(a, b).Dispose());

    public static double ModuleGigaflopsPerSecond(int m, int k, int n, int repeats) =>
        Rate(m, k, n, repeats, (a, b, c) => PSCharRnn.Numerics.Gemm.Multiply(false, false, m, n, k, 1f,
            PSCharRnn.Numerics.TensorMemory.Of<float>(a), k, PSCharRnn.Numerics.TensorMemory.Of<float>(b), n, 0f, PSCharRnn.Numerics.TensorMemory.Of<float>(c), n));

    public static double PlanGigaflopsPerSecond(PSCharRnn.Numerics.GemmPlan plan, int m, int k, int n, int repeats) =>
        Rate(m, k, n, repeats, (a, b, c) => PSCharRnn.Numerics.Gemm.Multiply(plan, false, false, m, n, k, 1f,
            PSCharRnn.Numerics.TensorMemory.Of<float>(a), k, PSCharRnn.Numerics.TensorMemory.Of<float>(b), n, 0f, PSCharRnn.Numerics.TensorMemory.Of<float>(c), n));

    private static double Rate(long m, long k, long n, int repeats, System.Action<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> product)
    {
        using var a = TorchSharp.torch.randn(m, k);
        using var b = TorchSharp.torch.randn(k, n);
        using var c = TorchSharp.torch.empty(m, n);
        for (int i = 0; i < 20; i++) product(a, b, c);
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < repeats; i++) product(a, b, c);
            best = System.Math.Min(best, watch.Elapsed.TotalSeconds / repeats);
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}
'@

function Get-Median([double[]] $values) { ($values | Sort-Object)[[int][math]::Floor($values.Count / 2)] }

# Trains one configuration with the module's own classes; returns its figures.
function Measure-Ours([string] $Cell, [string] $Sampling, [string] $Optimizer, [int] $Epochs, [long] $RunSeed, [switch] $Memory, [double] $StopBelow = 0) {
    $settings = [PSCharRnn.Model.ModelSettings]@{ Cell = $Cell; HiddenSize = 256 }
    $model = $settings.Create($corpus.Vocabulary, $RunSeed, [TorchSharp.torch]::CPU)
    $options = [PSCharRnn.Model.TrainingOptions]@{ Epochs = $Epochs; Sampling = $Sampling; Optimizer = $Optimizer; Seed = $RunSeed; ThreadCount = $ThreadCount; ReportEvery = 0 }
    $trainer = [PSCharRnn.Training.Trainer]::new($model, $corpus, $options)
    $rss = @{}; $live = @{}
    $stop = [Threading.CancellationTokenSource]::new()
    $trainer.EpochCompleted = {
        param($run, $record)
        if ($Memory -and ($run -eq 50 -or $run -eq $Epochs)) { $rss[$run] = Get-RssMiB 'VmRSS'; $live[$run] = Get-LiveRssMiB }
        if ($record.Perplexity -le $StopBelow) { $stop.Cancel() }
    }
    try { $trainer.Train($stop.Token) } catch [OperationCanceledException] { }
    $generation = if ($Memory) { Measure-Generation $model }
    $novelty = if ($Memory -and $Sampling -eq 'Random') { Measure-Novelty $model }
    $form = if ($Memory -and $Sampling -eq 'Random') { Measure-Form $model }
    $seconds = @($model.History.Seconds)
    $result = [pscustomobject]@{
        Model = "$Cell $Optimizer"; Sampling = $Sampling; Seed = $RunSeed; Epochs = $model.EpochsTrained
        SecondsPerEpoch = Get-Median ($seconds | Select-Object -Skip 1); FirstEpoch = $seconds[0]
        Perplexity = $model.Perplexity; History = $model.History
        Samples = @('分开', '不分开' | ForEach-Object { [PSCharRnn.Generation.Predictor]::Predict($model, $_, 50) })
        Rss = $rss; Live = $live; Generation = $generation; Novelty = $novelty; Form = $form
    }
    $model.Dispose()
    $result
}

# Milliseconds to write 50 characters after 不分开, after a first call: greedy, and sampled at temperature 0.8.
function Measure-Generation($model) {
    $greedy = [PSCharRnn.Generation.SamplingOptions]::Greedy
    $sampled = [PSCharRnn.Generation.SamplingOptions]@{ Temperature = 0.8; Seed = 1 }
    foreach ($options in $greedy, $sampled) {
        $next = [PSCharRnn.Generation.NextCharacter]::new($options)
        $null = [PSCharRnn.Generation.Predictor]::Predict($model, '不分开', 50, $next)
        $times = 1..20 | ForEach-Object {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $null = [PSCharRnn.Generation.Predictor]::Predict($model, '不分开', 50, $next)
            $watch.Elapsed.TotalMilliseconds
        }
        [pscustomobject]@{ Temperature = $options.Temperature; Milliseconds = Get-Median $times }
    }
}

# How much of the model's lyrics is copied from the book's whole text, at a few temperatures (20 samples per prefix),
# and what -MaxCopied and beams change: the copying, and the samples' perplexity under the model (fluency's price).
function Measure-Novelty($model) {
    $index = $wholeIndex
    $settings = @(
        foreach ($t in 0, 0.5, 0.8, 1.0, 1.2) { @{ Temperature = $t } }
        foreach ($n in 8, 5) { @{ Temperature = 0; MaxCopied = $n }; @{ Temperature = 0.8; MaxCopied = $n } }
        @{ Temperature = 0; MaxCopied = 6; Beams = 8 }
    )
    foreach ($setting in $settings) {
        $rules = if ($setting.MaxCopied) { [PSCharRnn.Generation.DecodingRules]@{ MaxCopied = $setting.MaxCopied; Avoid = $index.Automaton } } else { [PSCharRnn.Generation.DecodingRules]::None }
        $texts = foreach ($prefix in '分开', '不分开') {
            if ($setting.Beams) { [PSCharRnn.Generation.BeamSearch]::Predict($model, $prefix, 50, $setting.Beams, 1, $rules) }
            else {
                $next = [PSCharRnn.Generation.NextCharacter]::new([PSCharRnn.Generation.SamplingOptions]@{ Temperature = $setting.Temperature; Seed = 1 })
                foreach ($i in 1..$(if ($setting.Temperature -eq 0) { 1 } else { 20 })) { [PSCharRnn.Generation.Predictor]::Predict($model, $prefix, 50, $next, $rules) }
            }
        }
        $results = $texts | ForEach-Object { $index.Measure($_) }
        $perplexity = $texts | ForEach-Object { [PSCharRnn.Training.HeldOutPerplexity]::Measure($model, $model.Vocabulary.Encode($_)).Item1 }
        [pscustomobject]@{
            Decoding = "$(if ($setting.Beams) { "$($setting.Beams) beams" } elseif ($setting.Temperature -eq 0) { 'greedy' } else { "T $($setting.Temperature)" })$(if ($setting.MaxCopied) { ", -MaxCopied $($setting.MaxCopied)" })"
            Samples = @($results).Count
            'Longest copied (mean chars)' = '{0:F1}' -f ($results.LongestCopiedLength | Measure-Object -Average).Average
            'Longest copied (max)' = ($results.LongestCopiedLength | Measure-Object -Maximum).Maximum
            'Novel 4-grams (mean)' = '{0:P0}' -f ($results.NovelNGramFraction | Measure-Object -Average).Average
            'Perplexity under the model (mean)' = '{0:F2}' -f ($perplexity | Measure-Object -Average).Average
        }
    }
}

# What a writer waits for: four rhymed lines of seven characters, eight beams, at most six characters copied.
function Measure-Form($model) {
    $index = $wholeIndex
    $rules = [PSCharRnn.Generation.DecodingRules]@{ MaxCopied = 6; Avoid = $index.Automaton; Lines = 4; MinLineLength = 7; MaxLineLength = 7; Rhyme = $true }
    $text = $null
    $times = 1..5 | ForEach-Object {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $text = [PSCharRnn.Generation.BeamSearch]::Predict($model, '分开', 10000, 8, 1, $rules)[0]
        $watch.Elapsed.TotalSeconds
    }
    $copy6 = [PSCharRnn.Generation.DecodingRules]@{ MaxCopied = 6; Avoid = $index.Automaton }
    $acrostic = [PSCharRnn.Generation.DecodingRules]@{ MaxCopied = 6; Avoid = $index.Automaton; Acrostic = [string[]]@('我', '想', '你', '爱'); MinLineLength = 7; MaxLineLength = 7; Rhyme = $true }
    $writer = [ordered]@{
        'greedy' = [PSCharRnn.Generation.Predictor]::Predict($model, '分开', 30)
        '-MaxCopied 6' = [PSCharRnn.Generation.Predictor]::Predict($model, '分开', 30, [PSCharRnn.Generation.NextCharacter]::new([PSCharRnn.Generation.SamplingOptions]::Greedy), $copy6)
        '-BeamWidth 8 -MaxCopied 6' = [PSCharRnn.Generation.BeamSearch]::Predict($model, '分开', 30, 8, 1, $copy6)[0]
        '-Acrostic 我想你爱 -LineLength 7 -Rhyme -BeamWidth 8 -MaxCopied 6' = [PSCharRnn.Generation.BeamSearch]::Predict($model, '我', 10000, 8, 1, $acrostic)[0]
    }
    [pscustomobject]@{ Seconds = Get-Median $times; Text = $text; Writer = $writer }
}

# Runs a script in a fresh pwsh, as a scheduled job starts one (this pwsh may be 'dotnet pwsh.dll').
function Invoke-FreshPwsh([string] $Script) {
    $launcher = [Environment]::ProcessPath
    $dll = if ((Split-Path $launcher -Leaf) -like 'dotnet*') { "$PSHOME/pwsh.dll" }
    & $launcher @($dll | Where-Object { $_ }) -NoProfile -NonInteractive -Command $Script
}

# The planner's choices in this process, each with every candidate's time; self-contained, so that a child process can
# run its text too.
$planTable = {
    $timings = { ($args[0].GetEnumerator() | Sort-Object Value | ForEach-Object { '{0} {1:F1}' -f $_.Key, $_.Value }) -join ', ' }
    [PSCharRnn.Numerics.GemmPlanner]::Default.Made | ForEach-Object {
        [pscustomobject]@{
            Shape = "$($_.Shape)"; Among = if ($_.Candidates.Backend.Where({ [PSCharRnn.Numerics.Gemm]::IsBf16($_) })) { 'float32, bf16' } else { 'float32' }; Plan = "$($_.Plan)"; From = if ($_.Stored) { 'stored' } else { 'measured' }
            'µs by candidate' = & $timings $_.Microseconds
        }
    } | Format-Table -AutoSize -Wrap | Out-String -Width 250
    [PSCharRnn.Numerics.GemmPlanner]::Default.MadeWays | ForEach-Object {
        [pscustomobject]@{ Subject = $_.Subject; Way = $_.Way; From = if ($_.Stored) { 'stored' } else { 'measured' }; 'µs by way' = & $timings $_.Microseconds }
    } | Format-Table -AutoSize -Wrap | Out-String -Width 250
}

# Seconds for Import-Module, then for the first model (libtorch loads then), in a fresh process as a scheduled job
# meets them: the median of three processes.
function Measure-Import {
    $script = "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$ModulePath'; `$i = `$w.Elapsed.TotalSeconds; " +
        "`$null = Import-LyricsCorpus | New-RnnModel; '{0} {1}' -f `$i, (`$w.Elapsed.TotalSeconds - `$i)"
    $runs = 1..3 | ForEach-Object { , [double[]]((Invoke-FreshPwsh $script) -split ' ') }
    [pscustomobject]@{ Import = Get-Median ($runs | ForEach-Object { $_[0] }); FirstModel = Get-Median ($runs | ForEach-Object { $_[1] }) }
}

# Runs the book's PyTorch code for the same configuration; null when its PyTorch is missing.
function Measure-Peer([string[]] $Arguments, [Collections.IDictionary] $Environment = @{}) {
    if (-not $script:peerReady) { return $null }
    # The peers' README setting (OMP_WAIT_POLICY), not ours (GOMP_SPINCOUNT); OpenBLAS on the kernels this CPU takes.
    $peerEnvironment = @{ OMP_WAIT_POLICY = 'PASSIVE'; GOMP_SPINCOUNT = $null; OPENBLAS_CORETYPE = $script:peerCore }
    foreach ($name in $Environment.Keys) { $peerEnvironment[$name] = $Environment[$name] }
    $out = Invoke-WithEnvironment $peerEnvironment { & $Python $PeerScript --zip $zip --threads $ThreadCount @Arguments 2>&1 }
    $last = $out | Select-String '^sec/epoch (\S+) ppl (\S+)' | Select-Object -Last 1
    if (-not $last) { Write-Warning "The peer printed no result: $($out | Select-Object -Last 3)"; return $null }
    [pscustomobject]@{ SecondsPerEpoch = [double]$last.Matches[0].Groups[1].Value; Perplexity = [double]$last.Matches[0].Groups[2].Value }
}

$corpus = Import-LyricsCorpus
$whole = Import-LyricsCorpus -MaxChars 100000
$wholeIndex = [PSCharRnn.Corpus.NoveltyIndex]::new($whole.Text, 4)
$zip = $corpus.Sources[0]
[TorchSharp.torch]::set_num_threads($ThreadCount)
$gflops = [MatMulRate]::GigaflopsPerSecond(1120, 256, 1027, 40)
$ownGflops = [MatMulRate]::ModuleGigaflopsPerSecond(1120, 256, 1027, 40)
$cpu = (Select-String -Path /proc/cpuinfo -Pattern '^model name\s+:\s+(.*)' | Select-Object -First 1).Matches[0].Groups[1].Value
$script:peerReady = (Test-Path $PeerScript) -and (Test-Path $Python) -and $(& $Python -c 'import torch' 2>$null; $LASTEXITCODE -eq 0)
"date: $(Get-Date -Format 'yyyy-MM-dd HH:mm'); machine: $cpu, $([Environment]::ProcessorCount) cores, $ThreadCount threads, GOMP_SPINCOUNT=$([PSCharRnn.Native.NativeEnvironment]::Get('GOMP_SPINCOUNT')); $([PSCharRnn.Native.GlibcMalloc]::Settings)"
"processor: $([PSCharRnn.Numerics.GemmPlanner]::MachineIdentity)"
"matmul 1120x256 . 256x1027: {0:F1} GFLOP/s; the RNN epoch's 17.6 GFLOP at that rate: {1:F3} s" -f $gflops, (17.6 / $gflops)
"the same product through the module's $([PSCharRnn.Numerics.Gemm]::Description): {0:F1} GFLOP/s; the epoch at that rate: {1:F3} s" -f $ownGflops, (17.6 / $ownGflops)
# Every plan on the shape classes of a minibatch: the recurrent step (RNN, GRU, LSTM widths) and the output layer.
foreach ($shape in @(32, 256, 256), @(32, 256, 768), @(32, 256, 1024), @(1120, 256, 1027)) {
    $rates = foreach ($each in [PSCharRnn.Numerics.Gemm]::Plans) {
        '{0} {1:F1}' -f $each, [MatMulRate]::PlanGigaflopsPerSecond($each, $shape[0], $shape[1], $shape[2], $(if ($shape[0] -eq 32) { 2000 } else { 40 }))
    }
    "GFLOP/s of [{0}, {1}]·[{1}, {2}] by plan: {3}" -f $shape[0], $shape[1], $shape[2], ($rates -join ', ')
}
# Fair peers: Debian's OpenBLAS falls back to its SSE3 'Prescott' kernels on CPUs it does not know, several times
# slower at products; an OPENBLAS_CORETYPE inherited from the machine's environment can hold it to narrower kernels
# than it would pick (this AMD's environment names 'Haswell', where OpenBLAS picks 'Cooperlake' and the peers' epochs
# run 1.25-1.3x faster). So the core is detected without that variable, and the peers run on OpenBLAS's own choice,
# or on the widest kernels the CPU takes where that choice is narrower; the output says which.
$script:peerCore = $null
if ($script:peerReady) {
    $detected = Invoke-WithEnvironment @{ OPENBLAS_VERBOSE = '2'; OPENBLAS_CORETYPE = $null } {
        "$(& $Python -c 'import torch; torch.ones(64, 64) @ torch.ones(64, 64)' 2>&1 | Select-String 'Core: (\S+)' | ForEach-Object { $_.Matches[0].Groups[1].Value } | Select-Object -First 1)"
    }
    $flags = (Select-String -Path /proc/cpuinfo -Pattern '^flags' | Select-Object -First 1).Line
    $widest = if ($flags -match '\bavx512f\b') { 'SkylakeX' } elseif ($flags -match '\bavx2\b') { 'Haswell' }
    $kernelWidth = { param($core) if ($core -in 'SkylakeX', 'CooperLake', 'SapphireRapids') { 512 } elseif ($core -in 'Haswell', 'Zen') { 256 } else { 128 } }
    if ($widest -and (& $kernelWidth $detected) -lt (& $kernelWidth $widest)) { $script:peerCore = $widest }
    $ignored = if ($env:OPENBLAS_CORETYPE) { " (the environment's OPENBLAS_CORETYPE=$env:OPENBLAS_CORETYPE set aside)" }
    "peers' OpenBLAS: detected core '$detected'; the peers run on $(if ($script:peerCore) { "OPENBLAS_CORETYPE=$($script:peerCore)" } else { 'its own choice' })$ignored"
}
if ($script:peerReady) { "peers: $PeerScript on PyTorch $(& $Python -c 'import torch; print(torch.__version__)'), OMP_WAIT_POLICY=PASSIVE" }
else { "peers: not run (needs $PeerScript and PyTorch for ${Python}: apt-get install -y python3-torch)" }
# Debian's PyTorch multiplies through the system BLAS; the reference one makes the peers ~15x slower than they are.
$blas = (Get-Item /usr/lib/x86_64-linux-gnu/libblas.so.3 -ErrorAction Ignore).ResolvedTarget
if ($script:peerReady -and "$blas" -notmatch 'openblas') { Write-Warning "The system BLAS is '$blas', not OpenBLAS: the peers would be measured far below their speed. Run: apt-get install -y libopenblas0-pthread" }

$import = Measure-Import
"Import-Module: {0:F3} s; then the first model (libtorch loads): {1:F3} s (fresh processes, median of 3)" -f $import.Import, $import.FirstModel

# One minibatch operation by operation: where the time goes, against what the products alone would take.
Add-Type -Path (Join-Path $PSScriptRoot 'MinibatchProfile.cs') -CompilerOptions '-nowarn:CS1701' -ReferencedAssemblies (
    [TorchSharp.torch].Assembly.Location, [PSCharRnn.Model.RnnModel].Assembly.Location, 'System.Runtime', 'System.Runtime.Numerics', 'System.Linq', 'System.Collections', 'System.Console')
$profiled = ([PSCharRnn.Model.ModelSettings]::new()).Create($corpus.Vocabulary, $Seed[0], [TorchSharp.torch]::CPU)
$operations = [MinibatchProfile]::Run($profiled, $(if ($Quick) { 20 } else { 100 }))
$profiled.Dispose()
$sum = ($operations | Measure-Object Milliseconds -Sum).Sum
''
'== One minibatch of the book''s RNN (35 steps x 32, hidden 256), operation by operation: median ms of each alone'
$operations | ForEach-Object {
    [pscustomobject]@{
        Operation = $_.Operation; ms = '{0:F2}' -f $_.Milliseconds; Share = '{0:P0}' -f ($_.Milliseconds / $sum)
        GFLOP = if ($_.Megaflops) { '{0:F3}' -f ($_.Megaflops / 1000) }; 'ms at the matmul rate' = if ($_.Megaflops) { '{0:F2}' -f ($_.Megaflops / $gflops) }
    }
} | Format-Table -AutoSize | Out-String -Width 200
"sum {0:F2} ms a minibatch; the products alone at the matmul rate: {1:F2} ms" -f $sum, (($operations | Measure-Object Megaflops -Sum).Sum / $gflops)

$rows = [Collections.Generic.List[object]]::new()
function Add-Row($Ours, [string] $PeerName, $Peer) {
    $rows.Add([pscustomobject]@{
        Configuration = "$($Ours.Model), $($Ours.Sampling)"; Epochs = $Ours.Epochs
        'Ours s/epoch' = '{0:F3}' -f $Ours.SecondsPerEpoch; 'Ours ppl' = '{0:F3}' -f $Ours.Perplexity
        Peer = $PeerName; 'Peer s/epoch' = if ($Peer) { '{0:F3}' -f $Peer.SecondsPerEpoch }; 'Peer ppl' = if ($Peer) { '{0:F3}' -f $Peer.Perplexity }
        'Peer/ours' = if ($Peer) { '{0:F2}x' -f ($Peer.SecondsPerEpoch / $Ours.SecondsPerEpoch) }
    })
}

$float32 = @{}   # the book's runs in float32 by "cell sampling seed", for the bf16 check below
foreach ($sampling in 'Random', 'Consecutive') {
    $r = Measure-Ours RNN $sampling SGD $rnnEpochs $Seed[0] -Memory
    $float32["RNN $sampling $($Seed[0])"] = $r
    ''
    "== RNN (section 6.4), $sampling sampling, SGD lr 100, seed $($r.Seed), $($r.Epochs) epochs"
    "seconds per epoch: median {0:F3} after a first epoch of {1:F3}; {2:P0} of the matmul-rate bound ({3:P0} of the bound at the module's own product rate)" -f $r.SecondsPerEpoch, $r.FirstEpoch, ((17.6 / $gflops) / $r.SecondsPerEpoch), ((17.6 / $ownGflops) / $r.SecondsPerEpoch)
    $r.History | Where-Object { $_.Epoch % 50 -eq 0 -or $_.Epoch -eq $r.Epochs } | ForEach-Object { $_.ReportLine }
    $r.Samples | ForEach-Object { " - $_" }
    $r.Generation | ForEach-Object { "writing 50 characters after 不分开 at temperature {0}: {1:F1} ms (median of 20, after a first call)" -f $_.Temperature, $_.Milliseconds }
    if ($r.Novelty) { "novelty against the book's whole text ($($whole.Length) characters):"; $r.Novelty | Format-Table -AutoSize | Out-String -Width 200 }
    if ($r.Form) { "four rhymed lines of seven characters after 分开, 8 beams, -MaxCopied 6: {0:F3} s (median of 5)" -f $r.Form.Seconds; $r.Form.Text }
    if ($r.Form) { "what a writer gets (prefix 分开, copying checked against the book's whole text):"; $r.Form.Writer.GetEnumerator() | ForEach-Object { "  $($_.Key): $($_.Value -replace "`n", ' / ')" } }
    if ($r.Rss.Count -eq 2) {
        $first, $last = $r.Rss.Keys | Sort-Object
        "RSS MiB at epoch {0}: {1}, at {2}: {3} ({4:+0.0;-0.0}%); live (after GC and malloc_trim) {5} -> {6} ({7:+0.0;-0.0}%); peak {8}" -f $first, $r.Rss[$first], $last, $r.Rss[$last],
            (100 * ($r.Rss[$last] - $r.Rss[$first]) / $r.Rss[$first]), $r.Live[$first], $r.Live[$last], (100 * ($r.Live[$last] - $r.Live[$first]) / $r.Live[$first]), (Get-RssMiB 'VmHWM')
    }
    $peerArgs = @('--epochs', $rnnEpochs, '--report', $rnnEpochs) + $(if ($sampling -eq 'Consecutive') { '--consecutive' })
    Add-Row $r 'scratch RNN (6.4)' (Measure-Peer $peerArgs)
    Add-Row $r 'nn.RNN + Adam (6.5)' (Measure-Peer ($peerArgs + '--concise'))
    foreach ($s in $Seed | Select-Object -Skip 1) {
        $other = Measure-Ours RNN $sampling SGD $rnnEpochs $s
        $float32["RNN $sampling $s"] = $other
        "RNN, $sampling sampling, seed ${s}: perplexity {0:F3} at epoch {1}, {2:F3} s/epoch" -f $other.Perplexity, $other.Epochs, $other.SecondsPerEpoch
    }
}

foreach ($cell in 'GRU', 'LSTM') {
    foreach ($s in $Seed) {
        $r = Measure-Ours $cell Consecutive SGD $gatedEpochs $s
        $float32["$cell Consecutive $s"] = $r
        ''
        "== $cell (section $(if ($cell -eq 'GRU') { '6.7' } else { '6.8' })), consecutive sampling, SGD lr 100, seed $s, $($r.Epochs) epochs (the book: $(if ($cell -eq 'GRU') { '1.44' } else { '4.27' }) at 160)"
        "seconds per epoch: median {0:F3} after a first epoch of {1:F3}" -f $r.SecondsPerEpoch, $r.FirstEpoch
        $r.History | Where-Object { $_.Epoch % 40 -eq 0 -or $_.Epoch -eq $r.Epochs } | ForEach-Object { $_.ReportLine }
        $r.Samples | ForEach-Object { " - $_" }
        if ($s -eq $Seed[0]) {
            $peerArgs = '--cell', $cell.ToLower(), '--consecutive', '--epochs', $gatedEpochs, '--report', $gatedEpochs
            Add-Row $r "scratch $cell" (Measure-Peer $peerArgs)
            $concise = Measure-Peer ($peerArgs + '--concise')
            Add-Row $r "nn.$cell + Adam" $concise
        }
    }
    $r = Measure-Ours $cell Consecutive Adam $gatedEpochs $Seed[0] -StopBelow 1.05
    ''
    "== $cell with Adam lr 0.01, consecutive, seed $($Seed[0]): perplexity {0:F3} after {1} epochs{2}" -f $r.Perplexity, $r.Epochs, $(if ($r.Perplexity -le 1.05) { ' (stopped on reaching 1.05)' } else { '' })
    "seconds per epoch: median {0:F3}" -f $r.SecondsPerEpoch
    $r.Samples | ForEach-Object { " - $_" }
    Add-Row $r "nn.$cell + Adam" $concise
}

# -Precision Mixed as a user gets it (each output-layer product on the plan measured fastest among float32 and bf16),
# in a fresh process: the book's runs over the same seeds, perplexity and seconds per epoch beside float32's above.
''
'== The book''s runs with -Precision Mixed (the output layer''s products on the plans measured fastest, bf16 or float32; a fresh process), beside float32'
$mixedWhy = [PSCharRnn.Numerics.Gemm]::MixedUnavailable
if ($mixedWhy) { "not run: $mixedWhy" }
else {
    $probe = ([PSCharRnn.Model.ModelSettings]::new()).Create($corpus.Vocabulary, $Seed[0], [TorchSharp.torch]::CPU)
    "what -Precision Mixed does for the book's models here: $([PSCharRnn.Training.MixedPrecision]::For($probe, [PSCharRnn.Model.TrainingOptions]@{ Precision = 'Mixed' }))"
    $probe.Dispose()
    $runs = @(foreach ($cell in 'RNN', 'GRU', 'LSTM') { foreach ($sampling in @(if ($cell -eq 'RNN') { 'Random', 'Consecutive' } else { 'Consecutive' })) { foreach ($s in $Seed) { "$cell $sampling $s" } } })
    $script = "Import-Module '$ModulePath'; `$corpus = Import-LyricsCorpus; foreach (`$run in '$($runs -join "','")') { `$cell, `$sampling, `$seed = `$run -split ' '; " +
        "`$m = `$corpus | Start-RnnTraining -CellType `$cell -Sampling `$sampling -Epochs (`$cell -eq 'RNN' ? $rnnEpochs : $gatedEpochs) -Seed `$seed -ThreadCount $ThreadCount -ReportEvery 0 -Precision Mixed -Verbose 4>&1 | Where-Object { `$_ -is [PSCharRnn.Model.RnnModel] }; " +
        "`$s = @(`$m.History.Seconds | Select-Object -Skip 1 | Sort-Object); '{0}|{1}|{2}' -f `$run, `$m.Perplexity, `$s[[int][math]::Floor(`$s.Count / 2)]; `$m.Dispose() }"
    $lines = Invoke-FreshPwsh $script
    @(foreach ($line in $lines | Where-Object { $_ -match '^\w+ \w+ \d+\|' }) {
        $run, $perplexity, $seconds = $line -split '\|'
        $full = $float32[$run]
        [pscustomobject]@{
            Run = $run; Epochs = $full.Epochs; 'float32 ppl' = '{0:F3}' -f $full.Perplexity; 'Mixed ppl' = '{0:F3}' -f [double]$perplexity
            'float32 s/epoch' = '{0:F3}' -f $full.SecondsPerEpoch; 'Mixed s/epoch' = '{0:F3}' -f [double]$seconds; 'float32/Mixed' = '{0:F2}x' -f ($full.SecondsPerEpoch / [double]$seconds)
        }
    }) | Format-Table -AutoSize | Out-String -Width 200

    # The runs above are minutes apart from float32's, and a shared machine's speed drifts by more than the speed-up:
    # the same configurations alternate float32 and Mixed calls in one process (after a short call of each, so that
    # neither pays for the JIT), and the rounds' ratios are compared.
    $mixedRounds = if ($Quick) { 1 } else { 3 }
    $mixedEpochs = if ($Quick) { 5 } else { 15 }
    "float32 and -Precision Mixed alternating in one process: $mixedRounds rounds of a $mixedEpochs-epoch call each, seed $($Seed[0]); median epoch after the first"
    $script = "Import-Module '$ModulePath'; `$corpus = Import-LyricsCorpus; " +
        "foreach (`$cell in 'RNN', 'GRU', 'LSTM') { foreach (`$precision in 'Full', 'Mixed') { (`$corpus | Start-RnnTraining -CellType `$cell -Epochs 2 -ThreadCount $ThreadCount -ReportEvery 0 -Precision `$precision -WarningAction SilentlyContinue).Dispose() } }; " +
        "foreach (`$run in 'RNN Random', 'RNN Consecutive', 'GRU Consecutive', 'LSTM Consecutive') { `$cell, `$sampling = `$run -split ' '; " +
        "`$rounds = foreach (`$round in 1..$mixedRounds) { `$t = @{}; foreach (`$precision in 'Full', 'Mixed') { " +
        "`$m = `$corpus | Start-RnnTraining -CellType `$cell -Sampling `$sampling -Epochs $mixedEpochs -Seed $($Seed[0]) -ThreadCount $ThreadCount -ReportEvery 0 -Precision `$precision -WarningAction SilentlyContinue; " +
        "`$s = @(`$m.History.Seconds | Select-Object -Skip 1 | Sort-Object); `$t[`$precision] = `$s[[int][math]::Floor(`$s.Count / 2)]; `$m.Dispose() }; '{0};{1}' -f `$t.Full, `$t.Mixed }; " +
        "'{0}|{1}' -f `$run, (`$rounds -join ' ') }"
    @(foreach ($line in Invoke-FreshPwsh $script | Where-Object { $_ -match '^\w+ \w+\|' }) {
        $run, $rounds = $line -split '\|'
        $pairs = @($rounds -split ' ' | ForEach-Object { , [double[]]($_ -split ';') })
        [pscustomobject]@{
            Configuration = $run; 'float32 s/epoch' = '{0:F3}' -f (Get-Median ($pairs | ForEach-Object { $_[0] }))
            'Mixed s/epoch' = '{0:F3}' -f (Get-Median ($pairs | ForEach-Object { $_[1] }))
            'float32/Mixed (median round)' = '{0:F2}x' -f (Get-Median ($pairs | ForEach-Object { $_[0] / $_[1] }))
            'Rounds' = ($pairs | ForEach-Object { '{0:F2}x' -f ($_[0] / $_[1]) }) -join ' '
        }
    }) | Format-Table -AutoSize | Out-String -Width 200
}

# As a user times it: the wall clock of a whole Start-RnnTraining call of 20 epochs in a fresh process, after a call of
# 10 (set-up, first epoch and all), per epoch; the peer's 20 epochs right after it. Rounds alternate ours and the
# peer's, so that a burst of load on a shared machine falls on both, and the medians of the rounds are compared. The
# call of 10 is timed too: it is the process's first, as a scheduled job's is, and pays for the JIT.
$wallEpochs = if ($Quick) { 5 } else { 20 }
$warmEpochs = [math]::Max(2, $wallEpochs / 2)
$wallRounds = if ($Quick) { 1 } else { 5 }
# The same calls in a host whose .NET runtime compiles each method once, fully optimized (no tiered compilation): on
# two cores the tiered JIT's background recompilation of PowerShell's and the runtime's own code in a process's first
# calls takes a core from training, and the module cannot change its host's runtime settings.
$untieredHost = @{ DOTNET_TieredCompilation = '0' }
function Measure-WallClock([Collections.IDictionary] $Environment = @{}, [Collections.IDictionary] $PeerEnvironment = @{}) {
    foreach ($run in @('RNN', 'Random'), @('RNN', 'Consecutive'), @('GRU', 'Consecutive'), @('LSTM', 'Consecutive')) {
        $cell, $sampling = $run
        $call = "Start-RnnTraining -CellType $cell -Sampling $sampling -Seed $($Seed[0]) -ThreadCount $ThreadCount"
        $childScript = "Import-Module '$ModulePath'; `$c = Import-LyricsCorpus; " +
            "`$w = [Diagnostics.Stopwatch]::StartNew(); `$null = `$c | $call -Epochs $warmEpochs; `$first = `$w.Elapsed.TotalSeconds / $warmEpochs; " +
            "`$w.Restart(); `$m = `$c | $call -Epochs $wallEpochs; " +
            "'{0}|{1}|{2}' -f (`$w.Elapsed.TotalSeconds / $wallEpochs), (@(`$m.History.Seconds | Select-Object -Skip 1 | Sort-Object)[[int][math]::Floor(($wallEpochs - 1) / 2)]), `$first"
        $peerArgs = @('--cell', $cell.ToLower(), '--epochs', $wallEpochs, '--report', $wallEpochs, '--concise') + $(if ($sampling -eq 'Consecutive') { '--consecutive' })
        # The child's two calls with these variables set: the second's wall s/epoch and median epoch, the first's s/epoch.
        $runOurs = { param($Variables) [double[]]((Invoke-WithEnvironment $Variables { Invoke-FreshPwsh $childScript } | Select-Object -Last 1) -split '\|') }
        $ours = @(); $epochs = @(); $firsts = @(); $untiered = @(); $untieredFirsts = @(); $peers = @()
        foreach ($round in 1..$wallRounds) {
            $wall, $epoch, $first = & $runOurs $Environment
            $ours += $wall; $epochs += $epoch; $firsts += $first
            $wall, $null, $first = & $runOurs ($Environment + $untieredHost)
            $untiered += $wall; $untieredFirsts += $first
            if ($peer = Measure-Peer $peerArgs $PeerEnvironment) { $peers += $peer.SecondsPerEpoch }
        }
        $ourWall = Get-Median $ours; $untieredWall = Get-Median $untiered; $peerEpoch = if ($peers) { Get-Median $peers }
        [pscustomobject]@{
            Configuration = "$cell SGD, $sampling"; 'Ours s/epoch (wall)' = '{0:F3}' -f $ourWall; 'Ours s/epoch (median epoch)' = '{0:F3}' -f (Get-Median $epochs)
            Peer = "nn.$cell"; 'Peer s/epoch' = if ($peers) { '{0:F3}' -f $peerEpoch }
            'Peer/ours (wall)' = if ($peers) { '{0:F2}x' -f ($peerEpoch / $ourWall) }
            'Peer/ours (epoch)' = if ($peers) { '{0:F2}x' -f ($peerEpoch / (Get-Median $epochs)) }
            "First call s/epoch ($warmEpochs)" = '{0:F3}' -f (Get-Median $firsts)
            'Peer/ours (first call)' = if ($peers) { '{0:F2}x' -f ($peerEpoch / (Get-Median $firsts)) }
            'Untiered: s/epoch (wall)' = '{0:F3}' -f $untieredWall
            'Peer/ours (untiered, wall)' = if ($peers) { '{0:F2}x' -f ($peerEpoch / $untieredWall) }
            'Untiered: first call s/epoch' = '{0:F3}' -f (Get-Median $untieredFirsts)
            'Rounds (wall ratios)' = if ($peers) { ((0..($peers.Count - 1)) | ForEach-Object { '{0:F2}x' -f ($peers[$_] / $ours[$_]) }) -join ' ' }
        }
    }
}

''
"== Whole training calls, as a user times them: Start-RnnTraining -Epochs $wallEpochs in a fresh process after a call of $warmEpochs, wall clock / $wallEpochs, alternating with the peer's $wallEpochs epochs ($wallRounds rounds, medians); the first call of $warmEpochs timed as well; the same calls again in a host started with DOTNET_TieredCompilation=0 (untiered)"
Measure-WallClock | Format-Table -Property * -AutoSize | Out-String -Width 450

# A CPU without AVX-512, as most laptops have: .NET told there is none (DOTNET_EnableAVX512=0: no AVX-512 kernel,
# 256-bit vectors), libtorch's own kernels and MKL held to AVX2 (ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS); the
# peers held to AVX2 likewise, their OpenBLAS on its Haswell kernels.
$avx2 = [ordered]@{ DOTNET_EnableAVX512 = '0'; ATEN_CPU_CAPABILITY = 'avx2'; MKL_ENABLE_INSTRUCTIONS = 'AVX2' }
$avx2Peers = [ordered]@{ ATEN_CPU_CAPABILITY = 'avx2'; OPENBLAS_CORETYPE = 'Haswell' }
function Format-Environment($Variables) { ($Variables.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', ' }
''
if (-not [Runtime.Intrinsics.X86.Avx512F]::IsSupported) {
    "== Without AVX-512: .NET reports none on this CPU, so the calls above are already its figures without it"
}
else {
    "== Without AVX-512 ($(Format-Environment $avx2); peers $(Format-Environment $avx2Peers)): the same calls"
    $planScript = "Import-Module '$ModulePath'; `$c = Import-LyricsCorpus; foreach (`$cell in 'RNN', 'GRU', 'LSTM') { `$null = `$c | Start-RnnTraining -CellType `$cell -Epochs 1 -ThreadCount $ThreadCount }; " +
        "[PSCharRnn.Numerics.Gemm]::Description; & { $planTable }"
    Invoke-WithEnvironment $avx2 { Invoke-FreshPwsh $planScript }
    Measure-WallClock $avx2 $avx2Peers | Format-Table -Property * -AutoSize | Out-String -Width 450
}

# The whole corpus, the generalization recipe's workload: 63,282 characters, 2,582 distinct.
''
"== The whole corpus (Import-LyricsCorpus -MaxChars 100000: $($whole.Length) characters, $($whole.VocabularySize) distinct), random sampling, hidden 256"
$probe = ([PSCharRnn.Model.ModelSettings]::new()).Create($whole.Vocabulary, $Seed[0], [TorchSharp.torch]::CPU)
$mixed = [PSCharRnn.Training.MixedPrecision]::For($probe, [PSCharRnn.Model.TrainingOptions]@{ Precision = 'Mixed' })
$probe.Dispose()
"what -Precision Mixed does here: $mixed"
if (-not $mixed.UsesBf16) { 'so its runs below are float32 too, and Full/Mixed shows only how much the same epochs vary on this machine' }
$wholeEpochs = if ($Quick) { 2 } else { 3 }
@(foreach ($cell in 'RNN', 'GRU', 'LSTM') {
    $perEpoch = @{}
    foreach ($precision in 'Full', 'Mixed') {
        $model = $whole | Start-RnnTraining -CellType $cell -Epochs $wholeEpochs -Seed $Seed[0] -ThreadCount $ThreadCount -Precision $precision -WarningAction SilentlyContinue
        $seconds = @($model.History.Seconds)
        $perEpoch[$precision] = Get-Median ($seconds | Select-Object -Skip 1)
        [pscustomobject]@{
            Cell = $cell; Precision = $precision; Epochs = $wholeEpochs; 'first epoch s' = '{0:F2}' -f $seconds[0]
            's/epoch after it (median)' = '{0:F2}' -f $perEpoch[$precision]; Perplexity = '{0:F1}' -f $model.Perplexity
            'Full/Mixed' = if ($precision -eq 'Mixed') { '{0:F2}x' -f ($perEpoch.Full / $perEpoch.Mixed) }
        }
        $model.Dispose()
    }
}) | Format-Table -AutoSize | Out-String -Width 200

if (-not $Quick) {
    # The book's whole text 40 times over (2.5 million characters): memory should follow the data and the model.
    $big = [PSCharRnn.Corpus.LyricsCorpus]::new([string]::Join(' ', @($whole.Text) * 40), [string[]]@('40 x the book'))
    [GC]::Collect()
    # Restart the peak-RSS count (VmHWM) for this part: "5" into /proc/self/clear_refs.
    $clear = [IO.File]::OpenWrite('/proc/self/clear_refs'); $clear.Write([byte[]]@(53), 0, 1); $clear.Dispose()
    $before = Get-LiveRssMiB
    $model = ([PSCharRnn.Model.ModelSettings]::new()).Create($big.Vocabulary, $Seed[0], [TorchSharp.torch]::CPU)
    $trainer = [PSCharRnn.Training.Trainer]::new($model, $big, [PSCharRnn.Model.TrainingOptions]@{ Epochs = 1; Seed = $Seed[0]; ThreadCount = $ThreadCount; ReportEvery = 0 })
    $stop = [Threading.CancellationTokenSource]::new()
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $trainer.BatchCompleted = { param($run, $done, $total) if ($done -eq 200) { $script:bigBatch = $watch.Elapsed.TotalSeconds / $done; $script:bigTotal = $total; $stop.Cancel() } }
    try { $trainer.Train($stop.Token) } catch [OperationCanceledException] { }
    ''
    "== A bigger corpus: $($big.Length) characters, $($big.VocabularySize) distinct, hidden 256, random sampling"
    "200 of $script:bigTotal minibatches at {0:F3} s each (an epoch: ~{1:F0} s); RSS {2} MiB with the corpus loaded, {3} MiB after, peak {4} MiB" -f $script:bigBatch,
        ($script:bigBatch * $script:bigTotal), $before, (Get-RssMiB 'VmRSS'), (Get-RssMiB 'VmHWM')
    $model.Dispose()

    # A 200 MB text file (the whole text 1,200 times), imported in a fresh process: time and peak memory against the
    # data it keeps (the text as UTF-16 and one int32 index per character).
    $file = Join-Path ([IO.Path]::GetTempPath()) "pscharrnn-bench-$PID.txt"
    try {
        [IO.File]::WriteAllText($file, [string]::Join("`n", @($whole.Text) * 1200))
        $script = "Import-Module '$ModulePath'; `$w = [Diagnostics.Stopwatch]::StartNew(); `$c = Import-LyricsCorpus -Path '$file'; " +
            "'{0} {1:F2} {2:F0}' -f `$c.Length, `$w.Elapsed.TotalSeconds, ([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB)"
        $length, $seconds, $peak = (Invoke-FreshPwsh $script) -split ' '
        ''
        "== Importing a large text: $('{0:N0}' -f (Get-Item $file).Length) bytes, $('{0:N0}' -f [long]$length) characters"
        "{0} s; peak RSS {1} MiB, of which the corpus keeps {2:F0} MiB (text and indices)" -f $seconds, $peak, ([long]$length * 6 / 1MB)
    }
    finally { Remove-Item $file -ErrorAction Ignore }
}

''
"== The plans the module chose for the products these runs made, by measurement on this machine ($([PSCharRnn.Numerics.GemmPlanner]::MachineIdentity))"
"kept in $([PSCharRnn.Numerics.GemmPlanner]::Default.StorePath): 'stored' ones were measured by an earlier process; µs per product of each candidate, then the ways chosen the same way (µs per call)"
& $planTable

''
'== Side by side, this run (Peer/ours above 1: we are faster)'
$rows | Format-Table -AutoSize | Out-String -Width 200
