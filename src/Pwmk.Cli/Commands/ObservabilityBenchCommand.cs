using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Observability.Metrics;

namespace Pwmk.Cli.Commands;

/// <summary>
/// <c>pwmk bench observability</c>: the cost of instrumentation. Belief point query and environment step with
/// instrumentation off, metrics on, metrics + sampled traces on; one histogram observation (prometheus-net direct and
/// through the Meter bridge); one scrape of 1,000 series with prometheus-net and with Python's prometheus_client
/// (the anchor, run by /usr/bin/python3 on the same series).
/// </summary>
internal static class ObservabilityBenchCommand
{
    public static Command Create()
    {
        var reps = new Option<int>("--reps") { Description = "Repetitions of each measurement (median reported)", DefaultValueFactory = _ => 7 };
        var python = new Option<string>("--python") { Description = "Python with prometheus_client (Debian python3-prometheus-client)", DefaultValueFactory = _ => "/usr/bin/python3" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var cmd = new Command("observability", "Instrumentation overhead: belief query and env step on/off, histogram observation, 1,000-series scrape vs prometheus_client")
        {
            reps, python, format,
        };
        cmd.SetAction(r => Run(r.GetValue(reps), r.GetValue(python)!, r.GetValue(format)!));
        return cmd;
    }

    private sealed record Row(string Name, double Nanoseconds, string Anchor, double Ratio);

    private static int Run(int reps, string python, string format)
    {
        if (reps is < 1 or > 100 || format is not ("text" or "json"))
        {
            Console.Error.WriteLine("--reps must be 1..100 and --format text or json");
            return Program.BadInput;
        }
        var rows = new List<Row>();

        // belief point query and env step: off / metrics / metrics + traces
        var store = new BeliefStore();
        for (int i = 0; i < 1000; i++) store.AddBelief("agent_" + (i % 10), $"at(obj_{i}, room_{i % 7})");
        var env = new RoomsWorld(["a", "b"], new RoomsLayout().AddContainer("basket", "kitchen").AddContainer("chest", "attic").AddObject("apple", "basket"), beliefDepth: 2);
        env.Reset(0);
        var noop = new int[2];
        double Query() => PerOp(reps, 20_000, () => store.Holds("believes(agent_3, at(obj_3, room_3))"));
        double Step() => PerOp(reps, 200_000, () => env.Step(noop));
        double qOff = Query(), sOff = Step();
        double qMetrics, sMetrics, qTraces, sTraces;
        using (var metrics = new PwmkMetrics())
        {
            qMetrics = Query();
            sMetrics = Step();
            using var tracer = Sdk.CreateTracerProviderBuilder().AddSource("Pwmk").SetSampler(new AlwaysOnSampler()).Build();
            qTraces = Query();
            sTraces = Step();
        }
        rows.Add(new("belief point query, instrumentation off", qOff, "itself", 1));
        rows.Add(new("belief point query, metrics on", qMetrics, "off", qMetrics / qOff));
        rows.Add(new("belief point query, metrics + traces (all sampled, no exporter)", qTraces, "off", qTraces / qOff));
        rows.Add(new("env step (RoomsWorld, 2 agents), instrumentation off", sOff, "itself", 1));
        rows.Add(new("env step, metrics on", sMetrics, "off", sMetrics / sOff));
        rows.Add(new("env step, metrics + traces (all sampled, no exporter)", sTraces, "off", sTraces / sOff));

        // one histogram observation
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var h = Prometheus.Metrics.WithCustomRegistry(registry).CreateHistogram("bench_seconds", "bench", ["a", "b"]).WithLabels("x", "y");
        double direct = PerOp(reps, 2_000_000, () => h.Observe(0.01));
        double bridged;
        using (var m = new PwmkMetrics(options: new PwmkMetricsOptions { ProcessMetrics = false }))
        using (var meter = new Meter("Pwmk"))
        {
            var inst = meter.CreateHistogram<double>(MetricCatalog.BeliefQueryDuration);
            var t0 = new KeyValuePair<string, object?>("query_type", "point");
            var t1 = new KeyValuePair<string, object?>("complexity", "simple");
            bridged = PerOp(reps, 1_000_000, () => inst.Record(0.01, t0, t1));
        }
        rows.Add(new("histogram observation, prometheus-net child", direct, "itself", 1));
        rows.Add(new("histogram observation, BCL Histogram<double> through the bridge", bridged, "prometheus-net child", bridged / direct));

        // scrape of 1,000 series
        var scrapeRegistry = Prometheus.Metrics.NewCustomRegistry();
        var counter = Prometheus.Metrics.WithCustomRegistry(scrapeRegistry).CreateCounter("bench_requests_total", "bench", ["agent_id"]);
        for (int i = 0; i < 1000; i++) counter.WithLabels("agent_" + i).Inc(i);
        using var ms = new MemoryStream();
        double scrape = PerOp(reps, 200, () => { ms.SetLength(0); scrapeRegistry.CollectAndExportAsTextAsync(ms).GetAwaiter().GetResult(); });
        double? py = PythonScrape(python, reps);
        rows.Add(new("scrape 1,000 series, Python prometheus_client generate_latest (anchor)", py ?? double.NaN, "itself", 1));
        rows.Add(new("scrape 1,000 series, prometheus-net", scrape, "prometheus_client", py is { } p ? scrape / p : double.NaN));

        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(rows.Select(r => new { name = r.Name, ns = Math.Round(r.Nanoseconds, 1), anchor = r.Anchor, ratio = Math.Round(r.Ratio, 3) })));
        }
        else
        {
            foreach (var r in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name,-75} {Human(r.Nanoseconds),12}  x{r.Ratio:F3} vs {r.Anchor}"));
        }
        if (py is null) Console.Error.WriteLine($"note: {python} with prometheus_client not available; no anchor for the scrape");
        return Program.Ok;
    }

    private static string Human(double ns) => double.IsNaN(ns) ? "n/a"
        : ns >= 1e6 ? string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:F2} ms")
        : ns >= 1e3 ? string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:F2} µs")
        : string.Create(CultureInfo.InvariantCulture, $"{ns:F1} ns");

    /// <summary>Median nanoseconds per call over <paramref name="reps"/> timed batches after a warm-up batch.</summary>
    private static double PerOp(int reps, int n, Action op)
    {
        for (int i = 0; i < Math.Min(n, 10_000); i++) op();
        var samples = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++) op();
            samples[r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / n;
        }
        Array.Sort(samples);
        return samples[reps / 2];
    }

    private static double? PythonScrape(string python, int reps)
    {
        const string script = """
            import sys, timeit
            from prometheus_client import CollectorRegistry, Counter, generate_latest
            reg = CollectorRegistry()
            c = Counter('bench_requests', 'bench', ['agent_id'], registry=reg)
            for i in range(1000):
                c.labels('agent_%d' % i).inc(i)
            generate_latest(reg)
            times = sorted(timeit.repeat(lambda: generate_latest(reg), number=50, repeat=int(sys.argv[1])))
            print(times[len(times) // 2] / 50 * 1e9)
            """;
        try
        {
            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add(reps.ToString(CultureInfo.InvariantCulture));
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            if (!p.WaitForExit(120_000) || p.ExitCode != 0) return null;
            return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
