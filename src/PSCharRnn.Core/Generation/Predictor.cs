using PSCharRnn.Corpus;
using PSCharRnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Generation;

/// <summary>The book's predict_rnn: feed the prefix, then append characters chosen from each step's output.</summary>
public static class Predictor
{
    /// <summary>Throws PrefixEmpty or PrefixOutOfVocabulary (listing the characters) unless the model can continue the prefix.</summary>
    public static void CheckPrefix(Vocabulary vocabulary, string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
            throw new PSCharRnnException("PrefixEmpty", ErrorKind.InvalidArgument, prefix,
                "The prefix is empty: give at least one character to start from.");
        var missing = vocabulary.Missing(prefix);
        if (missing.Count > 0)
            throw new PSCharRnnException("PrefixOutOfVocabulary", ErrorKind.InvalidArgument, prefix,
                $"The prefix '{prefix}' has characters the model's vocabulary lacks: {string.Join(" ", missing.Select(c => $"'{c}'"))}.");
    }

    /// <summary>The book's greedy decoding: the most likely character, <paramref name="length"/> times.</summary>
    public static string Predict(RnnModel model, string prefix, int length) =>
        Predict(model, prefix, length, new NextCharacter(SamplingOptions.Greedy));

    /// <summary>
    /// Continues <paramref name="prefix"/>; <paramref name="next"/> chooses each character (and keeps its random stream
    /// between calls) among those <paramref name="rules"/> allow.
    /// </summary>
    public static string Predict(RnnModel model, string prefix, int length, NextCharacter next, DecodingRules? rules = null)
    {
        CheckPrefix(model.Vocabulary, prefix);
        var characters = LyricsCorpus.Characters(prefix);
        var guard = (rules ?? DecodingRules.None).Start(model.Vocabulary);

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = new List<int>(characters.Length + length) { model.Vocabulary.IndexOf(characters[0]) };
        guard.Accept(output[0]);
        var state = model.InitialState(1);
        int generated = 0;
        // With lines to write, -Length is a cap: the sample ends when its last line does.
        for (int t = 0; t < characters.Length - 1 || (generated < length && !guard.Finished); t++)
        {
            var (logits, nextState) = Step(model, output[^1], state);
            state = nextState;
            int chosen;
            if (t < characters.Length - 1)
                chosen = model.Vocabulary.IndexOf(characters[t + 1]);
            else
            {
                guard.Filter(logits);
                chosen = next.Choose(logits);
                if (float.IsNegativeInfinity(logits[chosen])) throw Unsatisfiable(model, prefix, output, guard);
                generated++;
            }
            output.Add(chosen);
            guard.Accept(chosen);
        }
        CheckFinished(rules, guard, length);
        return Text(model, output, rules);
    }

    /// <summary>One time step through the same layers that training uses: the logits after <paramref name="index"/>, and the state.</summary>
    internal static (float[] Logits, RecurrentState State) Step(RnnModel model, int index, RecurrentState state)
    {
        using var step = NewDisposeScope();
        var (logits, next) = model.Forward(tensor(new long[] { index }, new long[] { 1, 1 }, device: model.Device), state);
        return (logits.to(ScalarType.Float32).cpu().data<float>().ToArray(), next.MoveToOuterDisposeScope());
    }

    internal static PSCharRnnException Unsatisfiable(RnnModel model, string prefix, IEnumerable<int> output, SampleGuard guard) =>
        new("DecodingRulesUnsatisfiable", ErrorKind.InvalidResult, prefix,
            $"After '{string.Concat(output.Select(i => model.Vocabulary[i]))}' the decoding rules allow no character: {guard.Reason}. " +
            "Loosen -MaxCopied, -NoRepeatNGram, -Exclude or the line lengths.");

    internal static void CheckFinished(DecodingRules? rules, SampleGuard guard, int length)
    {
        if ((rules ?? DecodingRules.None).LineCount is int lines && !guard.Finished)
            throw new PSCharRnnException("LinesIncomplete", ErrorKind.LimitsExceeded, length,
                $"{length} characters made only {guard.Line - 1} of {lines} lines: give a larger -Length, or a -LineLength with a maximum.");
    }

    /// <summary>The output as text; with a form, its lines joined by newlines.</summary>
    internal static string Text(RnnModel model, IEnumerable<int> output, DecodingRules? rules)
    {
        string text = string.Concat(output.Select(i => model.Vocabulary[i]));
        return rules?.HasForm == true ? text.TrimEnd(' ').Replace(DecodingRules.LineSeparator, "\n") : text;
    }
}
