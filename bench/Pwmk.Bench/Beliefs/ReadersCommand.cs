using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pwmk.Core.Beliefs;

namespace Pwmk.Bench.Beliefs;

/// <summary>
/// <c>pwmk-bench readers</c>: read scaling in one process. N threads run belief point queries (the server's query path:
/// text parsed, read-only session of the engine, answer) over one store of 1,000 beliefs for a fixed time; thread
/// counts are interleaved per round (1, 2, ..., 1, 2, ...) and the speed-up of each count over 1 thread is the median of
/// the per-round ratios, with its range. Optionally a writer commits beliefs meanwhile (<c>--writer</c>). Beside the
/// rate: the process's CPU time over the wall time (cores used) and queries per CPU-second, whose ratio to one thread's
/// says whether readers slow each other down (1.00: nothing shared costs them) apart from cores they did not get.
/// <c>--parsed</c> (text read once beforehand), <c>--distinct-texts</c> (no text seen before: each one read) and <c>--garbage N</c> (N more short-lived bytes per query) take one
/// shared thing away or add to it, for experiments; <c>--store-per-thread</c> gives each thread a store of its own (only
/// the process is shared) and <c>--pin</c> pins each reader thread to a CPU of its own.
/// </summary>
internal static class ReadersCommand
{
    public static Command Create()
    {
        var threads = new Option<string>("--threads") { Description = "Reader thread counts, comma-separated", DefaultValueFactory = _ => "1,2" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds (each runs every thread count once)", DefaultValueFactory = _ => 5 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per thread count per round", DefaultValueFactory = _ => 3 };
        var writer = new Option<bool>("--writer") { Description = "A writer thread commits a belief change every millisecond meanwhile" };
        var parsed = new Option<bool>("--parsed") { Description = "Queries parsed once beforehand (the engine's part alone: no text read per query)" };
        var distinct = new Option<bool>("--distinct-texts") { Description = "Every query text differs from the last 4,000 (layout added): the store reads each one, none is found already read" };
        var garbage = new Option<int>("--garbage") { Description = "Bytes of extra short-lived garbage each query allocates (an experiment on the collector's share)", DefaultValueFactory = _ => 0 };
        var ownStore = new Option<bool>("--store-per-thread") { Description = "Each reader thread queries a store (engine, database) of its own: what is left shared is the process (collector, symbol table)" };
        var pin = new Option<bool>("--pin") { Description = "Each reader thread pinned to a core of its own (thread i on the i-th CPU the process may use; Linux)" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var cmd = new Command("readers", "Belief point queries per second with 1, 2, ... reader threads over one store (in-process read scaling)")
        {
            threads, rounds, seconds, writer, parsed, distinct, garbage, ownStore, pin, format,
        };
        cmd.SetAction(r => Run(r.GetValue(threads)!, r.GetValue(rounds), r.GetValue(seconds), r.GetValue(writer), r.GetValue(parsed), r.GetValue(distinct), r.GetValue(garbage), r.GetValue(ownStore), r.GetValue(pin), r.GetValue(format)!));
        return cmd;
    }

    private static int Run(string threadList, int rounds, double seconds, bool writer, bool parsed, bool distinct, int garbage, bool ownStore, bool pin, string format)
    {
        int[] counts;
        try
        {
            counts = [.. threadList.Split(',', StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            Console.Error.WriteLine($"--threads: expected comma-separated thread counts such as 1,2, got '{threadList}'");
            return Program.BadInput;
        }
        if (counts.Length == 0 || counts.Any(c => c is < 1 or > 256) || rounds is < 1 or > 100 || seconds is <= 0 or > 600 || format is not ("text" or "json"))
        {
            Console.Error.WriteLine("--threads 1..256 each, --rounds 1..100, --seconds in (0, 600], --format text or json");
            return Program.BadInput;
        }
        var store = new BeliefStore();
        for (int i = 0; i < 1000; i++) store.AddBelief($"agent_{i % 10}", $"at(obj_{i}, room_{i % 7})");
        var queries = Enumerable.Range(0, 64).Select(i => $"believes(agent_{i % 10}, at(obj_{i}, room_{i % 7}))").ToArray();
        foreach (var q in queries)
            if (!store.Holds(q)) throw new InvalidOperationException("bad workload: " + q);

        var terms = queries.Select(q => Pwmk.Logic.Parsing.TermReader.ParseTerm(q, Pwmk.Logic.Parsing.OperatorTable.Default)).ToArray();
        IReadOnlyList<KeyValuePair<string, Pwmk.Logic.Terms.Variable>> none = [];
        Func<int, int> query = parsed ? k => store.Query(terms[k], none).Solutions.Count : k => store.Query(queries[k]).Solutions.Count;
        if (distinct)
        {
            // each thread its own 64 layouts of the 64 texts (spaces after the two commas), taken in an order that
            // repeats a text only after all 4,096: more than the store keeps of texts it has read
            int threadsSeen = 0;
            var mine = new ThreadLocal<(string[] Texts, int[] Next)>(() =>
            {
                int t = Interlocked.Increment(ref threadsSeen);
                var texts = Enumerable.Range(0, 64 * 64).Select(j => Layout(queries[j & 63], 1 + j / 64, t)).ToArray();
                return (texts, [0]);
            });
            query = k =>
            {
                var (texts, next) = mine.Value;
                int j = next[0]++ & 4095;
                return store.Query(texts[(j & ~63) | k]).Solutions.Count;
            };
        }
        if (ownStore)
        {
            // built beforehand; consecutive threads take consecutive stores (the threads of one measurement differ)
            var built = Enumerable.Range(0, counts.Max()).Select(_ =>
            {
                var own = new BeliefStore();
                for (int i = 0; i < 1000; i++) own.AddBelief($"agent_{i % 10}", $"at(obj_{i}, room_{i % 7})");
                return own;
            }).ToArray();
            int taken = 0;
            var stores = new ThreadLocal<BeliefStore>(() => built[(Interlocked.Increment(ref taken) - 1) % built.Length]);
            query = k => stores.Value!.Query(queries[k]).Solutions.Count;
        }
        if (garbage > 0)
        {
            var inner = query;
            query = k => { GC.KeepAlive(new byte[garbage]); return inner(k); };
        }
        // warm-up: every thread count once (JIT tiers, pools, caches)
        s_pin = pin;
        foreach (var c in counts) Measure(query, c, Math.Min(seconds, 1), writer ? store : null);
        var rates = counts.ToDictionary(c => c, _ => new List<double>());
        var bytes = counts.ToDictionary(c => c, _ => new List<double>());
        var pauses = counts.ToDictionary(c => c, _ => new List<double>());
        var used = counts.ToDictionary(c => c, _ => new List<double>());
        for (int r = 0; r < rounds; r++)
            foreach (var c in counts)
            {
                var m = Measure(query, c, seconds, writer ? store : null);
                rates[c].Add(m.Rate);
                bytes[c].Add(m.BytesPerQuery);
                pauses[c].Add(m.GcPause);
                used[c].Add(m.CoresUsed);
            }
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

        int baseCount = counts[0];
        var rows = counts.Select(c =>
        {
            var ratios = rates[c].Zip(rates[baseCount], (x, b) => x / b).Order().ToList();
            var perCpu = rates[c].Zip(used[c], (x, u) => x / u).ToList();
            var perCpuBase = rates[baseCount].Zip(used[baseCount], (x, u) => x / u).ToList();
            var efficiency = perCpu.Zip(perCpuBase, (x, b) => x / b).Order().ToList();
            return new
            {
                threads = c,
                queries_per_s = Median(rates[c]),
                min = rates[c].Min(),
                max = rates[c].Max(),
                speedup = Median(ratios),
                speedup_min = ratios[0],
                speedup_max = ratios[^1],
                allocated_bytes_per_query = Median(bytes[c]),
                gc_pause_fraction = Median(pauses[c]),
                cores_used = Median(used[c]),
                queries_per_cpu_s = Median(perCpu),
                per_cpu_s_vs_base = Median(efficiency),
                per_cpu_s_vs_base_min = efficiency[0],
                per_cpu_s_vs_base_max = efficiency[^1],
            };
        }).ToList();
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(new { cores = Environment.ProcessorCount, server_gc = System.Runtime.GCSettings.IsServerGC, rounds, seconds, writer, loadavg_after = load, rows }));
            return Program.Ok;
        }
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, {rounds} rounds x {seconds} s per thread count, interleaved; writer {(writer ? "on" : "off")}; load average after: {load}");
        Console.WriteLine($"{"threads",8} {"queries/s (median)",20} {"range",24} {"vs " + baseCount + " thread(s)",16} {"range",16} {"bytes/query",12} {"GC pause",9} {"CPU used",9} {"per CPU-s",11} {"vs " + baseCount,6} {"range",12}");
        foreach (var x in rows)
            Console.WriteLine(string.Format(inv, "{0,8} {1,20:N0} {2,24} {3,15:F2}x {4,16} {5,12:N0} {6,8:P1} {7,9:F2} {8,11:N0} {9,5:F2}x {10,12}", x.threads, x.queries_per_s,
                string.Format(inv, "{0:N0}..{1:N0}", x.min, x.max), x.speedup, string.Format(inv, "{0:F2}..{1:F2}", x.speedup_min, x.speedup_max),
                x.allocated_bytes_per_query, x.gc_pause_fraction, x.cores_used, x.queries_per_cpu_s, x.per_cpu_s_vs_base,
                string.Format(inv, "{0:F2}..{1:F2}", x.per_cpu_s_vs_base_min, x.per_cpu_s_vs_base_max)));
        return Program.Ok;
    }

    /// <summary>The query text with <paramref name="first"/> spaces after its first comma and <paramref name="second"/> after its second.</summary>
    private static string Layout(string text, int first, int second)
    {
        int a = text.IndexOf(',', StringComparison.Ordinal), b = text.IndexOf(',', a + 1);
        return text[..(a + 1)] + new string(' ', first) + text[(a + 2)..(b + 1)] + new string(' ', second) + text[(b + 2)..];
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static bool s_pin;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint size, ref ulong mask);

    /// <summary>Pins the calling thread to the <paramref name="index"/>-th CPU the process may run on (modulo their number).</summary>
    private static void PinThread(int index)
    {
        if (!OperatingSystem.IsLinux()) return;
        ulong allowed = (ulong)(long)Process.GetCurrentProcess().ProcessorAffinity;
        var cpus = Enumerable.Range(0, 64).Where(c => (allowed >> c & 1) != 0).ToArray();
        ulong mask = 1UL << cpus[index % cpus.Length];
        if (sched_setaffinity(0, sizeof(ulong), ref mask) != 0) throw new InvalidOperationException("sched_setaffinity failed");
    }

    /// <summary>
    /// Queries per second of <paramref name="threads"/> readers together over <paramref name="seconds"/>, the bytes the
    /// process allocated per query meanwhile, the fraction of the wall time the GC held the threads paused and the
    /// process's CPU time over the wall time (cores used: below the thread count, the readers waited for something).
    /// </summary>
    private static (double Rate, double BytesPerQuery, double GcPause, double CoresUsed) Measure(Func<int, int> query, int threads, double seconds, BeliefStore? writer)
    {
        long total = 0;
        using var stop = new CancellationTokenSource();
        using var start = new Barrier(threads + 1);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int seed = t;
            workers[t] = new Thread(() =>
            {
                long n = 0;
                int i = seed * 7;
                if (s_pin) PinThread(seed);
                start.SignalAndWait();
                while (!stop.IsCancellationRequested)
                {
                    for (int k = 0; k < 64; k++)
                        if (query(i++ & 63) != 1) throw new InvalidOperationException("wrong answer");
                    n += 64;
                }
                Interlocked.Add(ref total, n);
            })
            { IsBackground = true };
            workers[t].Start();
        }
        Thread? w = null;
        if (writer is { } store)
        {
            w = new Thread(() =>
            {
                int i = 0;
                while (!stop.IsCancellationRequested)
                {
                    var fact = $"at(writer_obj_{i % 100}, room_{i % 3})";
                    if ((i / 100) % 2 == 0) store.AddBelief("writer", fact);
                    else store.RemoveBelief("writer", fact);
                    i++;
                    Thread.Sleep(1);
                }
            })
            { IsBackground = true };
            w.Start();
        }
        long bytes0 = GC.GetTotalAllocatedBytes();
        var pause0 = GC.GetTotalPauseDuration();
        using var self = Process.GetCurrentProcess();
        var cpu0 = self.TotalProcessorTime;
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        foreach (var t in workers) t.Join();
        double elapsed = clock.Elapsed.TotalSeconds;
        self.Refresh();
        double cpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
        double allocated = GC.GetTotalAllocatedBytes() - bytes0;
        double paused = (GC.GetTotalPauseDuration() - pause0).TotalSeconds;
        w?.Join();
        return (total / elapsed, allocated / Math.Max(1, total), paused / elapsed, cpu / elapsed);
    }
}
