# Lyrics that are learned, not recited: recipes, the means to generalize, and fine-tuning on a user's own lyrics.
BeforeAll {
    Import-Module "$PSScriptRoot/../PSCharRnn.psd1" -Force
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $module = (Resolve-Path "$PSScriptRoot/../PSCharRnn.psd1").Path
    $recipes = (Resolve-Path "$PSScriptRoot/../PSCharRnn/Recipes").Path
    $corpus = New-RepetitiveCorpus
    $fast = @{ NumSteps = 9; BatchSize = 8; ReportEvery = 0; Seed = 2; ThreadCount = 1 }
    function Get-Weights($Model) { ($Model.NamedParameters | ForEach-Object { $_.Value.data[float]().ToArray() -join ',' }) -join ';' }
}

Describe 'Recipes: named settings kept as data' {
    It 'Book sets nothing: it trains exactly as the defaults do, and the model says which recipe it used' {
        (Import-PowerShellDataFile "$recipes/Book.psd1").Count | Should -Be 0
        $book = $corpus | Start-RnnTraining -Recipe Book -HiddenSize 8 -Epochs 2 @fast
        $plain = $corpus | Start-RnnTraining -HiddenSize 8 -Epochs 2 @fast
        $book.LastTraining.Recipe | Should -Be 'Book'
        Get-Weights $book | Should -Be (Get-Weights $plain)
    }

    It 'Lyrics sets every setting its file names, and explicit parameters win' {
        $settings = Import-PowerShellDataFile "$recipes/Lyrics.psd1"
        $settings.Count | Should -BeGreaterThan 5
        $model = $corpus | Start-RnnTraining -Recipe Lyrics -Epochs 1 -HiddenSize 12 -EmbeddingSize 12 @fast
        $model.LastTraining.Recipe | Should -Be 'Lyrics'
        $model.HiddenSize | Should -Be 12
        $model.Description.EmbeddingSize | Should -Be 12
        $model.EpochsTrained | Should -Be 1
        $model.LastTraining.NumSteps | Should -Be 9 -Because 'stated'
        foreach ($name in $settings.Keys | Where-Object { $_ -notin 'Epochs', 'HiddenSize', 'EmbeddingSize', 'NumSteps', 'BatchSize' }) {
            $actual = switch ($name) {
                'CellType' { $model.CellType }
                'NumLayers' { $model.NumLayers }
                'TieWeights' { $model.Description.TiedOutput }
                { $_ -like '*Dropout' } { ([PSCharRnn.Model.DropoutRates]::Kinds | Where-Object Item1 -EQ $name).Item3.Invoke($model.Dropouts) }
                'Optimizer' { $model.Optimizer.Kind }
                'LearningRateSchedule' { $model.LastTraining.Schedule }
                default { $model.LastTraining.$name }
            }
            "$actual" | Should -Be "$($settings[$name])" -Because $name
        }
    }

    It 'reads a recipe of the user''s own by path, as data that is never run' {
        New-TextFile "$TestDrive/mine.psd1" "@{ CellType = 'GRU'; HiddenSize = 10; Optimizer = 'AdamW'; WeightDecay = 0.05; LabelSmoothing = 0.1 }" | Out-Null
        $model = $corpus | Start-RnnTraining -Recipe "$TestDrive/mine.psd1" -Epochs 1 @fast
        $model.CellType | Should -Be 'GRU'
        $model.HiddenSize | Should -Be 10
        $model.Optimizer.Kind | Should -Be 'AdamW'
        $model.Optimizer.WeightDecay | Should -Be 0.05
        $model.LastTraining.LabelSmoothing | Should -Be 0.1
        New-TextFile "$TestDrive/script.psd1" "@{ Epochs = `$(Set-Content '$TestDrive/ran.txt' 'ran'; 3) }" | Out-Null
        { $corpus | Start-RnnTraining -Recipe "$TestDrive/script.psd1" @fast } | Should -Throw -ErrorId 'RecipeInvalid,*'
        "$TestDrive/ran.txt" | Should -Not -Exist
    }

    It 'refuses an unknown recipe, an unknown setting and a value out of range, naming each' {
        { $corpus | Start-RnnTraining -Recipe Poetry @fast } | Should -Throw -ErrorId 'RecipeNotFound,*'
        $err = { $corpus | Start-RnnTraining -Recipe Poetry @fast } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'Book, Lyrics'
        New-TextFile "$TestDrive/unknown.psd1" "@{ HiddenUnits = 10 }" | Out-Null
        $err = { $corpus | Start-RnnTraining -Recipe "$TestDrive/unknown.psd1" @fast } | Should -Throw -ErrorId 'RecipeInvalid,*' -PassThru
        $err.Exception.Message | Should -Match 'HiddenUnits'
        $err.TargetObject | Should -Be "$TestDrive/unknown.psd1"
        New-TextFile "$TestDrive/range.psd1" "@{ LabelSmoothing = 2 }" | Out-Null
        $err = { $corpus | Start-RnnTraining -Recipe "$TestDrive/range.psd1" @fast } | Should -Throw -ErrorId 'RecipeInvalid,*' -PassThru
        $err.Exception.Message | Should -Match 'LabelSmoothing = 2'
        New-TextFile "$TestDrive/file.psd1" "@{ CheckpointPath = './x.safetensors' }" | Out-Null
        { $corpus | Start-RnnTraining -Recipe "$TestDrive/file.psd1" @fast } | Should -Throw -ErrorId 'RecipeInvalid,*'
    }

    It 'lets a stated -ValidationCorpus take the place of the recipe''s -ValidationFraction' {
        $model = $corpus | Start-RnnTraining -Recipe Lyrics -ValidationCorpus $corpus -Epochs 1 -HiddenSize 8 -EmbeddingSize 8 @fast
        $model.LastTraining.ValidationFraction | Should -BeNullOrEmpty
        $model.History[-1].ValidationPerplexity | Should -BeGreaterThan 1
    }

    It 'keeps a model input''s structure and applies the recipe''s training settings to it' {
        $gru = $corpus | Start-RnnTraining -CellType GRU -HiddenSize 8 -Epochs 1 @fast
        $next = $gru | Start-RnnTraining -Recipe Lyrics -Epochs 1 -NumSteps 9 -BatchSize 8
        $next.CellType | Should -Be 'GRU'
        $next.HiddenSize | Should -Be 8
        $next.LastTraining.Recipe | Should -Be 'Lyrics'
        $next.LastTraining.LabelSmoothing | Should -Be (Import-PowerShellDataFile "$recipes/Lyrics.psd1").LabelSmoothing
    }
}

