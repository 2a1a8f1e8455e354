using System.Globalization;
using PSCharRnn.Model;
using ScottPlot;

namespace PSCharRnn.Reporting;

/// <summary>
/// Perplexity per epoch, training and validation, on a logarithmic axis, drawn by ScottPlot, with the best validation
/// epoch and an early stop marked. The chart's own text is ASCII: a fresh Linux has no CJK font, and Chinese would
/// draw as empty boxes.
/// </summary>
public static class TrainingChart
{
    /// <summary>The picture formats by file extension; anything else is refused rather than written under a wrong name.</summary>
    public static readonly IReadOnlyDictionary<string, ImageFormat> Formats = new Dictionary<string, ImageFormat>(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = ImageFormat.Png, [".jpg"] = ImageFormat.Jpeg, [".jpeg"] = ImageFormat.Jpeg,
        [".bmp"] = ImageFormat.Bmp, [".webp"] = ImageFormat.Webp, [".svg"] = ImageFormat.Svg,
    };

    /// <summary>The format <paramref name="path"/>'s extension names, or the error ChartFormatUnknown.</summary>
    public static ImageFormat FormatOf(string path) =>
        Formats.TryGetValue(Path.GetExtension(path), out var format) ? format
            : throw new PSCharRnnException("ChartFormatUnknown", ErrorKind.InvalidArgument, path,
                $"'{path}' does not end in a picture format the chart can be written as: {string.Join(", ", Formats.Keys)}.");

    public static byte[] Render(IReadOnlyList<EpochRecord> history, string title, int width, int height, ImageFormat format)
    {
        var plot = new Plot();
        var values = Add(plot, history, r => r.Perplexity, "training")
            .Concat(Add(plot, history, r => r.ValidationPerplexity, "validation")).ToList();
        MarkEpochs(plot, history);
        if (values.Count > 0) plot.Axes.Left.TickGenerator = LogTicks(values.Min(), values.Max());
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("perplexity (log scale)");
        // Below the plot, where it covers no point.
        plot.ShowLegend(Edge.Bottom);
        return format == ImageFormat.Svg
            ? System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(width, height))
            : plot.GetImageBytes(width, height, format);
    }

    // The perplexities plotted, as their values (a diverged epoch's NaN or infinity has no place on a log axis).
    private static IEnumerable<double> Add(Plot plot, IReadOnlyList<EpochRecord> history, Func<EpochRecord, double?> value, string label)
    {
        var points = history.Select(r => (r.Epoch, Value: value(r)))
            .Where(p => p.Value is double v && double.IsFinite(v) && v > 0).ToList();
        if (points.Count == 0) return Array.Empty<double>();
        var line = plot.Add.Scatter(points.Select(p => (double)p.Epoch).ToArray(), points.Select(p => Math.Log10(p.Value!.Value)).ToArray());
        line.LegendText = label;
        line.MarkerSize = points.Count > 60 ? 0 : 4;
        line.LineWidth = 2;
        return points.Select(p => p.Value!.Value);
    }

    private static void MarkEpochs(Plot plot, IReadOnlyList<EpochRecord> history)
    {
        var best = history.Where(r => r.ValidationPerplexity is double v && double.IsFinite(v)).MinBy(r => r.ValidationPerplexity);
        if (best is not null)
        {
            var line = plot.Add.VerticalLine(best.Epoch, 1, Colors.Green, LinePattern.Dashed);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"best validation: {best.ValidationPerplexity:G4} at epoch {best.Epoch}");
        }
        if (history.Count > 0 && history[^1].StoppedBecause is not null)
        {
            var line = plot.Add.VerticalLine(history[^1].Epoch, 1, Colors.Red, LinePattern.Dotted);
            line.LegendText = $"stopped early at epoch {history[^1].Epoch}";
        }
    }

    /// <summary>
    /// The labelled perplexities of the log axis: 1, 2 and 5 times the powers of ten over the plotted range (1 to 9
    /// times when that gives fewer than three, and five even steps when even that does), so a narrow range gets
    /// labels too.
    /// </summary>
    public static IReadOnlyList<double> LogLabels(double min, double max)
    {
        int first = (int)Math.Floor(Math.Log10(min)), last = (int)Math.Ceiling(Math.Log10(max));
        double low = min / 1.15, high = max * 1.15;
        List<double> Majors(IEnumerable<int> multipliers) =>
            Enumerable.Range(first, last - first + 1).SelectMany(k => multipliers.Select(m => m * Math.Pow(10, k)))
                .Where(v => v >= low && v <= high).ToList();
        var majors = Majors(new[] { 1, 2, 5 });
        if (majors.Count < 3) majors = Majors(Enumerable.Range(1, 9));
        if (majors.Count < 3)
            majors = Enumerable.Range(0, 5).Select(i => Math.Round(low + i * (high - low) / 4, 3 - (int)Math.Floor(Math.Log10(high)))).Distinct().ToList();
        return majors;
    }

    // Positions are log10 values; minor ticks at every whole multiple of a power of ten.
    private static ScottPlot.TickGenerators.NumericManual LogTicks(double min, double max)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        var majors = LogLabels(min, max);
        foreach (var v in majors) ticks.AddMajor(Math.Log10(v), v.ToString("G4", CultureInfo.InvariantCulture));
        int first = (int)Math.Floor(Math.Log10(min)), last = (int)Math.Ceiling(Math.Log10(max));
        for (int k = first - 1; k <= last; k++)
            for (int m = 1; m <= 9; m++)
                if (!majors.Contains(m * Math.Pow(10, k))) ticks.AddMinor(Math.Log10(m * Math.Pow(10, k)));
        return ticks;
    }
}
