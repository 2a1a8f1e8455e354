using System.Management.Automation;
using PSCharRnn.Corpus;
using PSCharRnn.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace PSCharRnn.Generation;

/// <summary>The book's predict_rnn: feed the prefix, then append the most likely next character.</summary>
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

    public static string Predict(RnnModel model, string prefix, int length)
    {
        CheckPrefix(model.Vocabulary, prefix);
        var characters = LyricsCorpus.Characters(prefix);

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = new List<int>(characters.Length + length) { model.Vocabulary.IndexOf(characters[0]) };
        var state = model.InitialState(1);
        for (int t = 0; t < length + characters.Length - 1; t++)
        {
            // One time step through the same layers that training uses.
            (var logits, state) = model.Forward(tensor(new long[] { output[^1] }, new long[] { 1, 1 }, device: model.Device), state);
            output.Add(t < characters.Length - 1
                ? model.Vocabulary.IndexOf(characters[t + 1])
                : (int)logits.argmax(1).ToInt64());
        }
        return string.Concat(output.Select(i => model.Vocabulary[i]));
    }
}
