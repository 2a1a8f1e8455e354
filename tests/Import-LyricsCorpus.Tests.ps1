BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
}

Describe 'Import-LyricsCorpus with no arguments (the book corpus)' {
    BeforeAll { $corpus = Import-LyricsCorpus }

    It 'keeps the first 10,000 characters with 1,027 distinct ones' {
        $corpus.Length | Should -Be 10000
        $corpus.VocabularySize | Should -Be 1027
        $corpus.Text.Length | Should -Be 10000
    }
    It 'turns line breaks into spaces, as the book does' {
        $corpus.Text | Should -Not -Match "[`r`n]"
        $corpus.Text.Substring(0, 17) | Should -BeExactly '想要有直升机 想要和你飞到宇宙去 '
    }
    It 'sorts the vocabulary by code point and indexes the text with it' {
        $codes = $corpus.Vocabulary | ForEach-Object { [int][char]$_ }
        $codes | Should -Be ($codes | Sort-Object)
        -join ($corpus.Indices[0..5] | ForEach-Object { $corpus.Vocabulary[$_] }) | Should -BeExactly '想要有直升机'
    }
    It 'gives the same indices on every import' {
        (Import-LyricsCorpus).Indices[0..200] | Should -Be $corpus.Indices[0..200]
    }
    It 'prints as a table with length, vocabulary, source and preview' {
        $text = $corpus | Format-Table | Out-String
        $text | Should -Match '10000\s+1027\s+jaychou_lyrics.txt.zip\s+想要有直升机'
    }
}

