using PSCharRnn.Training;
using ScottPlot;

namespace PSCharRnn.Reporting;

/// <summary>
/// Perplexity per epoch, training and validation, on a logarithmic axis, drawn by ScottPlot as a PNG. The chart's own
/// text is ASCII: a fresh Linux has no CJK font, and Chinese would draw as empty boxes.
/// </summary>
public static class TrainingChart
{
    public static byte[] Render(IReadOnlyList<EpochRecord> history, string title, int width, int height)
    {
        var plot = new Plot();
        Add(plot, history, r => r.Perplexity, "training");
        if (history.Any(r => r.ValidationPerplexity is not null))
            Add(plot, history, r => r.ValidationPerplexity, "validation");
        // Values are plotted as log10; the axis shows them back as perplexities.
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("perplexity (log scale)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static void Add(Plot plot, IReadOnlyList<EpochRecord> history, Func<EpochRecord, double?> value, string label)
    {
        // A diverged epoch's NaN or infinity has no place on a log axis.
        var points = history.Select(r => (r.Epoch, Value: value(r)))
            .Where(p => p.Value is double v && double.IsFinite(v) && v > 0).ToList();
        if (points.Count == 0) return;
        var line = plot.Add.Scatter(points.Select(p => (double)p.Epoch).ToArray(), points.Select(p => Math.Log10(p.Value!.Value)).ToArray());
        line.LegendText = label;
        line.MarkerSize = points.Count > 60 ? 0 : 4;
        line.LineWidth = 2;
    }
}