Describe 'The means to generalize, through the cmdlets and the model file' {
    It 'trains with an embedding, input and output dropout, AdamW, label smoothing and a cosine schedule, and a file keeps them all' {
        $model = $corpus | Start-RnnTraining -CellType LSTM -HiddenSize 8 -EmbeddingSize 5 -InputDropout 0.1 -OutputDropout 0.3 -Optimizer AdamW `
            -WeightDecay 0.01 -LearningRate 0.01 -LabelSmoothing 0.1 -LearningRateSchedule Cosine -Epochs 3 @fast
        $model.NamedParameters.Name | Should -Contain 'embedding'
        $model.GetParameter('layers.0.W_xi').shape | Should -Be @(5, 8)
        "$model" | Should -Match 'embedding 5'
        $cosine = 0..2 | ForEach-Object { 0.001 + 0.009 * (1 + [math]::Cos([math]::PI * $_ / 3)) / 2 }
        $model.History.LearningRate | ForEach-Object { [math]::Round($_, 12) } | Should -Be ($cosine | ForEach-Object { [math]::Round($_, 12) })
        $model | Export-RnnModel -Path "$TestDrive/general.safetensors"
        $loaded = Import-RnnModel "$TestDrive/general.safetensors"
        $loaded.Description.EmbeddingSize | Should -Be 5
        $loaded.Dropouts.Input | Should -Be 0.1
        $loaded.Dropouts.Output | Should -Be 0.3
        $loaded.Optimizer.Kind | Should -Be 'AdamW'
        $loaded.Optimizer.WeightDecay | Should -Be 0.01
        $loaded.Optimizer.StepCount | Should -Be $model.Optimizer.StepCount
        $loaded.LastTraining.LabelSmoothing | Should -Be 0.1
        $loaded.LastTraining.Schedule | Should -Be 'Cosine'
        $loaded | Get-RnnPrediction -Prefix ab -Length 10 | Should -Be ($model | Get-RnnPrediction -Prefix ab -Length 10)
    }

    It 'reports the plain perplexity under label smoothing, which smoothing raises' {
        $plain = $corpus | Start-RnnTraining -HiddenSize 16 -Optimizer Adam -Epochs 20 @fast
        $smoothed = $corpus | Start-RnnTraining -HiddenSize 16 -Optimizer Adam -Epochs 20 -LabelSmoothing 0.3 @fast
        $plain.Perplexity | Should -BeLessThan 1.2
        $smoothed.Perplexity | Should -BeGreaterThan $plain.Perplexity -Because 'a smoothed model keeps mass on every character'
        ($smoothed | Measure-RnnPerplexity -Corpus $corpus).Perplexity | Should -BeLessThan 2
    }

    It 'resumes a killed cosine schedule at the rates and perplexities of an uninterrupted run' {
        $folder = New-Item -ItemType Directory "$TestDrive/cosine"
        $settings = "-CellType GRU -HiddenSize 16 -Optimizer Adam -LearningRate 0.01 -LearningRateSchedule Cosine -NumSteps 9 -BatchSize 8 -Seed 4 -ThreadCount 2 -ReportEvery 0"
        Stop-AfterFile (Start-ChildPwsh "Import-Module '$module'; Set-Location '$folder'; Import-LyricsCorpus -MaxChars 3000 | Start-RnnTraining $settings -Epochs 20 -CheckpointPath ./model.safetensors -CheckpointEvery 1") "$folder/model.safetensors"
        $killed = Import-RnnModel "$folder/model.safetensors"
        $killedAt = $killed.EpochsTrained
        $killedAt | Should -BeLessThan 18
        $resumed = $killed | Start-RnnTraining -Corpus (Import-LyricsCorpus -MaxChars 3000) -Epochs 2
        $uninterrupted = Invoke-Expression "Import-LyricsCorpus -MaxChars 3000 | Start-RnnTraining $settings -Epochs 20"
        $resumed.History.LearningRate | Should -Be ($uninterrupted.History.LearningRate | Select-Object -First ($killedAt + 2))
        $resumed.History.Perplexity | Should -Be ($uninterrupted.History.Perplexity | Select-Object -First ($killedAt + 2))
    }
}

Describe 'Fine-tuning on your own lyrics' {
    BeforeAll {
        $base = $corpus | Start-RnnTraining -CellType GRU -HiddenSize 12 -EmbeddingSize 6 -Optimizer Adam -Epochs 2 @fast
        $mine = New-TextFile "$TestDrive/mine.txt" ("abcxyz`n" * 60) | Import-LyricsCorpus
    }

    It 'names the characters the model lacks and the switch that adds them' {
        $err = { $base | Start-RnnTraining -Corpus $mine -Epochs 1 } | Should -Throw -ErrorId 'CorpusOutOfVocabulary,*' -PassThru
        $err.Exception.Message | Should -Match 'x y z'
        $err.Exception.Message | Should -Match '-ExtendVocabulary'
        $err.TargetObject | Should -Be 'xyz'
    }

    It 'extends the vocabulary, keeps the base model as it was, and trains on the new text' {
        $tuned = $base | Start-RnnTraining -Corpus $mine -ExtendVocabulary -Epochs 3 -Verbose 4>&1 |
            Tee-Object -Variable output | Where-Object { $_ -is [PSCharRnn.Model.RnnModel] }
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'by 3 characters to 12'
        $tuned.VocabularySize | Should -Be 12
        $base.VocabularySize | Should -Be 9
        $base.EpochsTrained | Should -Be 2
        $tuned.EpochsTrained | Should -Be 5
        $tuned.Optimizer.StepCount | Should -BeGreaterThan $base.Optimizer.StepCount
        $tuned | Get-RnnPrediction -Prefix x -Length 5 | Should -Match '^x'
        $tuned | Export-RnnModel -Path "$TestDrive/tuned.safetensors"
        (Import-RnnModel "$TestDrive/tuned.safetensors").Vocabulary | Should -Contain 'z'
    }
}

