using System.Globalization;
using System.Xml.Linq;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cli.Commands;

/// <summary>
/// <c>pwmk train --plot FILE.svg</c>: the loss curves (training and validation) and the validation accuracy curves
/// (belief accuracy, false-belief accuracy) per epoch, as a standalone SVG document of two panels.
/// </summary>
internal static class TrainingPlot
{
    private const int PanelWidth = 420, PanelHeight = 260, Margin = 48, Gap = 40;
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>One curve: its name (the legend and the polyline's id), colour and value per epoch (NaN: none).</summary>
    internal sealed record Series(string Name, string Colour, double[] Values);

    /// <summary>Writes the plot of <paramref name="history"/> to <paramref name="path"/> (atomically).</summary>
    public static void Write(string path, IReadOnlyList<EpochReport> history, string title)
    {
        var doc = Build(history, title);
        var tmp = path + ".tmp";
        doc.Save(tmp);
        File.Move(tmp, path, overwrite: true);
    }

    internal static XDocument Build(IReadOnlyList<EpochReport> history, string title)
    {
        double[] Of(Func<EpochReport, double> f) => [.. history.Select(f)];
        var loss = new[]
        {
            new Series("train_loss", "#1f77b4", Of(r => r.TrainLoss)),
            new Series("validation_loss", "#ff7f0e", Of(r => r.ValidationLoss)),
        };
        var accuracy = new[]
        {
            new Series("belief_acc", "#2ca02c", Of(r => r.Validation?.BeliefAccuracy ?? double.NaN)),
            new Series("false_belief_acc", "#d62728", Of(r => r.Validation?.FalseBeliefAccuracy ?? double.NaN)),
        };
        int width = 2 * PanelWidth + Gap + 2 * Margin, height = PanelHeight + 2 * Margin + 30;
        var root = new XElement(Svg + "svg",
            new XAttribute("width", width), new XAttribute("height", height),
            new XAttribute("viewBox", $"0 0 {width} {height}"),
            new XElement(Svg + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "white")),
            Text(width / 2.0, 20, title, anchor: "middle", size: 14),
            Panel(Margin, Margin, "loss per epoch", loss, fixedRange: null),
            Panel(Margin + PanelWidth + Gap, Margin, "validation accuracy per epoch", accuracy, fixedRange: (0, 1)));
        return new XDocument(root);
    }

    private static XElement Panel(double x0, double y0, string caption, Series[] series, (double Low, double High)? fixedRange)
    {
        int epochs = series.Max(s => s.Values.Length);
        var finite = series.SelectMany(s => s.Values).Where(double.IsFinite).ToList();
        (double low, double high) = fixedRange ?? (finite.Count == 0 ? (0, 1) : (Math.Min(0, finite.Min()), finite.Max()));
        if (high <= low)
        {
            high = low + 1;
        }
        double X(int epoch) => x0 + (epochs <= 1 ? PanelWidth / 2.0 : (epoch - 1) * (double)PanelWidth / (epochs - 1));
        double Y(double v) => y0 + PanelHeight - (v - low) / (high - low) * PanelHeight;
        var g = new XElement(Svg + "g", new XAttribute("class", "panel"),
            new XElement(Svg + "rect", new XAttribute("x", F(x0)), new XAttribute("y", F(y0)), new XAttribute("width", PanelWidth),
                new XAttribute("height", PanelHeight), new XAttribute("fill", "none"), new XAttribute("stroke", "#888")),
            Text(x0 + PanelWidth / 2.0, y0 - 8, caption, anchor: "middle"),
            Text(x0 + PanelWidth / 2.0, y0 + PanelHeight + 32, "epoch", anchor: "middle"));
        for (int i = 0; i <= 4; i++)
        {
            double v = low + (high - low) * i / 4;
            g.Add(Line(x0 - 4, Y(v), x0, Y(v)), Text(x0 - 6, Y(v) + 4, v.ToString("0.###", CultureInfo.InvariantCulture), anchor: "end"));
        }
        int step = Math.Max(1, (int)Math.Ceiling(epochs / 10.0));
        for (int e = 1; e <= epochs; e += step)
        {
            g.Add(Line(X(e), y0 + PanelHeight, X(e), y0 + PanelHeight + 4), Text(X(e), y0 + PanelHeight + 16, e.ToString(CultureInfo.InvariantCulture), anchor: "middle"));
        }
        for (int i = 0; i < series.Length; i++)
        {
            var s = series[i];
            var points = Enumerable.Range(0, s.Values.Length).Where(k => double.IsFinite(s.Values[k]))
                .Select(k => $"{F(X(k + 1))},{F(Y(s.Values[k]))}").ToList();
            g.Add(new XElement(Svg + "polyline", new XAttribute("id", s.Name), new XAttribute("points", string.Join(' ', points)),
                new XAttribute("fill", "none"), new XAttribute("stroke", s.Colour), new XAttribute("stroke-width", 2)));
            double ly = y0 + 14 + 16 * i;
            g.Add(Line(x0 + PanelWidth - 150, ly - 4, x0 + PanelWidth - 130, ly - 4, s.Colour, 2), Text(x0 + PanelWidth - 125, ly, s.Name));
        }
        return g;
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string colour = "#888", double width = 1) =>
        new(Svg + "line", new XAttribute("x1", F(x1)), new XAttribute("y1", F(y1)), new XAttribute("x2", F(x2)), new XAttribute("y2", F(y2)),
            new XAttribute("stroke", colour), new XAttribute("stroke-width", F(width)));

    private static XElement Text(double x, double y, string text, string anchor = "start", int size = 11) =>
        new(Svg + "text", new XAttribute("x", F(x)), new XAttribute("y", F(y)), new XAttribute("font-family", "sans-serif"),
            new XAttribute("font-size", size), new XAttribute("text-anchor", anchor), text);

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
