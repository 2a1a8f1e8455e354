BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
}

Describe 'libtorch inside pwsh' {
    It 'round-trips a tensor through TorchSharp in the imported module' {
        [PSCharRnn.Native.TorchRuntime]::EnsureLoaded()
        $t = [TorchSharp.torch]::tensor([float[]](1.5, 2.5, 3.0))
        try {
            $t.sum().item[float]() | Should -Be 7.0
            $t.data[float]().ToArray() | Should -Be @(1.5, 2.5, 3.0)
        }
        finally { $t.Dispose() }
    }
    It 'loads the glue library with every libstdc++ version it needs available' {
        $bin = [PSCharRnn.Native.TorchRuntime]::Folder
        $glue = Join-Path $bin 'libLibTorchSharp.so'
        $provided = [PSCharRnn.Native.LibStdCxxCompatibility]::ProvidedVersions([PSCharRnn.Native.LibStdCxxCompatibility]::FindSystemLibStdCxx())
        [PSCharRnn.Native.LibStdCxxCompatibility]::MissingVersions($glue, $provided) | Should -BeNullOrEmpty
        Get-ChildItem $bin -Filter 'libtorch_cpu.so' | Should -Not -BeNullOrEmpty
    }
    It 'sets a bounded OpenMP spin count in the native environment unless the user chose a policy' {
        $script = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; [PSCharRnn.Native.NativeEnvironment]::Get('GOMP_SPINCOUNT')"
        $env:OMP_WAIT_POLICY = $null
        $env:GOMP_SPINCOUNT = $null   # this process set it on import; the child must set it itself
        Invoke-ChildPwsh $script | Should -Be ([PSCharRnn.Native.NativeSetup]::DefaultSpinCount)
        $env:GOMP_SPINCOUNT = '123'
        try { Invoke-ChildPwsh $script | Should -Be '123' }
        finally { $env:GOMP_SPINCOUNT = $null }
    }
    It 'raises glibc malloc thresholds on import unless the user set them' {
        $script = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; [PSCharRnn.Native.GlibcMalloc]::Settings"
        $tuned = "glibc malloc: mmap threshold $([PSCharRnn.Native.GlibcMalloc]::MmapThreshold / 1MB) MiB, trim threshold $([PSCharRnn.Native.GlibcMalloc]::TrimThreshold / 1MB) MiB (set by PSCharRnn)"
        Invoke-ChildPwsh $script | Should -Be $tuned
        $verbose = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; " +
            "(Import-LyricsCorpus -MaxChars 500 | Start-RnnTraining -Epochs 1 -HiddenSize 8 -NumSteps 5 -BatchSize 2 -ReportEvery 0 -Verbose 4>&1 | " +
            "Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] }).Message -match '^Training on '"
        Invoke-ChildPwsh $verbose | Should -BeLike "*; tensors in $tuned."
        Invoke-ChildPwshWith @{ MALLOC_TRIM_THRESHOLD_ = '1048576' } $script | Should -Be 'glibc malloc as the user set it (MALLOC_TRIM_THRESHOLD_=1048576)'
        Invoke-ChildPwshWith @{ GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=65536' } $script | Should -Be 'glibc malloc as the user set it (GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536)'
    }
    It 'trains to the same perplexity on every matrix-product backend PSCHARRNN_GEMM can force, and on the default without AVX-512' {
        # Each run prints the backends its products ran on, then the perplexity.
        $train = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; " +
            "`$p = (Import-LyricsCorpus -MaxChars 3000 | Start-RnnTraining -Epochs 3 -HiddenSize 64 -NumSteps 9 -BatchSize 8 -ReportEvery 0 -Seed 1).Perplexity.ToString('R', [cultureinfo]::InvariantCulture); " +
            "([PSCharRnn.Numerics.GemmPlanner]::Default.Made.Plan.Backend | Sort-Object -Unique) -join '+'; `$p"
        $default = Invoke-ChildPwsh $train
        $forcible = [PSCharRnn.Numerics.Gemm]::Available | Where-Object { -not [PSCharRnn.Numerics.Gemm]::IsBf16($_) }   # bf16 only where -Precision Mixed allows it
        $runs = foreach ($backend in $forcible) {
            $run = Invoke-ChildPwshWith @{ PSCHARRNN_GEMM = $backend.ToString().ToLowerInvariant() } $train
            $run[0] | Should -Be "$backend" -Because 'a forced backend runs every product'
            , $run
        }
        $runs += , (Invoke-ChildPwshWith @{ DOTNET_EnableAVX512 = '0' } $train)
        $runs[-1][0] | Should -Not -Match 'Avx512'
        $runs.Count | Should -Be (@($forcible).Count + 1)
        [double]$default[1] | Should -BeGreaterThan 1
        foreach ($run in $runs) {
            [math]::Abs([double]$default[1] - [double]$run[1]) / [double]$default[1] | Should -BeLessThan 1e-4 -Because "$default / $run"
        }
        ($runs | ForEach-Object { $_[0] }) | Should -Contain 'Portable'
    }
    It 'trains -Precision Mixed in bf16 with PSCHARRNN_GEMM=mklbf16 or torchbf16 near full precision''s perplexity, and in float32 when a full-precision backend is forced' {
        # Each run prints the backends its products ran on, what Start-RnnTraining said, then the perplexity.
        $train = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; `$c = Import-LyricsCorpus -MaxChars 3000; " +
            "`$full = (`$c | Start-RnnTraining -Epochs 6 -HiddenSize 64 -NumSteps 9 -BatchSize 8 -ReportEvery 0 -Seed 1).Perplexity; " +
            "`$m = `$c | Start-RnnTraining -Epochs 6 -HiddenSize 64 -NumSteps 9 -BatchSize 8 -ReportEvery 0 -Seed 1 -Precision Mixed -Verbose -WarningVariable w -WarningAction SilentlyContinue 4>&1 | " +
            "Where-Object { `$_ -is [PSCharRnn.Model.RnnModel] -or `"`$_`" -like '-Precision*' }; " +
            "([PSCharRnn.Numerics.GemmPlanner]::Default.Made.Plan.Backend | Sort-Object -Unique) -join '+'; " +
            "`"`$(@(`$m | Where-Object { `$_ -isnot [PSCharRnn.Model.RnnModel] }) + @(`$w))`"; `$full.ToString('R', [cultureinfo]::InvariantCulture); " +
            "(`$m | Where-Object { `$_ -is [PSCharRnn.Model.RnnModel] }).Perplexity.ToString('R', [cultureinfo]::InvariantCulture)"
        $portable = Invoke-ChildPwshWith @{ PSCHARRNN_GEMM = 'portable' } $train
        $portable[0] | Should -Be 'Portable'
        $portable[1] | Should -Be '-Precision Mixed trains in float32 here: PSCHARRNN_GEMM=portable forces full-precision products.'
        $portable[3] | Should -Be $portable[2] -Because 'Mixed on a full-precision backend is float32 to the bit'
        foreach ($backend in 'MklBf16', 'TorchBf16') {
            $name = $backend.ToLowerInvariant()
            if (-not [PSCharRnn.Numerics.Gemm]::IsAvailable($backend)) {
                # The child's errors reach its stderr, which only a redirection brings into the result.
                $refused = Invoke-ChildPwshWith @{ PSCHARRNN_GEMM = $name } $train 2>&1
                "$refused" | Should -Match "cannot run the $backend"
                continue
            }
            $bf16 = Invoke-ChildPwshWith @{ PSCHARRNN_GEMM = $name } $train
            $bf16[0] | Should -Be "Mkl+$backend" -Because 'full precision runs on MKL, and Mixed runs the output layer in bf16'
            $bf16[1] | Should -Match "^-Precision Mixed: the output layer's products on f32 NN \[72,64\]x\[64,\d+\] $name; f32 NT .* $name; f32 TN .* $name\.$"
            $full, $mixed = [double]$bf16[2], [double]$bf16[3]
            $mixed | Should -Not -Be $full -Because 'bf16 products give other sums'
            [math]::Abs($mixed - $full) / $full | Should -BeLessThan 0.02
        }
    }
    It 'multiplies as libtorch does on every plan without AVX-512 (DOTNET_EnableAVX512=0: the AVX2 kernel and AVX2 vectors), in single and double precision' {
        $check = @'
Import-Module ./PSCharRnn.psd1
$null = Import-LyricsCorpus -MaxChars 200 | New-RnnModel -HiddenSize 8
[System.Numerics.Vector[float]]::Count
Add-Type -CompilerOptions '-unsafe', '-nowarn:CS1701' -ReferencedAssemblies ([TorchSharp.torch].Assembly.Location), ([PSCharRnn.Numerics.Gemm].Assembly.Location), System.Runtime, System.Linq, System.Collections -TypeDefinition @"
using System.Linq;
using PSCharRnn.Numerics;
using static TorchSharp.torch;
public static unsafe class Avx2Check
{
    // The largest relative error of any plan against libtorch's double-precision product.
    public static double WorstError(int m, int n, int k, bool transposeB, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var a = randn(new long[] { m, k }, dtype);
        var b = randn(transposeB ? new long[] { n, k } : new long[] { k, n }, dtype);
        var expected = a.to(float64).mm((transposeB ? b.t() : b).to(float64));
        double worst = 0;
        foreach (var plan in Gemm.Plans)
        {
            var c = empty(new long[] { m, n }, dtype);
            if (dtype == ScalarType.Float32)
                Gemm.Multiply(plan, false, transposeB, m, n, k, 1f, TensorMemory.Of<float>(a), k, TensorMemory.Of<float>(b), transposeB ? k : n, 0f, TensorMemory.Of<float>(c), n);
            else
                Gemm.Multiply(plan, false, transposeB, m, n, k, 1.0, TensorMemory.Of<double>(a), k, TensorMemory.Of<double>(b), transposeB ? k : n, 0.0, TensorMemory.Of<double>(c), n);
            worst = System.Math.Max(worst, (c.to(float64) - expected).abs().max().item<double>() / expected.abs().max().item<double>());
        }
        return worst;
    }
}
"@
([PSCharRnn.Numerics.Gemm]::Plans | ForEach-Object ToString) -join ','
foreach ($dtype in 'Float32', 'Float64') {
    [Avx2Check]::WorstError(32, 256, 256, $false, $dtype), [Avx2Check]::WorstError(37, 1027, 256, $true, $dtype), [Avx2Check]::WorstError(1120, 1027, 256, $false, $dtype) |
        ForEach-Object { $_.ToString('R', [cultureinfo]::InvariantCulture) }
}
'@
        Push-Location "$PSScriptRoot/.."
        try { $out = Invoke-ChildPwshWith @{ DOTNET_EnableAVX512 = '0' } $check }
        finally { Pop-Location }
        $out[0] | Should -Be 8 -Because 'without AVX-512 a vector holds eight floats (AVX2)'
        $out[1] | Should -Not -Match 'avx512'
        $out[1] | Should -Match 'portable/1,portable/split'
        if ([System.Runtime.Intrinsics.X86.Avx2]::IsSupported -and [System.Runtime.Intrinsics.X86.Fma]::IsSupported) { $out[1] | Should -Match 'avx2/1,avx2/split' }
        $errors = [double[]]$out[2..7]
        $errors.Count | Should -Be 6
        foreach ($e in $errors[0..2]) { $e | Should -BeLessThan 1e-5 }
        foreach ($e in $errors[3..5]) { $e | Should -BeLessThan 1e-12 }
    }
    It 'computes the element-wise kernels to the same bits at every vector width the processor offers, without AVX-512, and without SIMD' {
        # Prints the vector's float count, then one digest per kernel of its results on 10,007 inputs (a tail at every width).
        $check = @'
Import-Module ./PSCharRnn.psd1
Add-Type -CompilerOptions '-nowarn:CS1701' -ReferencedAssemblies ([PSCharRnn.Numerics.Elementwise].Assembly.Location), System.Runtime, System.Memory, System.Linq, System.Security.Cryptography, System.Runtime.InteropServices -TypeDefinition @"
using System;
using System.Linq;
using System.Runtime.InteropServices;
using PSCharRnn.Numerics;
public static class WidthCheck
{
    public static string[] Digests()
    {
        float[] x = Enumerable.Range(0, 10007).Select(i => (float)(Math.Sin(i * 0.37) * Math.Exp(i % 60 * 0.1 - 3))).ToArray();
        // The clamps' and the maximum's edges: a NaN, signed zeros, infinities, values past every saturation.
        new[] { float.NaN, -0f, 0f, float.PositiveInfinity, float.NegativeInfinity, 200f, -200f, 1e-40f }.CopyTo(x, 5000);
        float[] y = x.Select(v => v * 0.5f + 0.25f).ToArray(), d = new float[x.Length];
        string Digest() => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(MemoryMarshal.AsBytes(d.AsSpan())));
        return new Func<string>[]
        {
            () => { Elementwise.Tanh<float>(x, d); return Digest(); },
            () => { Elementwise.Sigmoid<float>(x, d); return Digest(); },
            () => { Elementwise.ExpAndSum<float>(x, 0.5f, d); return Digest(); },
            () => { Elementwise.MultiplyAdd<float>(x, y, x, d); return Digest(); },
            () => { d[0] = Elementwise.AddAndMax<float>(x, y, d); return Digest(); },
            () => { x.CopyTo(d, 0); Elementwise.DivideAndFlush<float>(d, 3e37f); return Digest(); },
        }.Select(f => f()).ToArray();
    }
}
"@
[System.Numerics.Vector[float]]::Count
[WidthCheck]::Digests()
'@
        Push-Location "$PSScriptRoot/.."
        try {
            $default = Invoke-ChildPwsh $check
            $avx2 = Invoke-ChildPwshWith @{ DOTNET_EnableAVX512 = '0' } $check
            $sse = Invoke-ChildPwshWith @{ DOTNET_EnableAVX2 = '0' } $check
            $scalar = Invoke-ChildPwshWith @{ DOTNET_EnableHWIntrinsic = '0' } $check
        }
        finally { Pop-Location }
        $default.Count | Should -Be 7 -Because "$default"
        [int]$sse[0] | Should -BeLessThan ([int]$default[0]) -Because 'without AVX2 a vector holds four floats'
        $avx2[1..6] | Should -Be $default[1..6] -Because 'without AVX-512 the same 8-float vectors take other instructions (the maximum and the clamps among them)'
        $sse[1..6] | Should -Be $default[1..6]
        $scalar[1..6] | Should -Be $default[1..6]
    }
    It 'refuses a PSCHARRNN_GEMM it does not know, or a backend the machine cannot run, naming the choices' {
        $script = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; try { New-RnnModel -Corpus (Import-LyricsCorpus -MaxChars 200) -HiddenSize 8 -ErrorAction Stop } " +
            "catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.TargetObject; `$_.Exception.Message }"
        $unknown = Invoke-ChildPwshWith @{ PSCHARRNN_GEMM = 'openblas' } $script
        $unknown[0] | Should -BeLike 'GemmBackendUnknown,*'
        $unknown[1] | Should -Be 'InvalidArgument'
        $unknown[2] | Should -Be 'openblas'
        $unknown[3] | Should -BeLike '*mkl, avx512, avx2, portable*'
        $unavailable = Invoke-ChildPwshWith @{ PSCHARRNN_GEMM = 'avx512'; DOTNET_EnableAVX512 = '0' } $script
        $unavailable[0] | Should -BeLike 'GemmBackendUnavailable,*'
        $unavailable[1] | Should -Be 'NotImplemented'
    }
    It 'ships the glue library with its GLIBCXX_3.4.32 need made weak by the build' {
        $glue = Join-Path ([PSCharRnn.Native.TorchRuntime]::Folder) 'libLibTorchSharp.so'
        $need = [PSCharRnn.Native.ElfVersionNeeds]::Read($glue) | Where-Object Version -EQ 'GLIBCXX_3.4.32'
        $need.IsWeak | Should -BeTrue
        [PSCharRnn.Native.LibStdCxxCompatibility]::Problem([PSCharRnn.Native.TorchRuntime]::Folder) | Should -BeNullOrEmpty
    }
    It 'imports an installed copy from a read-only folder, in two processes at once, and writes nothing there' {
        $modules = Join-Path $TestDrive 'read-only-modules'
        New-Item -ItemType Directory $modules | Out-Null
        Copy-Item -Recurse (Split-Path ([PSCharRnn.Native.TorchRuntime]::Folder)) (Join-Path $modules 'PSCharRnn')
        function Get-Listing { Get-ChildItem -Recurse -Force $modules | ForEach-Object { '{0} {1} {2}' -f $_.FullName, $_.Length, $_.LastWriteTimeUtc.Ticks } }
        $before = Get-Listing
        $script = Join-Path $TestDrive 'use-installed.ps1'
        $text = New-TextFile (Join-Path $TestDrive 'letters.txt') ("abcdefgh`n" * 40)
        Set-Content $script @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module PSCharRnn
`$model = Import-LyricsCorpus -LiteralPath '$text' | Start-RnnTraining -Epochs 2 -HiddenSize 16 -NumSteps 5 -BatchSize 4 -ReportEvery 0 -Seed 1
(`$model | Get-RnnPrediction -Prefix abc -Length 5).Length
"@
        & chmod -R a-w $modules
        try {
            # As root, only dropping the capability to override permissions makes the folder read-only.
            $command = Get-UnprivilegedPwsh $script
            $children = 1..2 | ForEach-Object {
                $out = Join-Path $TestDrive "child-$_.txt"
                @{ Out = $out; Process = Start-Process $command.FilePath -ArgumentList $command.ArgumentList -PassThru -RedirectStandardOutput $out -RedirectStandardError "$out.err" }
            }
            foreach ($child in $children) {
                $child.Process.WaitForExit()
                $child.Process.ExitCode | Should -Be 0 -Because (Get-Content -Raw "$($child.Out).err")
                @(Get-Content $child.Out)[-1] | Should -Be 8
            }
        }
        finally { & chmod -R u+w $modules }
        Get-Listing | Should -Be $before
    }
    It 'does not ship PowerShell Standard in the module' {
        Get-ChildItem ([PSCharRnn.Native.TorchRuntime]::Folder) -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }
}
