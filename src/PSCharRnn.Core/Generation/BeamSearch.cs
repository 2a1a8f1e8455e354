using PSCharRnn.Corpus;
using PSCharRnn.Model;
using static TorchSharp.torch;

namespace PSCharRnn.Generation;

/// <summary>
/// Beam search over characters: keeps the <c>width</c> continuations with the best length-normalised log-probability
/// (the mean over generated characters, so short beams are not favoured), each with its own copy of the decoding
/// rules' state, so every rule holds on every beam. Deterministic.
/// </summary>
public static class BeamSearch
{
    private sealed record Beam(List<int> Output, SampleGuard Guard, RecurrentState State, double LogProbability, int Generated, bool Done)
    {
        public double Score => Generated == 0 ? 0 : LogProbability / Generated;
    }

    /// <summary>The best <paramref name="count"/> distinct continuations of <paramref name="prefix"/>, best first.</summary>
    public static IReadOnlyList<string> Predict(RnnModel model, string prefix, int length, int width, int count, DecodingRules? rules = null)
    {
        Predictor.CheckPrefix(model.Vocabulary, prefix);
        var characters = LyricsCorpus.Characters(prefix).Select(model.Vocabulary.IndexOf).ToList();
        var guard = (rules ?? DecodingRules.None).Start(model.Vocabulary);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var state = model.InitialState(1);
        float[] logits = Array.Empty<float>();
        foreach (int c in characters)
        {
            guard.Accept(c);
            (logits, state) = Predictor.Step(model, c, state);
        }
        var beams = new List<(Beam Beam, float[] Logits)> { (new Beam(characters, guard, state, 0, 0, guard.Finished || length == 0), logits) };
        while (beams.Any(b => !b.Beam.Done))
        {
            var candidates = new List<(Beam Parent, int Next, double LogProbability)>();
            foreach (var (beam, scores) in beams.Where(b => !b.Beam.Done))
            {
                var allowed = (float[])scores.Clone();
                beam.Guard.Filter(allowed);
                if (float.IsNegativeInfinity(allowed.Max())) continue;      // the rules leave this beam nothing
                var logProbabilities = LogSoftmax(allowed);
                foreach (int c in Enumerable.Range(0, allowed.Length).Where(i => !double.IsNegativeInfinity(logProbabilities[i]))
                             .OrderByDescending(i => logProbabilities[i]).Take(width))
                    candidates.Add((beam, c, beam.LogProbability + logProbabilities[c]));
            }
            var finished = beams.Where(b => b.Beam.Done).ToList();
            if (candidates.Count == 0 && finished.Count == 0)
            {
                var stuck = beams[0].Beam;
                throw Predictor.Unsatisfiable(model, prefix, stuck.Output, stuck.Guard);
            }
            var next = new List<(Beam, float[])>(finished);
            foreach (var (parent, c, logProbability) in candidates.OrderByDescending(x => x.LogProbability / (x.Parent.Generated + 1)).Take(width))
            {
                var childGuard = parent.Guard.Clone();
                childGuard.Accept(c);
                var (childLogits, childState) = Predictor.Step(model, c, parent.State);
                int generated = parent.Generated + 1;
                next.Add((new Beam(new List<int>(parent.Output) { c }, childGuard, childState, logProbability, generated, childGuard.Finished || generated == length), childLogits));
            }
            beams = next.OrderByDescending(b => b.Item1.Score).Take(width).ToList();
        }
        var best = beams.Select(b => b.Beam).OrderByDescending(b => b.Score).ToList();
        Predictor.CheckFinished(rules, best[0].Guard, length);
        return best.Where(b => (rules ?? DecodingRules.None).LineCount is null || b.Guard.Finished)
            .Select(b => Predictor.Text(model, b.Output, rules)).Distinct().Take(count).ToList();
    }

    private static double[] LogSoftmax(float[] logits)
    {
        double max = logits.Max();
        double sum = logits.Sum(v => Math.Exp(v - max));
        double log = max + Math.Log(sum);
        return logits.Select(v => v - log).ToArray();
    }
}
