using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Pwmk.Bench.Shared;
using Pwmk.Cli;
using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Observability.Metrics;

namespace Pwmk.Bench.Observability;

/// <summary>
/// <c>pwmk-bench observability</c>: the cost of instrumentation. Belief point query and environment step with
/// instrumentation off, metrics on, metrics + sampled traces on (paired per repetition, optionally pooled over several
/// measuring processes, each median ratio with a 95% bootstrap interval); one histogram observation (prometheus-net direct and
/// through the Meter bridge); one clock read (Stopwatch); one scrape of 1,000 series with prometheus-net and with Python's
/// prometheus_client (the anchor, run by <c>--python</c> on the same series).
/// </summary>
internal static class ObservabilityCommand
{
    public static Command Create()
    {
        var reps = new Option<int>("--reps") { Description = "Repetitions of each measurement (median reported)", DefaultValueFactory = _ => 7 };
        var python = new Option<string>("--python") { Description = "Python with prometheus_client (Debian python3-prometheus-client; the system python, not one first on PATH)", DefaultValueFactory = _ => "/usr/bin/python3" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var processes = new Option<int>("--processes") { Description = "Processes measuring instrumentation on/off, each with --reps repetitions (pooled)", DefaultValueFactory = _ => 1 };
        var pairedOnly = new Option<bool>("--paired-only") { Description = "Internal: be one measuring process of a parent run", Hidden = true };
        var cmd = new Command("observability", "Instrumentation overhead: belief query and env step on/off, histogram observation, 1,000-series scrape vs prometheus_client")
        {
            reps, processes, python, format, pairedOnly,
        };
        cmd.SetAction(r => Run(r.GetValue(reps), r.GetValue(processes), r.GetValue(python)!, r.GetValue(format)!, r.GetValue(pairedOnly)));
        return cmd;
    }

    private sealed record Row(string Name, double Nanoseconds, string Anchor, double Ratio, double Low = double.NaN, double High = double.NaN);

    /// <summary>The instrumentation variants compared on the same workloads.</summary>
    private static readonly (string Name, Func<IDisposable?> Enable)[] s_variants =
    [
        ("instrumentation off", () => null),
        ("metrics on", () => new PwmkMetrics()),
        ("metrics + traces (all sampled, no exporter)", () => new Both(new PwmkMetrics(),
            Sdk.CreateTracerProviderBuilder().AddSource("Pwmk").SetSampler(new AlwaysOnSampler()).Build())),
    ];

    private static readonly string[] s_workloads =
    [
        "belief point query (1,000 beliefs)",
        "env step, MultiAgentBoxWorld 4 agents 10x10, beliefs depth 2",
        "env step, RoomsWorld 2 agents waiting (near-empty step)",
    ];

    /// <summary>
    /// The workloads of <see cref="s_workloads"/> with every variant, interleaved per repetition so that JIT tiering
    /// and machine load hit every variant alike: nanoseconds per operation, one sample per repetition.
    /// </summary>
    private static Dictionary<(int W, int V), List<double>> MeasurePaired(int reps, ProgressLine? progress)
    {
        var store = new BeliefStore();
        for (int i = 0; i < 1000; i++) store.AddBelief("agent_" + (i % 10), $"at(obj_{i}, room_{i % 7})");
        var box = new MultiAgentBoxWorld(gridSize: 10, numAgents: 4, numBoxes: 3, viewRadius: 2, maxSteps: 200, beliefDepth: 2) { RecordHistory = false };
        box.Reset(0);
        var rng = new Random(1);
        var boxActions = new int[4096 * 4];
        for (int i = 0; i < boxActions.Length; i++) boxActions[i] = rng.Next(box.ActionSpace(box.Agents[0]).N);
        int boxStep = 0;
        var rooms = new RoomsWorld(["a", "b"], new RoomsLayout().AddContainer("basket", "kitchen").AddContainer("chest", "attic").AddObject("apple", "basket"), beliefDepth: 2);
        rooms.Reset(0);
        var noop = new int[2];
        var workloads = new (int N, Action Op)[]
        {
            (20_000, () => store.Holds("believes(agent_3, at(obj_3, room_3))")),
            (50_000, () =>
            {
                if (box.Step(boxActions.AsSpan(boxStep++ % 4096 * 4, 4)).Done) box.Reset(boxStep);
            }),
            (200_000, () => rooms.Step(noop)),
        };
        var samples = new Dictionary<(int W, int V), List<double>>();
        for (int w = 0; w < workloads.Length; w++)
            for (int v = 0; v < s_variants.Length; v++) samples[(w, v)] = [];
        for (int r = 0; r < reps; r++)
        {
            for (int k = 0; k < s_variants.Length; k++)
            {
                // the order rotates with the repetition, so no variant always runs first or after the heaviest one,
                // and each starts on a collected heap, so no variant pays for the garbage of another
                int v = (r + k) % s_variants.Length;
                progress?.Draw(r * s_variants.Length + k, reps * s_variants.Length, $"repetition {r + 1}/{reps}: {s_variants[v].Name}", force: true);
                using var on = s_variants[v].Enable();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                for (int w = 0; w < workloads.Length; w++) samples[(w, v)].Add(PerOp(1, workloads[w].N, workloads[w].Op, SteadyStateWarmUp));
            }
        }
        return samples;
    }

    /// <summary>Runs <see cref="MeasurePaired"/> in a new process of this program; null (and a message) when it fails.</summary>
    private static Dictionary<(int W, int V), List<double>>? MeasureInChild(int reps)
    {
        string exe = Environment.ProcessPath ?? "dotnet";
        // under `dotnet pwmk.dll` this process is the host: give it the same assembly again
        string[] self = Path.GetFileNameWithoutExtension(exe) == "dotnet" ? [Environment.GetCommandLineArgs()[0]] : [];
        var p = ChildProcess.Run(exe, [.. self, "observability", "--paired-only", "--reps", reps.ToString(CultureInfo.InvariantCulture)]);
        string output = p.Stdout;
        var samples = new Dictionary<(int W, int V), List<double>>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            samples[(int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture))] =
                [.. f.Skip(2).Select(x => double.Parse(x, CultureInfo.InvariantCulture))];
        }
        if (p.ExitCode == 0 && samples.Count == s_workloads.Length * s_variants.Length) return samples;
        Console.Error.WriteLine($"pwmk: a measuring process failed (exit {p.ExitCode}): {p.Stderr.Trim()}");
        return null;
    }

    private static double MedianOf(IEnumerable<double> xs)
    {
        var a = xs.Order().ToArray();
        return a[a.Length / 2];
    }

    /// <summary>A 95% interval of the median (percentile bootstrap, 2,000 resamples, fixed seed).</summary>
    private static (double Low, double High) MedianInterval(double[] xs)
    {
        var rng = new Random(7);
        var medians = new double[2000];
        var resample = new double[xs.Length];
        for (int b = 0; b < medians.Length; b++)
        {
            for (int i = 0; i < xs.Length; i++) resample[i] = xs[rng.Next(xs.Length)];
            medians[b] = MedianOf(resample);
        }
        Array.Sort(medians);
        return (medians[50], medians[1949]);
    }

    private static int Run(int reps, int processes, string python, string format, bool pairedOnly)
    {
        if (reps is < 1 or > 100 || processes is < 1 or > 20 || format is not ("text" or "json"))
        {
            Console.Error.WriteLine("--reps must be 1..100, --processes 1..20 and --format text or json");
            return Program.BadInput;
        }
        if (pairedOnly)
        {
            // one measuring process of a parent run: every sample, one line per workload and variant
            var own = MeasurePaired(reps, null);
            foreach (var ((w, v), ns) in own)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{w} {v} {string.Join(' ', ns.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))}"));
            return Program.Ok;
        }
        var rows = new List<Row>();
        var progress = ProgressLine.For(Console.Error, format == "json");
        string started = Machine.Now(), loadAtStart = Machine.LoadAverage();

        // belief point query and env steps, off / metrics / metrics + traces, in `processes` processes of `reps`
        // repetitions each: a process's own code layout moves its ratios by a point or so, so the runs pool several
        var samples = new Dictionary<(int W, int V), List<double>>();
        for (int proc = 0; proc < processes; proc++)
        {
            progress.Draw(proc, processes, $"measuring process {proc + 1}/{processes}", force: true);
            var got = processes == 1 ? MeasurePaired(reps, progress) : MeasureInChild(reps);
            if (got is null) return Program.BadInput;
            foreach (var (k, ns) in got) (samples.TryGetValue(k, out var l) ? l : samples[k] = []).AddRange(ns);
        }
        for (int w = 0; w < s_workloads.Length; w++)
        {
            for (int v = 0; v < s_variants.Length; v++)
            {
                // the ratio is the median of each repetition's own ratio: a repetition's variants ran seconds apart
                // under the same machine load, so the load cancels in each pair
                var off = samples[(w, 0)];
                var ratios = samples[(w, v)].Select((x, r) => x / off[r]).ToArray();
                var (low, high) = MedianInterval(ratios);
                rows.Add(new($"{s_workloads[w]}, {s_variants[v].Name}", MedianOf(samples[(w, v)]), v == 0 ? "itself" : "off", MedianOf(ratios), low, high));
            }
        }

        // one histogram observation, the three ways interleaved per repetition (the order rotating)
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var h = Prometheus.Metrics.WithCustomRegistry(registry).CreateHistogram("bench_seconds", "bench", ["a", "b"]).WithLabels("x", "y");
        double[][] hist;
        using (var m = new PwmkMetrics(options: new PwmkMetricsOptions { ProcessMetrics = false }))
        using (var meter = new Meter("Pwmk"))
        {
            var inst = meter.CreateHistogram<double>(MetricCatalog.BeliefQueryDuration);
            var t0 = new KeyValuePair<string, object?>("query_type", "point");
            var t1 = new KeyValuePair<string, object?>("complexity", "simple");
            var fixedTags = meter.CreateHistogram<double>(MetricCatalog.BeliefQueryDuration, "s", null, [t0, t1]);
            hist = Interleaved(reps, (2_000_000, () => h.Observe(0.01)), (1_000_000, () => inst.Record(0.01, t0, t1)), (1_000_000, () => fixedTags.Record(0.01)));
        }
        rows.Add(PairedRow("histogram observation, prometheus-net child", hist[0], hist[0], "itself"));
        rows.Add(PairedRow("histogram observation, BCL Histogram<double> with tags per measurement, through the bridge", hist[1], hist[0], "prometheus-net child"));
        rows.Add(PairedRow("histogram observation, BCL Histogram<double> with its labels as instrument tags (the domain's hot paths)", hist[2], hist[0], "prometheus-net child"));

        // one clock read: the hot paths time themselves with Stopwatch
        long sink = 0; // captured, so the reads cannot be optimized away
        double stopwatch = PerOp(reps, 2_000_000, () => sink += Stopwatch.GetTimestamp());
        rows.Add(new("clock read, Stopwatch.GetTimestamp (clock_gettime; the domain's hot paths)", stopwatch, "itself", 1));

        // scrape of 1,000 series against Python's prometheus_client: a batch here, a Python process timing its own
        // batch, alternating which goes first; both are warm in-process figures (the Python process's start-up is
        // outside its timing)
        var scrapeRegistry = Prometheus.Metrics.NewCustomRegistry();
        var counter = Prometheus.Metrics.WithCustomRegistry(scrapeRegistry).CreateCounter("bench_requests_total", "bench", ["agent_id"]);
        for (int i = 0; i < 1000; i++) counter.WithLabels("agent_" + i).Inc(i);
        using var ms = new MemoryStream();
        void Scrape()
        {
            ms.SetLength(0);
            scrapeRegistry.CollectAndExportAsTextAsync(ms).GetAwaiter().GetResult();
        }
        PerOp(1, 200, Scrape);
        var ours = new List<double>();
        var theirs = new List<double>();
        for (int r = 0; r < reps && theirs.Count == r; r++)
        {
            progress.Draw(r, reps, $"scrape: pair {r + 1}/{reps}", force: true);
            if (r % 2 == 0) ours.Add(PerOp(1, 200, Scrape));
            if (PythonScrape(python) is { } py) theirs.Add(py);
            if (r % 2 == 1) ours.Add(PerOp(1, 200, Scrape));
        }
        if (theirs.Count == reps)
        {
            rows.Add(PairedRow("scrape 1,000 series, Python prometheus_client generate_latest (anchor)", [.. theirs], [.. theirs], "itself"));
            rows.Add(PairedRow("scrape 1,000 series, prometheus-net", [.. ours], [.. theirs], "prometheus_client"));
        }
        else
        {
            rows.Add(new("scrape 1,000 series, prometheus-net (no anchor: Python's prometheus_client did not run)", MedianOf(ours), "itself", 1));
        }
        progress.Clear();

        var facts = new Dictionary<string, string>
        {
            ["started"] = started,
            ["machine"] = Machine.Cpu(),
            ["load average at start"] = loadAtStart,
            ["load average at end"] = Machine.LoadAverage(),
            ["scrape anchor"] = $"{python}: {Versions.Python(python)}, prometheus_client {Versions.PythonPackage(python, "prometheus_client")}",
            ["measuring processes"] = $"{processes} x {reps} repetitions, every workload on one thread",
        };
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                facts,
                rows = rows.Select(r => new { name = r.Name, ns = Math.Round(r.Nanoseconds, 1), anchor = r.Anchor, ratio = Math.Round(r.Ratio, 3), ratio_low = double.IsNaN(r.Low) ? (double?)null : Math.Round(r.Low, 3), ratio_high = double.IsNaN(r.High) ? (double?)null : Math.Round(r.High, 3) }),
            }));
        }
        else
        {
            foreach (var (k, v) in facts) Console.WriteLine($"{k}: {v}");
            foreach (var r in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name,-75} {Human(r.Nanoseconds),12}  x{r.Ratio:F3}{(double.IsNaN(r.Low) || r.Anchor == "itself" ? "" : $" [{r.Low:F3}, {r.High:F3}]")} vs {r.Anchor}"));
        }
        if (theirs.Count < reps) Console.Error.WriteLine($"note: {python} with prometheus_client not available; no anchor for the scrape");
        return Program.Ok;
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            second.Dispose();
            first.Dispose();
        }
    }

    private static string Human(double ns) => double.IsNaN(ns) ? "n/a"
        : ns >= 1e6 ? string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:F2} ms")
        : ns >= 1e3 ? string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:F2} µs")
        : string.Create(CultureInfo.InvariantCulture, $"{ns:F1} ns");

    /// <summary>
    /// Warm-up of each paired sample. The garbage collections right after a variant's objects are made (a metrics
    /// registry, its families) and the heap is collected take longer for a while: sampled at once, a query that
    /// allocates 2.4 KB paid about 0.8% for that in the "metrics on" variants, a one-off cost of making the registry,
    /// which a long-running process pays once at start, not per operation. So each sample follows its variant's
    /// steady state: at least as many calls as it times and 50 ms of them.
    /// </summary>
    private static readonly TimeSpan SteadyStateWarmUp = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Median nanoseconds per call over <paramref name="reps"/> timed batches of <paramref name="n"/> calls, after a
    /// warm-up of min(n, 10,000) calls, or with <paramref name="warmUp"/>, of at least n calls and that long.
    /// </summary>
    private static double PerOp(int reps, int n, Action op, TimeSpan? warmUp = null)
    {
        if (warmUp is { } least)
        {
            long started = Stopwatch.GetTimestamp();
            for (int done = 0; done < n || Stopwatch.GetElapsedTime(started) < least; done++) op();
        }
        else
        {
            for (int i = 0; i < Math.Min(n, 10_000); i++) op();
        }
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

    /// <summary>Nanoseconds per scrape of the same 1,000 series by Python's prometheus_client, timed in a Python process (median of 3 batches of 50, after one warm-up scrape).</summary>
    private static double? PythonScrape(string python)
    {
        const string script = """
            import timeit
            from prometheus_client import CollectorRegistry, Counter, generate_latest
            reg = CollectorRegistry()
            c = Counter('bench_requests', 'bench', ['agent_id'], registry=reg)
            for i in range(1000):
                c.labels('agent_%d' % i).inc(i)
            generate_latest(reg)
            times = sorted(timeit.repeat(lambda: generate_latest(reg), number=50, repeat=3))
            print(times[1] / 50 * 1e9)
            """;
        try
        {
            var p = ChildProcess.Run(python, ["-c", script], timeoutMs: 120_000);
            return p.ExitCode == 0 ? double.Parse(p.Stdout.Trim(), CultureInfo.InvariantCulture) : null;
        }
        catch (TimeoutException)
        {
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// Nanoseconds per call of each operation, one sample per repetition; the operations alternate within a
    /// repetition (the first rotating), so load and drift hit them alike. One warm-up batch each first.
    /// </summary>
    private static double[][] Interleaved(int reps, params (int N, Action Op)[] ops)
    {
        foreach (var (n, op) in ops) PerOp(1, Math.Min(n, 100_000), op);
        var samples = ops.Select(_ => new double[reps]).ToArray();
        for (int r = 0; r < reps; r++)
        {
            for (int k = 0; k < ops.Length; k++)
            {
                int i = (r + k) % ops.Length;
                samples[i][r] = PerOp(1, ops[i].N, ops[i].Op);
            }
        }
        return samples;
    }

    /// <summary>A row whose ratio is the median of the repetitions' own ratios to <paramref name="anchor"/>, with its 95% interval.</summary>
    private static Row PairedRow(string name, double[] ns, double[] anchor, string anchorName)
    {
        var ratios = ns.Select((x, r) => x / anchor[r]).ToArray();
        var (low, high) = MedianInterval(ratios);
        return new Row(name, MedianOf(ns), anchorName, MedianOf(ratios), low, high);
    }
}
