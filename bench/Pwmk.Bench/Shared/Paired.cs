using System.Globalization;
using System.Text.Json;

namespace Pwmk.Bench.Shared;

/// <summary>Which way a measure is better.</summary>
internal enum Better
{
    /// <summary>A time or a memory size: the advantage is anchor ÷ PWMK.</summary>
    Lower,

    /// <summary>A rate: the advantage is PWMK ÷ anchor.</summary>
    Higher,
}

/// <summary>
/// One measure taken on PWMK and on its anchor in interleaved pairs (the pair's two runs seconds apart, under the same
/// load): each pair gives its own ratio, and the report is the median ratio with the lowest and highest.
/// </summary>
internal sealed class PairedMeasure(string name, string unit, string kind, string clock, Better better)
{
    public string Name { get; } = name;
    public string Unit { get; } = unit;

    /// <summary>"whole process", "in process, warm", "in process, first pass", ...</summary>
    public string Kind { get; } = kind;

    /// <summary>"wall", "cpu" or "" (memory): both sides are always read on the same clock.</summary>
    public string Clock { get; } = clock;

    public Better Better { get; } = better;
    public List<double> Pwmk { get; } = [];
    public List<double> Anchor { get; } = [];

    public void Add(double pwmk, double anchor)
    {
        Pwmk.Add(pwmk);
        Anchor.Add(anchor);
    }

    /// <summary>PWMK's advantage in each pair: above 1, PWMK is faster (or smaller).</summary>
    public double[] Advantages() => [.. Pwmk.Select((p, i) => Better == Better.Lower ? Anchor[i] / p : p / Anchor[i])];

    public static double Median(IEnumerable<double> values)
    {
        var s = values.Where(double.IsFinite).Order().ToArray();
        if (s.Length == 0) return double.NaN;
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

/// <summary>A benchmark's measures with what a reader needs to check them: commands, versions, threads, load.</summary>
internal sealed class PairedReport(string title)
{
    private readonly List<PairedMeasure> _measures = [];
    private readonly List<(string Key, string Value)> _facts = [("started", Machine.Now()), ("machine", Machine.Cpu()), ("load average at start", Machine.LoadAverage())];

    public string Title { get; } = title;

    /// <summary>Adds a line of context (a command, a version, a thread count).</summary>
    public void Fact(string key, string value) => _facts.Add((key, value));

    /// <summary>The measure named <paramref name="name"/>, made on first use.</summary>
    public PairedMeasure Measure(string name, string unit, string kind, string clock, Better better)
    {
        var m = _measures.Find(x => x.Name == name && x.Kind == kind && x.Clock == clock);
        if (m is null) _measures.Add(m = new PairedMeasure(name, unit, kind, clock, better));
        return m;
    }

    /// <summary>
    /// Runs <paramref name="rounds"/> rounds of every contestant, one after another, then <paramref name="afterRound"/>;
    /// the round's first contestant rotates, so none always runs first or after the same one. With
    /// <paramref name="warmUp"/>, a round -1 runs first (file cache, first builds) and is not reported.
    /// </summary>
    public static void Rounds(int rounds, IReadOnlyList<Action<int>> contestants, bool warmUp, Action<int> afterRound)
    {
        for (int r = warmUp ? -1 : 0; r < rounds; r++)
        {
            for (int k = 0; k < contestants.Count; k++) contestants[(Math.Max(r, 0) + k) % contestants.Count](r);
            if (r >= 0) afterRound(r);
        }
    }

    /// <summary>Adds the whole-process figures of one pair: wall and CPU time (in <paramref name="unit"/>, seconds times <paramref name="scale"/>) and peak memory.</summary>
    public void AddProcesses(string name, string unit, double scale, WholeProcess.Run pwmk, WholeProcess.Run anchor)
    {
        Measure($"{name}: time", unit, "whole process", "wall", Better.Lower).Add(pwmk.WallSeconds * scale, anchor.WallSeconds * scale);
        Measure($"{name}: time", unit, "whole process", "cpu", Better.Lower).Add(pwmk.CpuSeconds * scale, anchor.CpuSeconds * scale);
        Measure($"{name}: peak memory", "MiB", "whole process", "", Better.Lower).Add(pwmk.PeakRssMiB, anchor.PeakRssMiB);
    }

    public void Write(TextWriter w, bool json)
    {
        _facts.Add(("load average at end", Machine.LoadAverage()));
        var inv = CultureInfo.InvariantCulture;
        if (json)
        {
            w.WriteLine(JsonSerializer.Serialize(new
            {
                title = Title,
                facts = _facts.ToDictionary(f => f.Key, f => f.Value),
                measures = _measures.Select(m => new
                {
                    name = m.Name,
                    unit = m.Unit,
                    kind = m.Kind,
                    clock = m.Clock,
                    pairs = m.Pwmk.Count,
                    pwmk_median = Round(PairedMeasure.Median(m.Pwmk)),
                    anchor_median = Round(PairedMeasure.Median(m.Anchor)),
                    advantage_median = Round(PairedMeasure.Median(m.Advantages())),
                    advantage_min = Round(m.Advantages().DefaultIfEmpty(double.NaN).Min()),
                    advantage_max = Round(m.Advantages().DefaultIfEmpty(double.NaN).Max()),
                    pwmk = m.Pwmk.Select(Round),
                    anchor = m.Anchor.Select(Round),
                }),
            }, s_json));
            return;
        }
        w.WriteLine(Title);
        foreach (var (k, v) in _facts) w.WriteLine($"  {k}: {v}");
        if (_measures.Count == 0) return;
        w.WriteLine("  advantage: anchor ÷ PWMK for times and memory, PWMK ÷ anchor for rates; above 1, PWMK is better. Each round");
        w.WriteLine("  ran every contestant once, back to back, the first one rotating; a pair is PWMK and its anchor of one round;");
        w.WriteLine("  shown: the median of the pairs' own advantages [lowest, highest].");
        w.WriteLine();
        w.WriteLine(string.Format(inv, "{0,-44} {1,-24} {2,-5} {3,12} {4,12} {5,22} {6,5}", "measure", "kind", "clock", "PWMK", "anchor", "advantage [min, max]", "pairs"));
        foreach (var m in _measures)
        {
            var adv = m.Advantages();
            string range = adv.Length == 0 ? "" : string.Format(inv, "{0:F2} [{1:F2}, {2:F2}]", PairedMeasure.Median(adv), adv.Min(), adv.Max());
            w.WriteLine(string.Format(inv, "{0,-44} {1,-24} {2,-5} {3,12} {4,12} {5,22} {6,5}",
                $"{m.Name} ({m.Unit})", m.Kind, m.Clock, Show(PairedMeasure.Median(m.Pwmk)), Show(PairedMeasure.Median(m.Anchor)), range, m.Pwmk.Count));
        }
    }

    private static readonly JsonSerializerOptions s_json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static double Round(double x) => double.IsFinite(x) ? Math.Round(x, x >= 100 ? 1 : 4) : double.NaN;

    private static string Show(double x) => double.IsNaN(x) ? "n/a" : x.ToString(x >= 100 ? "F1" : x >= 1 ? "F3" : "G4", CultureInfo.InvariantCulture);
}
