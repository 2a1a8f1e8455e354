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
        $bin = [PSCharRnn.Native.NativeSetup]::BinFolder
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
    It 'multiplies with MKL alone when .NET is told not to use AVX-512, and trains to the same perplexity' {
        $train = "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; [PSCharRnn.Numerics.Avx512Gemm]::IsUsed; " +
            "(Import-LyricsCorpus -MaxChars 3000 | Start-RnnTraining -Epochs 3 -HiddenSize 64 -NumSteps 9 -BatchSize 8 -ReportEvery 0 -Seed 1).Perplexity.ToString('R', [cultureinfo]::InvariantCulture)"
        $default = Invoke-ChildPwsh $train
        $env:DOTNET_EnableAVX512 = '0'
        try { $mklOnly = Invoke-ChildPwsh $train }
        finally { $env:DOTNET_EnableAVX512 = $null }
        $intel = (Select-String -Path /proc/cpuinfo -Pattern '^vendor_id\s*:\s*GenuineIntel' -Quiet)
        $default[0] | Should -Be "$([System.Runtime.Intrinsics.X86.Avx512F]::IsSupported -and -not $intel)"
        $mklOnly[0] | Should -Be 'False'
        [double]$mklOnly[1] | Should -BeGreaterThan 1
        [math]::Abs([double]$default[1] - [double]$mklOnly[1]) / [double]$mklOnly[1] | Should -BeLessThan 1e-3 -Because "$default / $mklOnly"
    }
    It 'does not ship PowerShell Standard in the module' {
        Get-ChildItem ([PSCharRnn.Native.NativeSetup]::BinFolder) -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }
}
