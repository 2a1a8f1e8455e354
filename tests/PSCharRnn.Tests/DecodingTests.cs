using PSCharRnn.Corpus;
using PSCharRnn.Generation;
using Xunit;

namespace PSCharRnn.Tests;

/// <summary>The decoding rules, driven without PowerShell: each proven on many samples, the copy guard by brute force.</summary>
public class DecodingTests
{
    private const string Alphabet = "abcdefg ";

    private static string RandomText(Random random, int length) =>
        new(Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());

    // The longest run of text that ends at or after position 'from' (so holds a generated character) and occurs in corpus.
    private static int LongestCopiedFrom(string corpus, string text, int from)
    {
        int best = 0;
        for (int i = 0; i < text.Length; i++)
            for (int j = Math.Max(i + 1, from + 1); j <= text.Length; j++)
                if (j - i > best && corpus.Contains(text[i..j], StringComparison.Ordinal)) best = j - i;
        return best;
    }

    // A random walk under the rules, as a model with random logits would take it (greedy or sampled alike): length
    // characters, or with null until the rules say the sample is finished (asserting the rules never leave nothing).
    private static string Generate(DecodingRules rules, Vocabulary vocabulary, string prefix, int? length, Random random)
    {
        var guard = rules.Start(vocabulary);
        var text = new System.Text.StringBuilder(prefix);
        foreach (var c in LyricsCorpus.Characters(prefix)) guard.Accept(vocabulary.IndexOf(c));
        for (int t = 0; length is null ? !guard.Finished : t < length; t++)
        {
            var logits = Enumerable.Range(0, vocabulary.Count).Select(_ => (float)(random.NextDouble() * 4)).ToArray();
            guard.Filter(logits);
            var allowed = Enumerable.Range(0, logits.Length).Where(i => !float.IsNegativeInfinity(logits[i])).ToList();
            if (allowed.Count == 0)
            {
                Assert.True(length is not null, $"the rules left no character after '{text}'");
                break;
            }
            int chosen = allowed.MaxBy(i => logits[i]);
            guard.Accept(chosen);
            text.Append(vocabulary[chosen]);
            Assert.True(text.Length < 5000);
        }
        return text.ToString();
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(10)]
    public void NoGeneratedRunLongerThanMaxCopiedOccursInTheCorpus(int maxCopied)
    {
        var random = new Random(maxCopied);
        string corpus = RandomText(random, 3000);
        var vocabulary = new Vocabulary(Alphabet.Select(c => c.ToString()));
        var rules = new DecodingRules { MaxCopied = maxCopied, Avoid = new SuffixAutomaton(corpus.Select(c => (int)c)) }.Validate();
        for (int trial = 0; trial < 40; trial++)
        {
            // A prefix straight from the corpus: its own run is allowed, but no generated character may extend it.
            string prefix = corpus.Substring(random.Next(2900), 1 + random.Next(12));
            string text = Generate(rules, vocabulary, prefix, 40, random);
            Assert.Equal(prefix.Length + 40, text.Length);
            Assert.True(LongestCopiedFrom(corpus, text, prefix.Length) <= maxCopied, $"'{text}' copies more than {maxCopied}");
        }
    }

    [Fact]
    public void WithoutRulesTheSameWalkCopiesLongerRuns()
    {
        // The check above can fail: the same walk unguarded copies runs longer than 4 from so dense a corpus.
        var random = new Random(4);
        string corpus = RandomText(random, 3000);
        var vocabulary = new Vocabulary(Alphabet.Select(c => c.ToString()));
        string text = Generate(DecodingRules.None, vocabulary, "a", 200, random);
        Assert.True(LongestCopiedFrom(corpus, text, 1) > 4);
    }

    [Fact]
    public void NoNGramRepeatsWithinASample()
    {
        var vocabulary = new Vocabulary(Alphabet.Select(c => c.ToString()));
        var random = new Random(3);
        for (int trial = 0; trial < 40; trial++)
        {
            string text = Generate(new DecodingRules { NoRepeatNGram = 3 }, vocabulary, "ab", 30, random);
            var grams = Enumerable.Range(0, text.Length - 2).Select(i => text.Substring(i, 3)).ToList();
            Assert.Equal(grams.Count, grams.Distinct().Count());
        }
    }

    [Fact]
    public void ExcludedCharactersAndWordsNeverAppear()
    {
        var vocabulary = new Vocabulary(Alphabet.Select(c => c.ToString()));
        var random = new Random(2);
        var rules = new DecodingRules { Exclude = new[] { "d", "ab", "xyz" } };
        for (int trial = 0; trial < 40; trial++)
        {
            string text = Generate(rules, vocabulary, "c", 60, random);
            Assert.DoesNotContain("d", text);
            Assert.DoesNotContain("ab", text);
        }
    }

