BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $saved = @{ Data = $env:PSCHARRNN_DATA; Xdg = $env:XDG_DATA_HOME }
    $book = Get-BookArchive
    New-Item -ItemType Directory "$TestDrive/www/wrong" | Out-Null
    Copy-Item $book "$TestDrive/www/jaychou_lyrics.txt.zip"
    New-TextFile "$TestDrive/zip/jaychou_lyrics.txt" '不是那个文件' | Out-Null
    Compress-Archive "$TestDrive/zip/jaychou_lyrics.txt" "$TestDrive/www/wrong/jaychou_lyrics.txt.zip"
    $server = Start-TestHttpServer "$TestDrive/www"
}
AfterAll {
    Stop-TestHttpServer $server
    $env:PSCHARRNN_DATA = $saved.Data
    $env:XDG_DATA_HOME = $saved.Xdg
}

Describe 'Import-LyricsCorpus downloads the book corpus when it is not found' {
    BeforeEach {
        $env:PSCHARRNN_DATA = "$TestDrive/nodata"
        $env:XDG_DATA_HOME = "$TestDrive/xdg-$([guid]::NewGuid())"
        $userFolder = Join-Path $env:XDG_DATA_HOME 'PSCharRnn'
    }

    It 'downloads, verifies and keeps a good file in the per-user folder' {
        $corpus = Import-LyricsCorpus -Uri "$($server.Uri)jaychou_lyrics.txt.zip"
        $corpus.Length | Should -Be 10000
        $corpus.VocabularySize | Should -Be 1027
        (Get-FileHash "$userFolder/jaychou_lyrics.txt.zip").Hash | Should -Be '3CFEDD7D174111CDAD5A27EAFFAA6A2432A2842CF2590A03DD8A97610EA07043'
        @(Get-ChildItem -Force $userFolder).Count | Should -Be 1
    }
    It 'discards a file whose checksum is wrong and says how to place it by hand' {
        $err = { Import-LyricsCorpus -Uri "$($server.Uri)wrong/jaychou_lyrics.txt.zip" } | Should -Throw -ErrorId 'CorpusChecksumMismatch*' -PassThru
        $err.Exception.Message | Should -Match 'by hand'
        Test-Path $userFolder | Should -BeFalse
    }
    It 'reports an HTTP 404 and leaves nothing behind' {
        $err = { Import-LyricsCorpus -Uri "$($server.Uri)missing.zip" } | Should -Throw -ErrorId 'CorpusDownloadFailed*' -PassThru
        $err.Exception.Message | Should -Match '404'
        Test-Path $userFolder | Should -BeFalse
    }
    It 'reports a server that is gone and leaves nothing behind' {
        { Import-LyricsCorpus -Uri "http://127.0.0.1:$(Get-FreeTcpPort)/jaychou_lyrics.txt.zip" } | Should -Throw -ErrorId 'CorpusDownloadFailed*'
        Test-Path $userFolder | Should -BeFalse -Because 'an offline first call must not leave an empty data folder'
    }
    It 'downloads nothing with -WhatIf' {
        Import-LyricsCorpus -Uri "$($server.Uri)jaychou_lyrics.txt.zip" -WhatIf | Should -BeNullOrEmpty
        Test-Path $userFolder | Should -BeFalse
    }
    It 'prefers $env:PSCHARRNN_DATA over the per-user folder' {
        $env:PSCHARRNN_DATA = Split-Path $book
        New-TextFile "$userFolder/jaychou_lyrics.txt.zip" 'not used' | Out-Null
        (Import-LyricsCorpus).Sources[0] | Should -Be $book
    }
}
