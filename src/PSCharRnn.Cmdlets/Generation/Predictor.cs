using System.Management.Automation;
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
            throw new PSCharRnnException("PrefixEmpty", ErrorCategory.InvalidArgument, prefix,
                "The prefix is empty: give at least one character to start from.");
        var missing = vocabulary.Missing(prefix);
        if (missing.Count > 0)
            throw new PSCharRnnException("PrefixOutOfVocabulary", ErrorCategory.InvalidArgument, prefix,
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
            using var step = NewDisposeScope();
            // One time step through the same layers that training uses.
            var (logits, nextState) = model.Forward(tensor(new long[] { output[^1] }, new long[] { 1, 1 }, device: model.Device), state);
            state = nextState.MoveToOuterDisposeScope();
            int chosen;
            if (t < characters.Length - 1)
                chosen = model.Vocabulary.IndexOf(characters[t + 1]);
            else
            {
                var scores = logits.to(ScalarType.Float32).cpu().data<float>().ToArray();
                guard.Filter(scores);
                chosen = next.Choose(scores);
                if (float.IsNegativeInfinity(scores[chosen]))
                    throw new PSCharRnnException("DecodingRulesUnsatisfiable", ErrorCategory.InvalidResult, prefix,
                        $"After '{string.Concat(output.Select(i => model.Vocabulary[i]))}' the decoding rules allow no character: {guard.Reason}. " +
                        "Loosen -MaxCopied, -NoRepeatNGram, -Exclude or the line lengths.");
                generated++;
            }
            output.Add(chosen);
            guard.Accept(chosen);
        }
        if ((rules ?? DecodingRules.None).LineCount is int lines && !guard.Finished)
            throw new PSCharRnnException("LinesIncomplete", ErrorCategory.LimitsExceeded, length,
                $"{length} characters made only {guard.Line - 1} of {lines} lines: give a larger -Length, or a -LineLength with a maximum.");
        string text = string.Concat(output.Select(i => model.Vocabulary[i]));
        return rules?.HasForm == true ? text.TrimEnd(' ').Replace(DecodingRules.LineSeparator, "\n") : text;
    }
}