    [Fact]
    public void TheRepetitionPenaltyNeverRaisesALogit()
    {
        var vocabulary = new Vocabulary(Alphabet.Select(c => c.ToString()));
        var guard = new DecodingRules { RepetitionPenalty = 2 }.Start(vocabulary);
        guard.Accept(vocabulary.IndexOf("a"));
        guard.Accept(vocabulary.IndexOf("b"));
        var logits = new float[] { 1, 1, 1, 1, 1 };
        int a = vocabulary.IndexOf("a"), b = vocabulary.IndexOf("b"), c = vocabulary.IndexOf("c");
        logits[a] = 3;
        logits[b] = -3;
        guard.Filter(logits);
        Assert.Equal(1.5f, logits[a]);
        Assert.Equal(-6f, logits[b]);
        Assert.Equal(1f, logits[c]);
    }

    [Fact]
    public void LinesHaveTheirLengthsAndAcrosticStartsAndTheSampleEndsWithTheLastLine()
    {
        var vocabulary = new Vocabulary(Alphabet.Select(c => c.ToString()));
        var random = new Random(6);
        var rules = new DecodingRules { MinLineLength = 3, MaxLineLength = 5, Acrostic = new[] { "a", "g", "c" } }.Validate();
        for (int trial = 0; trial < 40; trial++)
        {
            string text = Generate(rules, vocabulary, "a", null, random);
            var lines = text.TrimEnd(' ').Split(' ');
            Assert.Equal(new[] { 'a', 'g', 'c' }, lines.Select(l => l[0]));
            Assert.All(lines, l => Assert.InRange(l.Length, 3, 5));
        }
    }

    [Theory]
    [InlineData("怀来", "开来爱在带")]
    [InlineData("中东", "风中东梦空")]
    [InlineData("江阳", "光想方唱旁")]
    [InlineData("一七", "你里气去曲")]
    [InlineData("言前", "天边远前转")]
    [InlineData("梭波", "我过说的落")]
    [InlineData("乜斜", "月别学夜写")]
    public void TheRhymeTableGroupsCharactersAsSongLyricsRhyme(string group, string characters)
    {
        foreach (var c in characters) Assert.Equal(group, RhymeTable.GroupOf(c.ToString()));
        Assert.Equal(13, RhymeTable.Groups.Count);
        Assert.Null(RhymeTable.GroupOf("a"));
    }

    [Fact]
    public void EveryLineEndsOnTheRhyme()
    {
        var vocabulary = new Vocabulary("开来爱在带风中东我你的 ".Select(c => c.ToString()));
        var random = new Random(8);
        foreach (var rules in new[] { new DecodingRules { Lines = 4, RhymeWith = "开" }, new DecodingRules { Lines = 4, Rhyme = true, MaxLineLength = 5 } })
            for (int trial = 0; trial < 30; trial++)
            {
                string text = Generate(rules.Validate(), vocabulary, "你", null, random);
                var ends = text.TrimEnd(' ').Split(' ').Select(l => RhymeTable.GroupOf(l[^1].ToString())).ToList();
                Assert.Equal(4, ends.Count);
                Assert.All(ends, g => Assert.Equal(rules.RhymeWith is null ? ends[0] : "怀来", g));
                Assert.NotNull(ends[0]);
            }
    }

    [Fact]
    public void RulesThatCannotActAreErrors()
    {
        Assert.Equal("MaxCopiedNeedsCorpus", Assert.Throws<PSCharRnnException>(() => new DecodingRules { MaxCopied = 3 }.Validate()).ErrorId);
        Assert.Equal("RepetitionPenaltyOutOfRange", Assert.Throws<PSCharRnnException>(() => new DecodingRules { RepetitionPenalty = 0.5 }.Validate()).ErrorId);
    }
}

/// <summary>Beam search on a small trained-from-nothing model: the same rules hold on every beam.</summary>
public class BeamSearchTests
{
    private static readonly string Corpus = string.Concat(Enumerable.Repeat("abcdefg abcdef abcde ", 20));

    [Fact]
    public void OneBeamIsGreedyDecoding()
    {
        using var model = Tiny.Model(8, 16, seed: 3, scale: 30);
        var beam = BeamSearch.Predict(model, "a", 30, width: 1, count: 1);
        Assert.Equal(Predictor.Predict(model, "a", 30), Assert.Single(beam));
    }

    [Fact]
    public void BeamsAreDeterministicDistinctAndObeyTheRules()
    {
        using var model = Tiny.Model(8, 16, seed: 4, scale: 30);
        var rules = new DecodingRules { MaxCopied = 3, Avoid = new SuffixAutomaton(Corpus.Select(c => (int)c)), NoRepeatNGram = 4 }.Validate();
        var first = BeamSearch.Predict(model, "ab", 25, width: 6, count: 4, rules);
        Assert.Equal(first, BeamSearch.Predict(model, "ab", 25, width: 6, count: 4, rules));
        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.True(first.Count > 1);
        var index = new NoveltyIndex(Corpus, 4);
        foreach (var text in first)
        {
            Assert.Equal(27, text.Length);
            // The prefix "ab" is itself copied; no longer run may occur.
            Assert.True(index.Measure(text).LongestCopiedLength <= 3, text);
            var grams = Enumerable.Range(0, text.Length - 3).Select(i => text.Substring(i, 4)).ToList();
            Assert.Equal(grams.Count, grams.Distinct().Count());
        }
    }
}
