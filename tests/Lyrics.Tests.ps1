BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $corpus = New-RepetitiveCorpus
    $fast = @{ NumSteps = 9; BatchSize = 8; HiddenSize = 16; ReportEvery = 0; Seed = 1; ThreadCount = 1 }
    $model = $corpus | Start-RnnTraining @fast -Epochs 3
}

Describe 'Get-RnnPrediction sampling' {
    It 'is greedy by default, as the book' {
        $model | Get-RnnPrediction -Prefix ab -Length 20 | Should -Be ($model | Get-RnnPrediction -Prefix ab -Length 20 -Temperature 0)
    }
    It 'gives the same samples for the same seed, also in another process' {
        $path = "$TestDrive/sampling.safetensors"
        $model | Export-RnnModel -Path $path
        $here = $model | Get-RnnPrediction -Prefix ab -Length 30 -Temperature 5 -Count 3 -Seed 42
        $here.Count | Should -Be 3
        @($here | Sort-Object -Unique).Count | Should -BeGreaterThan 1
        $there = Invoke-ChildPwsh "Import-Module '$PSScriptRoot/../PSCharRnn.psd1'; Import-RnnModel '$path' | Get-RnnPrediction -Prefix ab -Length 30 -Temperature 5 -Count 3 -Seed 42"
        $there | Should -Be $here
        $model | Get-RnnPrediction -Prefix ab -Length 30 -Temperature 5 -Count 3 -Seed 43 | Should -Not -Be $here
    }
    It 'with -TopK 1 is the greedy text, whatever the temperature' {
        $model | Get-RnnPrediction -Prefix cd -Length 25 -Temperature 5 -TopK 1 -Seed 3 | Should -Be ($model | Get-RnnPrediction -Prefix cd -Length 25)
    }
    It 'with a tiny -TopP is the greedy text too (the nucleus keeps at least the top character)' {
        $model | Get-RnnPrediction -Prefix cd -Length 25 -Temperature 2 -TopP 1e-6 -Seed 3 | Should -Be ($model | Get-RnnPrediction -Prefix cd -Length 25)
    }
    It 'rejects impossible combinations and ranges with clear errors' {
        $err = { $model | Get-RnnPrediction -Prefix ab -TopK 5 } | Should -Throw -ErrorId 'SamplingOptionsConflict*' -PassThru
        $err.Exception.Message | Should -Match 'Temperature'
        { $model | Get-RnnPrediction -Prefix ab -Temperature 1 -TopP 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { $model | Get-RnnPrediction -Prefix ab -Temperature -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { $model | Get-RnnPrediction -Prefix ab -Temperature 1 -TopK 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { $model | Get-RnnPrediction -Prefix ab -Count 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
    It 'warns that -Count with greedy decoding repeats one text' {
        $out = $model | Get-RnnPrediction -Prefix ab -Count 2 -WarningVariable warned -WarningAction SilentlyContinue
        $out[0] | Should -Be $out[1]
        "$warned" | Should -Match 'Temperature'
    }
}

Describe 'Held-out perplexity' {
    It 'records a validation perplexity every epoch with -ValidationFraction, equal to Measure-RnnPerplexity' {
        $m = $corpus | Start-RnnTraining @fast -Epochs 3 -ValidationFraction 0.2 -ReportEvery 1 -SamplePrefix ab -InformationVariable info
        $m.History.ValidationPerplexity.Count | Should -Be 3
        "$($info[0].MessageData)" | Should -Match '^epoch 1, perplexity \d+\.\d{6}, validation perplexity \d+\.\d{6}, time'
        # The held-out text is the last 20% of the corpus' characters.
        $held = New-TextFile "$TestDrive/held.txt" $corpus.Text.Substring($corpus.Length - [math]::Round($corpus.Length * 0.2)) | Import-LyricsCorpus
        $measured = $m | Measure-RnnPerplexity -Corpus $held
        $measured.Perplexity | Should -BeGreaterThan 0
        [math]::Abs($measured.Perplexity - $m.History[-1].ValidationPerplexity) | Should -BeLessThan 1e-9
        $measured.Characters | Should -Be ($held.Length - 1)
    }
    It 'takes a separate -ValidationCorpus, and names characters it has that the model lacks' {
        $other = New-TextFile "$TestDrive/other.txt" ('hgfedcba ' * 20) | Import-LyricsCorpus
        ($corpus | Start-RnnTraining @fast -Epochs 1 -ValidationCorpus $other).History[0].ValidationPerplexity | Should -BeGreaterThan 1
        $bad = New-TextFile "$TestDrive/bad.txt" ('abcxyz ' * 20) | Import-LyricsCorpus
        $err = { $corpus | Start-RnnTraining @fast -Epochs 1 -ValidationCorpus $bad } | Should -Throw -ErrorId 'ValidationCorpusOutOfVocabulary*' -PassThru
        $err.Exception.Message | Should -Match 'x y z'
    }
    It 'equals an independent computation from the exported weights' {
        $m = $corpus | Start-RnnTraining -Epochs 2 -NumSteps 9 -BatchSize 8 -HiddenSize 5 -ReportEvery 0 -Seed 2
        $m | Export-RnnModel -Path "$TestDrive/independent.safetensors"
        $text = New-TextFile "$TestDrive/score.txt" 'abcdefgh abcdhgfe abc' | Import-LyricsCorpus
        $expected = Measure-PerplexityFromFile "$TestDrive/independent.safetensors" $text.Text
        [math]::Abs(($m | Measure-RnnPerplexity -Corpus $text).Perplexity - $expected) / $expected | Should -BeLessThan 1e-5
    }
    It 'keeps the best model by validation perplexity and stops after -Patience epochs without improvement' {
        $best = "$TestDrive/best.safetensors"
        # Learning the line forwards makes the same line backwards ever less likely, so patience runs out.
        $backwards = New-TextFile "$TestDrive/backwards.txt" (' hgfedcba' * 20) | Import-LyricsCorpus
        $m = $corpus | Start-RnnTraining @fast -Epochs 200 -ValidationCorpus $backwards -Patience 3 -BestModelPath $best
        $m.EpochsTrained | Should -BeLessThan 200
        $m.History[-1].StoppedBecause | Should -Match 'not improved for 3 epochs'
        $bestRecord = $m.History | Sort-Object ValidationPerplexity | Select-Object -First 1
        $m.History[-1].Epoch - $bestRecord.Epoch | Should -Be 3
        $saved = Import-RnnModel $best
        $saved.EpochsTrained | Should -Be $bestRecord.Epoch
        $saved.History[-1].ValidationPerplexity | Should -Be $bestRecord.ValidationPerplexity
    }
    It 'says by default when -Patience stops a run early, and the model says why' {
        $backwards = New-TextFile "$TestDrive/backwards2.txt" (' hgfedcba' * 20) | Import-LyricsCorpus
        $m = $corpus | Start-RnnTraining @fast -Epochs 200 -ValidationCorpus $backwards -Patience 2 -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -Match "Training stopped after epoch $($m.EpochsTrained): the validation perplexity has not improved for 2 epochs"
        $m.StoppedBecause | Should -Match 'not improved for 2 epochs'
    }
    It 'scores plain text with Measure-RnnPerplexity, and names a text too short to score' {
        $fromText = $model | Measure-RnnPerplexity 'abcdefgh abc'
        $fromCorpus = $model | Measure-RnnPerplexity (New-TextFile "$TestDrive/plain.txt" 'abcdefgh abc' | Import-LyricsCorpus)
        $fromText.Perplexity | Should -Be $fromCorpus.Perplexity
        $fromText.Characters | Should -Be 11
        { $model | Measure-RnnPerplexity 'a' -ErrorAction Stop } | Should -Throw -ErrorId 'TextTooShort*'
    }
    It 'asks for validation when -Patience or -BestModelPath is given without it' {
        { $corpus | Start-RnnTraining @fast -Epochs 1 -Patience 2 } | Should -Throw -ErrorId 'ValidationRequired*'
        { $corpus | Start-RnnTraining @fast -Epochs 1 -BestModelPath "$TestDrive/b.safetensors" } | Should -Throw -ErrorId 'ValidationRequired*'
        { $corpus | Start-RnnTraining @fast -Epochs 1 -ValidationFraction 0.6 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { $corpus | Start-RnnTraining @fast -Epochs 1 -ValidationFraction 0.001 } | Should -Throw -ErrorId 'ValidationTooShort*'
    }
    It 'names what Measure-RnnPerplexity cannot score' {
        $bad = New-TextFile "$TestDrive/bad2.txt" 'abq' | Import-LyricsCorpus
        $err = { $model | Measure-RnnPerplexity -Corpus $bad -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusOutOfVocabulary*' -PassThru
        $err.TargetObject | Should -Be 'q'
    }
}

Describe 'Measure-LyricsNovelty' {
    BeforeAll {
        $lyrics = New-TextFile "$TestDrive/lyrics.txt" '想要有直升机 想要和你飞到宇宙去 想要和你融化在一起 融化在宇宙里' | Import-LyricsCorpus
    }
    It 'finds a whole corpus substring as copied, with no novel n-grams' {
        $r = '和你飞到宇宙去' | Measure-LyricsNovelty -Corpus $lyrics
        $r.LongestCopied | Should -Be '和你飞到宇宙去'
        $r.LongestCopiedLength | Should -Be 7
        $r.NovelNGramFraction | Should -Be 0
    }
    It 'finds nothing copied in characters the corpus never has' {
        $r = 'abcdefg' | Measure-LyricsNovelty -Corpus $lyrics
        $r.LongestCopiedLength | Should -Be 0
        $r.LongestCopied | Should -Be ''
        $r.NovelNGramFraction | Should -Be 1
    }
    It 'measures a mix exactly and takes many texts from the pipeline' {
        $results = '我想要和你飞走', 'x融化在宇宙y' | Measure-LyricsNovelty -Corpus $lyrics -NGramLength 2
        $results.Count | Should -Be 2
        $results[0].LongestCopied | Should -Be '想要和你飞'
        # 2-grams of 我想要和你飞走: 我想 想要 要和 和你 你飞 飞走; new: 我想, 飞走.
        $results[0].NovelNGramFraction | Should -Be (2 / 6)
        $results[1].LongestCopied | Should -Be '融化在宇宙'
        $results[1].NGramLength | Should -Be 2
    }
    It 'gives no fraction for a text shorter than one n-gram' {
        ('想' | Measure-LyricsNovelty -Corpus $lyrics).NovelNGramFraction | Should -BeNullOrEmpty
    }
    It 'measures sampled lyrics from the pipeline, and the book''s 63,000 characters quickly' {
        $book = Import-LyricsCorpus -MaxChars 100000
        $book.Length | Should -BeGreaterThan 60000
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $texts = 1..20 | ForEach-Object { $book.Text.Substring($_ * 1000, 50) }
        $r = $texts | Measure-LyricsNovelty -Corpus $book
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        $r.LongestCopiedLength | Should -Be (@(50) * 20)
    }
}

Describe 'Predictions as objects, and reports on any corpus' {
    It 'writes objects that name the model, prefix and settings with -AsObject' {
        $model | Export-RnnModel -Path "$TestDrive/named.safetensors"
        $named = Import-RnnModel "$TestDrive/named.safetensors"
        $out = @($named | Get-RnnPrediction -Prefix ab, h -Length 5 -Temperature 0.7 -Seed 3 -Count 2 -AsObject)
        $out.Count | Should -Be 4
        $out[0].ModelPath | Should -Be "$TestDrive/named.safetensors"
        $out.Prefix | Should -Be @('ab', 'ab', 'h', 'h')
        $out.Sample | Should -Be @(1, 2, 1, 2)
        $out[0].Temperature | Should -Be 0.7
        $out[0].Seed | Should -Be 3
        $out.Text | Should -Be @($named | Get-RnnPrediction -Prefix ab, h -Length 5 -Temperature 0.7 -Seed 3 -Count 2)
        "$($out[0])" | Should -Be $out[0].Text
    }
    It 'reports samples from the corpus''s own first characters when it has none of the book''s prefixes' {
        $english = New-TextFile "$TestDrive/english.txt" ("the quick brown fox`n" * 60) | Import-LyricsCorpus
        $m = $english | Start-RnnTraining @fast -Epochs 2 -ReportEvery 2 -SampleLength 5 -InformationVariable info
        $m.History[-1].Samples | Should -HaveCount 1
        $m.History[-1].Samples[0] | Should -BeLike 'th*'
        $m.LastTraining.SamplePrefixes | Should -Be @('th')
    }
}

Describe 'Export-RnnTrainingChart' {
    It 'draws a valid PNG of training and validation perplexity' {
        $m = $corpus | Start-RnnTraining @fast -Epochs 5 -ValidationFraction 0.2
        $file = $m | Export-RnnTrainingChart -Path "$TestDrive/chart.png"
        $file.FullName | Should -Be "$TestDrive/chart.png"
        $bytes = [IO.File]::ReadAllBytes("$TestDrive/chart.png")
        $bytes.Length | Should -BeGreaterThan 5000
        $bytes[0..7] | Should -Be @(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        [BitConverter]::ToUInt32($bytes[19..16], 0) | Should -Be 800     # IHDR width, big-endian
        [BitConverter]::ToUInt32($bytes[23..20], 0) | Should -Be 500
    }
    It 'takes history records from the pipeline, a size, and skips non-finite values' {
        $history = @($model.History) + [PSCharRnn.Model.EpochRecord]::new(4, [double]::PositiveInfinity, 0.1, 'Random', [PSCharRnn.Model.SampleList]::new())
        $history | Export-RnnTrainingChart -Path "$TestDrive/history.png" -Width 400 -Height 300 | Out-Null
        $bytes = [IO.File]::ReadAllBytes("$TestDrive/history.png")
        [BitConverter]::ToUInt32($bytes[19..16], 0) | Should -Be 400
    }
    It 'honours -WhatIf, -NoClobber and -Force' {
        $model | Export-RnnTrainingChart -Path "$TestDrive/whatif.png" -WhatIf
        Test-Path "$TestDrive/whatif.png" | Should -BeFalse
        $model | Export-RnnTrainingChart -Path "$TestDrive/keep.png" | Out-Null
        { $model | Export-RnnTrainingChart -Path "$TestDrive/keep.png" -NoClobber } | Should -Throw -ErrorId 'ChartFileExists*'
        Set-ItemProperty "$TestDrive/keep.png" -Name IsReadOnly -Value $true
        { $model | Export-RnnTrainingChart -Path "$TestDrive/keep.png" } | Should -Throw -ErrorId 'ChartFileReadOnly*'
        $model | Export-RnnTrainingChart -Path "$TestDrive/keep.png" -Force | Out-Null
    }
    It 'writes the format its extension names, and refuses one it cannot write' {
        $model | Export-RnnTrainingChart -Path "$TestDrive/chart.jpg" | Out-Null
        ([IO.File]::ReadAllBytes("$TestDrive/chart.jpg"))[0..2] | Should -Be @(0xFF, 0xD8, 0xFF)
        $model | Export-RnnTrainingChart -Path "$TestDrive/chart.svg" | Out-Null
        Get-Content -Raw "$TestDrive/chart.svg" | Should -Match '<svg'
        $err = { $model | Export-RnnTrainingChart -Path "$TestDrive/chart.gif" } | Should -Throw -ErrorId 'ChartFormatUnknown*' -PassThru
        $err.Exception.Message | Should -Match '\.png'
        Test-Path "$TestDrive/chart.gif" | Should -BeFalse
    }
    It 'labels a narrow log axis, counts epochs in whole numbers, titles piped history, marks the best and the stop' {
        $backwards = New-TextFile "$TestDrive/backwards3.txt" (' hgfedcba' * 20) | Import-LyricsCorpus
        $m = $corpus | Start-RnnTraining @fast -Epochs 7 -ValidationCorpus $backwards -Patience 2 -WarningAction SilentlyContinue
        $m.History | Export-RnnTrainingChart -Path "$TestDrive/marks.svg" | Out-Null
        $svg = Get-Content -Raw "$TestDrive/marks.svg"
        $svg | Should -Match "PSCharRnn: epochs 1-$($m.EpochsTrained)"
        $svg | Should -Match 'best validation'
        $svg | Should -Match "stopped early at epoch $($m.EpochsTrained)"
        $svg | Should -Not -Match '>\d+\.5<' -Because 'epochs are whole numbers'
        $labels = [PSCharRnn.Reporting.TrainingChart]::LogLabels(8, 30)
        $labels.Count | Should -BeGreaterOrEqual 3 -Because 'a range within one decade still gets several labels'
        $labels | Should -Contain 10
        $labels | Should -Contain 20
        [PSCharRnn.Reporting.TrainingChart]::LogLabels(1.02, 1.3).Count | Should -BeGreaterOrEqual 3
    }
    It 'gives errors with ids for nothing to draw and a file it cannot write' {
        { New-RnnModel -Corpus $corpus -HiddenSize 4 | Export-RnnTrainingChart -Path "$TestDrive/empty.png" } | Should -Throw -ErrorId 'ChartHistoryEmpty*'
        { $model | Export-RnnTrainingChart -Path "$TestDrive/no/such/chart.png" } | Should -Throw -ErrorId 'ChartFileWriteFailed*'
    }
}

Describe 'Get-RnnPrediction rules a writer sets' {
    BeforeAll {
        $book = Import-LyricsCorpus
        $writer = $book | Start-RnnTraining -HiddenSize 64 -Optimizer Adam -Epochs 12 -Seed 2 -ThreadCount 1 -ReportEvery 0
    }
    It 'copies at most -MaxCopied characters in a row from -Corpus, greedy and sampled (<N>)' -ForEach @(@{ N = 4 }, @{ N = 6 }, @{ N = 10 }) {
        $texts = @($writer | Get-RnnPrediction -Prefix 分开, 不分开, 我想 -Length 60 -MaxCopied $N -Corpus $book) +
            @($writer | Get-RnnPrediction -Prefix 分开, 我想 -Length 60 -MaxCopied $N -Corpus $book -Temperature 0.8 -Seed 1 -Count 5)
        $texts.Count | Should -Be 13
        foreach ($result in $texts | Measure-LyricsNovelty -Corpus $book) {
            $result.LongestCopiedLength | Should -BeLessOrEqual $N -Because "'$($result.Text)' copies '$($result.LongestCopied)'"
        }
    }
    It 'keeps -MaxCopied on every beam of -BeamWidth, and writes the best distinct beams' {
        $beams = @($writer | Get-RnnPrediction -Prefix 分开 -Length 40 -BeamWidth 8 -Count 4 -MaxCopied 6 -Corpus $book)
        $beams.Count | Should -Be 4
        @($beams | Sort-Object -Unique).Count | Should -Be 4
        foreach ($result in $beams | Measure-LyricsNovelty -Corpus $book) { $result.LongestCopiedLength | Should -BeLessOrEqual 6 }
        $again = @($writer | Get-RnnPrediction -Prefix 分开 -Length 40 -BeamWidth 8 -Count 4 -MaxCopied 6 -Corpus $book)
        $again | Should -Be $beams -Because 'beam search is deterministic'
        { $writer | Get-RnnPrediction -Prefix 分开 -BeamWidth 4 -Temperature 0.8 } | Should -Throw -ErrorId 'BeamSamplingConflict*'
    }
    It 'copies more without it, so the check above can fail' {
        $greedy = $writer | Get-RnnPrediction -Prefix 分开, 不分开, 我想 -Length 60 | Measure-LyricsNovelty -Corpus $book
        ($greedy.LongestCopiedLength | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 6
    }
    It 'never writes an excluded character or word, nor repeats an n-gram with -NoRepeatNGram' {
        $texts = $writer | Get-RnnPrediction -Prefix 分开, 我想 -Length 80 -Exclude 我, 不要 -NoRepeatNGram 2 -Temperature 0.9 -Seed 4 -Count 3
        foreach ($text in $texts) {
            $text.Substring(2) | Should -Not -Match '我|不要'
            $grams = 0..($text.Length - 2) | ForEach-Object { $text.Substring($_, 2) }
            @($grams | Sort-Object -Unique -CaseSensitive).Count | Should -Be $grams.Count -Because $text
        }
    }
    It 'with -RepetitionPenalty repeats fewer characters than greedy decoding alone' {
        $plain = $writer | Get-RnnPrediction -Prefix 分开 -Length 60
        $penalised = $writer | Get-RnnPrediction -Prefix 分开 -Length 60 -RepetitionPenalty 1.5
        @($penalised.ToCharArray() | Sort-Object -Unique).Count | Should -BeGreaterThan @($plain.ToCharArray() | Sort-Object -Unique).Count
    }
    It 'names rules that cannot act, and says when the rules leave no character' {
        { $writer | Get-RnnPrediction -Prefix 分开 -MaxCopied 3 } | Should -Throw -ErrorId 'MaxCopiedNeedsCorpus*'
        $tiny = New-TextFile "$TestDrive/ab.txt" ('ab' * 50) | Import-LyricsCorpus
        $m = $tiny | Start-RnnTraining -HiddenSize 8 -NumSteps 9 -BatchSize 8 -Epochs 1 -ReportEvery 0
        $err = { $m | Get-RnnPrediction -Prefix a -Length 5 -NoRepeatNGram 1 -ErrorAction Stop } | Should -Throw -ErrorId 'DecodingRulesUnsatisfiable*' -PassThru
        $err.Exception.Message | Should -Match 'allow no character'
    }
}

Describe 'Get-RnnPrediction writes lines, acrostics' {
    BeforeAll {
        $book = Import-LyricsCorpus
        $poet = $book | Start-RnnTraining -HiddenSize 32 -Optimizer Adam -Epochs 3 -Seed 2 -ThreadCount 1 -ReportEvery 0
    }
    It 'writes -Lines lines of -LineLength characters (a range as typed: 5..9), joined by newlines' {
        foreach ($text in Invoke-Expression '$poet | Get-RnnPrediction -Prefix 分开 -Lines 4 -LineLength 5..9 -Temperature 0.8 -Seed 3 -Count 3') {
            $lines = $text -split "`n"
            $lines.Count | Should -Be 4
            foreach ($line in $lines) { $line.Length | Should -BeIn (5..9) -Because $text }
            $lines[0] | Should -BeLike '分开*'
        }
    }
    It 'starts line i with the i-th character of -Acrostic, the first from the prefix or the acrostic itself' {
        $text = $poet | Get-RnnPrediction -Acrostic 周杰伦 -LineLength 7
        $lines = $text -split "`n"
        $lines.Count | Should -Be 3
        ($lines | ForEach-Object { $_[0] }) -join '' | Should -Be '周杰伦'
        $lines | ForEach-Object { $_.Length | Should -Be 7 }
        ($poet | Get-RnnPrediction -Prefix 周你 -Acrostic 周杰伦 -LineLength 7) -split "`n" | Select-Object -First 1 | Should -BeLike '周你*'
    }
    It 'combines with -MaxCopied: a 4-line acrostic that copies at most 6 characters' {
        $text = $poet | Get-RnnPrediction -Acrostic 我想你爱 -LineLength 7 -MaxCopied 6 -Corpus $book
        ($text -split "`n").Count | Should -Be 4
        ($text -replace "`n", ' ' | Measure-LyricsNovelty -Corpus $book).LongestCopiedLength | Should -BeLessOrEqual 6
    }
    It 'writes a rhymed four-line acrostic with beams' {
        $text = $poet | Get-RnnPrediction -Acrostic 我想你爱 -LineLength 7 -BeamWidth 8 -MaxCopied 6 -Corpus $book -Rhyme
        $lines = $text -split "`n"
        ($lines | ForEach-Object { $_[0] }) -join '' | Should -Be '我想你爱'
        $lines | ForEach-Object { $_.Length | Should -Be 7 }
        @($lines | ForEach-Object { [PSCharRnn.Generation.RhymeTable]::GroupOf([string]$_[-1]) } | Sort-Object -Unique).Count | Should -Be 1
        ($text -replace "`n", ' ' | Measure-LyricsNovelty -Corpus $book).LongestCopiedLength | Should -BeLessOrEqual 6
    }
    It 'ends every line on one rhyme (十三辙): the first line''s with -Rhyme, a given character''s with -RhymeWith' {
        $group = { param($line) [PSCharRnn.Generation.RhymeTable]::GroupOf([string]$line[-1]) }
        $rhymed = $poet | Get-RnnPrediction -Prefix 分开 -Lines 4 -LineLength 7 -Rhyme -MaxCopied 6 -Corpus $book
        $lines = $rhymed -split "`n"
        $lines.Count | Should -Be 4
        @($lines | ForEach-Object { & $group $_ } | Sort-Object -Unique).Count | Should -Be 1 -Because $rhymed
        $with = $poet | Get-RnnPrediction -Acrostic 我想你爱 -LineLength 5 -RhymeWith 开 -Temperature 0.8 -Seed 5
        $with -split "`n" | ForEach-Object { & $group $_ | Should -Be '怀来' -Because $with }
        { $poet | Get-RnnPrediction -Prefix 分开 -Lines 2 -RhymeWith x } | Should -Throw -ErrorId 'RhymeUnknown*'
        { $poet | Get-RnnPrediction -Prefix 分开 -Lines 2 -Rhyme -RhymeWith 开 } | Should -Throw -ErrorId 'RhymeConflict*'
    }
    It 'names what it cannot write: an acrostic character the model lacks, a prefix that does not start it, conflicting -Lines' {
        $err = { $poet | Get-RnnPrediction -Acrostic 周Q伦 } | Should -Throw -ErrorId 'AcrosticOutOfVocabulary*' -PassThru
        $err.TargetObject | Should -Be 'Q'
        { $poet | Get-RnnPrediction -Prefix 分开 -Acrostic 周杰伦 } | Should -Throw -ErrorId 'AcrosticPrefixMismatch*'
        { $poet | Get-RnnPrediction -Acrostic 周杰伦 -Lines 2 } | Should -Throw -ErrorId 'AcrosticLinesConflict*'
        { $poet | Get-RnnPrediction } | Should -Throw -ErrorId 'PrefixRequired*'
        { $poet | Get-RnnPrediction -Prefix 分开 -Lines 3 -Length 4 -ErrorAction Stop } | Should -Throw -ErrorId 'LinesIncomplete*'
    }
}
