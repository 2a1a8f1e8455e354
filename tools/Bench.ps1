<#
.SYNOPSIS
    The book's configuration, timed: both samplings, perplexity at every report, samples, memory, and the
    achieved fraction of this machine's matrix-product rate. Prints figures; asserts nothing.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Epochs = 250,
    [long] $Seed = 1,
    [int] $ThreadCount = [Environment]::ProcessorCount
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$torch = [TorchSharp.torch]

# RSS after a full GC and malloc_trim: what is live, without what the allocators merely keep cached.
Add-Type -Namespace Native -Name Libc -MemberDefinition '[DllImport("libc")] public static extern int malloc_trim(System.UIntPtr pad);'
function Get-LiveRssMiB {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers()
    $null = [Native.Libc]::malloc_trim([UIntPtr]::Zero)
    Get-RssMiB 'VmRSS'
}

function Get-RssMiB([string] $Field) {
    $line = Select-String -Path /proc/self/status -Pattern "^${Field}:\s+(\d+) kB" | Select-Object -First 1
    [math]::Round([long]$line.Matches[0].Groups[1].Value / 1024, 1)
}

# The rate this machine reaches on the epoch's biggest product, measured in this same run, timed in C#
# so that no PowerShell overhead counts.
Add-Type -CompilerOptions '-nowarn:CS1701' -ReferencedAssemblies ([TorchSharp.torch].Assembly.Location), System.Runtime -TypeDefinition @'
public static class MatMulRate
{
    public static double GigaflopsPerSecond(long m, long k, long n, int repeats)
    {
        using var a = TorchSharp.torch.randn(m, k);
        using var b = TorchSharp.torch.randn(k, n);
        for (int i = 0; i < 20; i++) TorchSharp.torch.mm(a, b).Dispose();
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < repeats; i++) TorchSharp.torch.mm(a, b).Dispose();
            best = System.Math.Min(best, watch.Elapsed.TotalSeconds / repeats);
        }
        return 2.0 * m * k * n / best / 1e9;
    }
}
'@
function Measure-MatMul {
    $torch::set_num_threads($ThreadCount)
    [MatMulRate]::GigaflopsPerSecond(1120, 256, 1027, 40)
}

$corpus = Import-LyricsCorpus
$gflops = Measure-MatMul
"machine: $([Environment]::ProcessorCount) cores, $ThreadCount threads, GOMP_SPINCOUNT=$([PSCharRnn.Native.NativeEnvironment]::Get('GOMP_SPINCOUNT')), OMP_WAIT_POLICY=$([PSCharRnn.Native.NativeEnvironment]::Get('OMP_WAIT_POLICY'))"
"matmul 1120x256 . 256x1027: {0:F1} GFLOP/s; one epoch's 17.6 GFLOP at that rate: {1:F3} s" -f $gflops, (17.6 / $gflops)

foreach ($sampling in 'Random', 'Consecutive') {
    $model = [PSCharRnn.Model.RnnModel]::new($corpus.Vocabulary, 256, $Seed, $null, [TorchSharp.torch+ScalarType]::Float32)
    $options = [PSCharRnn.Training.TrainingOptions]@{ Epochs = $Epochs; Sampling = $sampling; Seed = $Seed; ThreadCount = $ThreadCount }
    $trainer = [PSCharRnn.Training.Trainer]::new($model, $corpus, $options)
    $rss = @{}; $live = @{}
    $trainer.EpochCompleted = { param($run, $record) if ($run % 50 -eq 0) { $rss[$run] = Get-RssMiB 'VmRSS'; $live[$run] = Get-LiveRssMiB } }
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $trainer.Train([Threading.CancellationToken]::None)
    $total = $watch.Elapsed.TotalSeconds
    $perEpoch = ($model.History | Measure-Object Seconds -Average).Average
    ''
    "== $sampling sampling, $Epochs epochs, hidden 256, batch 32, 35 steps"
    "seconds per epoch {0:F3} (median {1:F3}), total {2:F1} s, achieved {3:P0} of the matmul rate" -f $perEpoch,
        (($model.History.Seconds | Sort-Object)[[int]($model.History.Count / 2)]), $total, ((17.6 / $gflops) / $perEpoch)
    $model.History | Where-Object { $_.Epoch % 50 -eq 0 } | ForEach-Object { $_.ReportLine }
    $model.History[-1].Samples | ForEach-Object { " - $_" }
    $first = ($rss.Keys | Sort-Object | Select-Object -First 1)
    "RSS MiB at epoch {0}: {1}; at epoch {2}: {3} ({4:+0.0;-0.0}%); peak {5}" -f $first, $rss[$first], $Epochs, $rss[$Epochs],
        (100 * ($rss[$Epochs] - $rss[$first]) / $rss[$first]), (Get-RssMiB 'VmHWM')
    "live RSS MiB (after GC and malloc_trim) at epoch {0}: {1}; at epoch {2}: {3} ({4:+0.0;-0.0}%)" -f $first, $live[$first], $Epochs, $live[$Epochs],
        (100 * ($live[$Epochs] - $live[$first]) / $live[$first])
    $model.Dispose()
}