Describe 'Is the network better than counting? Measure-RnnPerplexity -Baseline' {
    It 'scores the held-out end with the model and with a 5-gram of the text the model trained on' {
        $book = Import-LyricsCorpus
        $model = $book | Start-RnnTraining -CellType GRU -HiddenSize 16 -Optimizer Adam -Epochs 1 -ValidationFraction 0.1 @fast
        $result = $model | Measure-RnnPerplexity -HeldOut -Baseline
        $result.Perplexity | Should -Be $model.History[-1].ValidationPerplexity -Because 'the held-out text is the one validation scored'
        $result.Characters | Should -Be 999
        $result.BaselinePerplexity | Should -BeGreaterThan 115.3
        $result.BaselinePerplexity | Should -BeLessThan 115.4 -Because 'the issue measured 115 for this split'
        $result.BaselineRatio | Should -Be ($result.Perplexity / $result.BaselinePerplexity)
        $result | Format-Table | Out-String | Should -Match '5-gram'
        $text = $model | Measure-RnnPerplexity '我想你' -Baseline
        $text.BaselinePerplexity | Should -BeGreaterThan 1
    }

    It 'needs the training text for a model loaded from a file, and says so' {
        $model = $corpus | Start-RnnTraining -HiddenSize 8 -Epochs 1 @fast
        $model | Export-RnnModel -Path "$TestDrive/counted.safetensors"
        $loaded = Import-RnnModel "$TestDrive/counted.safetensors"
        { $loaded | Measure-RnnPerplexity 'abcabc' -Baseline -ErrorAction Stop } | Should -Throw -ErrorId 'BaselineNeedsTrainingText,*'
        { $loaded | Measure-RnnPerplexity -HeldOut -ErrorAction Stop } | Should -Throw -ErrorId 'CorpusRequired,*'
        { $model | Measure-RnnPerplexity -HeldOut -ErrorAction Stop } | Should -Throw -ErrorId 'NothingHeldOut,*'
        ($loaded | Measure-RnnPerplexity 'abcdefgh abcdefgh' -Baseline -TrainingCorpus $corpus).BaselinePerplexity | Should -BeLessThan 1.5
    }
}