Describe 'Import-LyricsCorpus -Path' {
    It 'reads a whole .txt file, a line break (LF, CR or CRLF) becoming one space' {
        $file = New-TextFile "$TestDrive/a.txt" "一二`r`n三`r"
        $corpus = Import-LyricsCorpus -Path $file
        $corpus.Text | Should -BeExactly '一二 三 '
        $corpus.Length | Should -Be 5
        $corpus.VocabularySize | Should -Be 4
    }
    It 'keeps only -MaxChars characters' {
        $file = New-TextFile "$TestDrive/b.txt" 'abcdefghij'
        (Import-LyricsCorpus -Path $file -MaxChars 4).Text | Should -BeExactly 'abcd'
    }
    It 'reads the .txt entry of a zip archive' {
        $file = New-TextFile "$TestDrive/zip/song.txt" "你好`n世界"
        Compress-Archive -Path $file -DestinationPath "$TestDrive/song.zip" -Force
        (Import-LyricsCorpus -Path "$TestDrive/song.zip").Text | Should -BeExactly '你好 世界'
    }
    It 'makes one corpus of all files from Get-ChildItem' {
        New-TextFile "$TestDrive/many/1.txt" 'abc' | Out-Null
        New-TextFile "$TestDrive/many/2.txt" 'xyz' | Out-Null
        $corpus = Get-ChildItem "$TestDrive/many/*.txt" | Import-LyricsCorpus
        @($corpus).Count | Should -Be 1
        $corpus.Sources.Count | Should -Be 2
        $corpus.Text | Should -BeExactly 'abc xyz'
    }
    It 'expands wildcards in -Path' {
        (Import-LyricsCorpus -Path "$TestDrive/many/?.txt").Sources.Count | Should -Be 2
    }
    It 'reads the .txt files of a folder, in name order' {
        New-TextFile "$TestDrive/folder/2.txt" 'xyz' | Out-Null
        New-TextFile "$TestDrive/folder/1.txt" 'abc' | Out-Null
        New-TextFile "$TestDrive/folder/notes.md" 'no' | Out-Null
        (Import-LyricsCorpus -Path "$TestDrive/folder").Text | Should -BeExactly 'abc xyz'
    }
    It 'says a folder has no .txt file' {
        New-Item -ItemType Directory "$TestDrive/emptyfolder" | Out-Null
        $err = { Import-LyricsCorpus -Path "$TestDrive/emptyfolder" -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusFileNotFound*' -PassThru
        $err.Exception.Message | Should -Match 'is a folder with no \*\.txt file'
    }
    It 'previews a text that starts with blanks, white space collapsed' {
        $file = New-TextFile "$TestDrive/blank.txt" "   `n`n  一二   三四"
        (Import-LyricsCorpus -Path $file).Preview(5) | Should -BeExactly '一二 三四'
    }
    It 'keeps a character outside the BMP whole' {
        $file = New-TextFile "$TestDrive/emoji.txt" 'a😀b😀'
        $corpus = Import-LyricsCorpus -Path $file
        $corpus.Length | Should -Be 4
        $corpus.Vocabulary | Should -Contain '😀'
    }
}

Describe 'Import-LyricsCorpus errors' {
    It 'names a missing file' {
        { Import-LyricsCorpus -Path "$TestDrive/nope.txt" -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusFileNotFound*'
        { Import-LyricsCorpus -LiteralPath "$TestDrive/nope.txt" -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusFileNotFound*'
    }
    It 'rejects an empty text' {
        $file = New-TextFile "$TestDrive/empty.txt" ''
        { Import-LyricsCorpus -Path $file } | Should -Throw -ErrorId 'CorpusEmpty*'
    }
    It 'rejects a zip without a .txt entry' {
        $file = New-TextFile "$TestDrive/nozip/data.csv" 'a,b'
        Compress-Archive -Path $file -DestinationPath "$TestDrive/notext.zip" -Force
        { Import-LyricsCorpus -Path "$TestDrive/notext.zip" -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusZipHasNoText*'
    }
    It 'rejects a file that is not a zip archive' {
        $file = New-TextFile "$TestDrive/fake.zip" 'not a zip'
        { Import-LyricsCorpus -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusZipInvalid*'
    }
    It 'names the file and byte offset of invalid UTF-8' {
        [IO.File]::WriteAllBytes("$TestDrive/bad.txt", [byte[]](0x61, 0x62, 0xE4, 0xB8, 0x41, 0x63))
        $err = { Import-LyricsCorpus -Path "$TestDrive/bad.txt" -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusInvalidUtf8*' -PassThru
        $err.Exception.Message | Should -Match 'bad\.txt'
        $err.Exception.Message | Should -Match 'byte offset 2'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Match 'bad\.txt'
    }
    It 'rejects -MaxChars below 2' {
        $file = New-TextFile "$TestDrive/c.txt" 'abc'
        { Import-LyricsCorpus -Path $file -MaxChars 1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
    It 'rejects a text of only white space' {
        $file = New-TextFile "$TestDrive/blanks.txt" "  `n`t `r`n  "
        $err = { Import-LyricsCorpus -Path $file } | Should -Throw -ErrorId 'CorpusEmpty*' -PassThru
        $err.Exception.Message | Should -Match 'only white space'
    }
    It 'says a file it may not read is PermissionDenied, naming it' {
        $file = New-TextFile "$TestDrive/locked/secret.txt" 'abc'
        Set-Content -Path "$TestDrive/locked/test.ps1" -Value @"
Import-Module '$PSScriptRoot/../PSCharRnn.psd1'
try { Import-LyricsCorpus -Path '$file' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.TargetObject }
"@
        $output = Invoke-Unprivileged "$TestDrive/locked/test.ps1" -Unreadable $file
        $output[0] | Should -BeLike 'CorpusFileAccessDenied*'
        $output[1] | Should -Be 'PermissionDenied'
        $output[2] | Should -Be $file
    }
    It 'goes on past a bad file among many: that one is an error of its own, the others make the corpus' {
        New-TextFile "$TestDrive/many/1.txt" 'abc' | Out-Null
        [IO.File]::WriteAllBytes("$TestDrive/many/2.txt", [byte[]](0x61, 0xFF, 0x62))
        New-TextFile "$TestDrive/many/3.txt" 'xyz' | Out-Null
        $corpus = Import-LyricsCorpus -Path "$TestDrive/many/*.txt" -ErrorVariable bad -ErrorAction SilentlyContinue
        $corpus.Text | Should -BeExactly 'abc xyz'
        $bad.Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'CorpusInvalidUtf8*'
        $bad[0].TargetObject | Should -BeLike '*2.txt'
    }
}

Describe 'Import-LyricsCorpus reads what Windows writes' {
    It 'reads UTF-16 with a byte-order mark, little- and big-endian' {
        [IO.File]::WriteAllText("$TestDrive/le.txt", "不分开`r`n我想", [Text.UnicodeEncoding]::new($false, $true))
        [IO.File]::WriteAllText("$TestDrive/be.txt", "不分开`r`n我想", [Text.UnicodeEncoding]::new($true, $true))
        (Import-LyricsCorpus -Path "$TestDrive/le.txt").Text | Should -BeExactly '不分开 我想'
        (Import-LyricsCorpus -Path "$TestDrive/be.txt").Text | Should -BeExactly '不分开 我想'
    }
    It 'says a text without a byte-order mark looks like UTF-16, and how to convert it' {
        [IO.File]::WriteAllBytes("$TestDrive/nobom.txt", [Text.Encoding]::Unicode.GetBytes('hello, lyrics'))
        $err = { Import-LyricsCorpus -Path "$TestDrive/nobom.txt" -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusLooksLikeUtf16*' -PassThru
        $err.Exception.Message | Should -Match 'looks like UTF-16'
        $err.Exception.Message | Should -Match 'Set-Content -Encoding utf8'
    }
    It 'makes a Windows line break (CRLF) one space, as the book makes a line break one space' {
        $file = New-TextFile "$TestDrive/crlf.txt" "ab`r`ncd`ne`rf"
        (Import-LyricsCorpus -Path $file).Text | Should -BeExactly 'ab cd e f'
        (Import-LyricsCorpus -Path $file -MaxChars 4).Text | Should -BeExactly 'ab c' -Because 'a CRLF counts as one character'
    }
    It 'stops a large import at once on Ctrl+C' {
        $file = New-TextFile "$TestDrive/huge.txt" ('我想要你 陪在我身边' * 12000000)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; Import-LyricsCorpus -Path '$file'")
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not ($ps.Streams.Progress | Where-Object Activity -eq 'Importing lyrics')) {
                if ([DateTime]::UtcNow -gt $deadline -or $async.IsCompleted) { throw "The import showed no progress: $($ps.Streams.Error)" }
                Start-Sleep -Milliseconds 2
            }
            $ps.Stop()
            $err = { $ps.EndInvoke($async) } | Should -Throw -PassThru
            $err.Exception.InnerException | Should -BeOfType ([System.Management.Automation.PipelineStoppedException]) -Because 'the import was stopped, not finished'
            $ps.Streams.Error | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose(); Remove-Item $file }
    }
    It 'shows progress while it reads a large text' {
        $file = New-TextFile "$TestDrive/large.txt" ('我想要你 陪在我身边' * 500000)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; Import-LyricsCorpus -Path '$file'")
            $corpus = $ps.Invoke()
            $corpus[0].Length | Should -Be 5000000
            @($ps.Streams.Progress | Where-Object Activity -eq 'Importing lyrics' | Where-Object StatusDescription -like 'Reading large.txt*').Count | Should -BeGreaterThan 1
        }
        finally { $ps.Dispose() }
    }
}

