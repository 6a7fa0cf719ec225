using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pwmk.Cli.Bench;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk bench ...</c>: benchmarks measured side by side with their anchors.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks against their anchors (SWI-Prolog, PyTorch, ...)");
        bench.Subcommands.Add(Beliefs());
        return bench;
    }

    private static Command Beliefs()
    {
        var reps = new Option<int>("--reps") { Description = "Repetitions of each workload (median reported)", DefaultValueFactory = _ => 3 };
        var nrev = new Option<int>("--nrev-iterations") { Description = "Naive-reverse iterations", DefaultValueFactory = _ => 300_000 };
        var swiDir = new Option<string>("--swi-dir") { Description = "Folder of the SWI-Prolog workloads", DefaultValueFactory = _ => DefaultSwiDir() };
        var noSwi = new Option<bool>("--no-swi") { Description = "Run only PWMK's engine" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var cmd = new Command("beliefs", "Belief-store workloads in PWMK's engine and in swipl, with checksums, ratios and memory")
        {
            reps, nrev, swiDir, noSwi, format,
        };
        cmd.SetAction(r => RunBeliefs(r.GetValue(reps), r.GetValue(nrev), r.GetValue(swiDir)!, r.GetValue(noSwi), r.GetValue(format)!));
        return cmd;
    }

    private static string DefaultSwiDir()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string c = Path.Combine(d.FullName, "shared", "bench", "swi-prolog");
                if (Directory.Exists(c)) return c;
            }
        }
        return "../shared/bench/swi-prolog";
    }

    private static int RunBeliefs(int reps, int nrevIterations, string swiDir, bool noSwi, string format)
    {
        if (reps < 1 || reps > 100 || nrevIterations < 1)
        {
            Console.Error.WriteLine("--reps must be 1..100 and --nrev-iterations positive");
            return Program.BadInput;
        }
        if (!noSwi && !Directory.Exists(swiDir))
        {
            Console.Error.WriteLine($"--swi-dir: folder not found: {swiDir}");
            return Program.BadInput;
        }
        var b = new BeliefBench(Console.Error);
        var data = BeliefBench.Generate();
        BeliefBench.Figures? swi = null;
        if (!noSwi) swi = b.RunSwi(swiDir, data, reps, nrevIterations);
        var ours = b.RunEngine(data, reps, nrevIterations);
        bool checksOk = swi is null || swi.Check == ours.Check;
        var rows = new (string Key, string Label, bool HigherIsBetter)[]
        {
            ("load_consult_s", "load facts.pl by consult (s)", false),
            ("i_point_us", "(i) point query (us/query)", false),
            ("ii_enum_us", "(ii) enumeration (us/query)", false),
            ("iii_second_us", "(iii) second-order query (us/query)", false),
            ("iv_reach_s", "(iv) tabled reach/2 (s)", false),
            ("nrev_mlips", "naive reverse (M LIPS)", true),
        };
        if (format == "json")
        {
            var obj = new
            {
                checks = new { pwmk = ours.Check, swipl = swi?.Check, equal = checksOk },
                workloads = rows.Select(r => new
                {
                    name = r.Key,
                    pwmk = ours.Values.GetValueOrDefault(r.Key),
                    swipl = swi?.Values.GetValueOrDefault(r.Key),
                    speedup = swi is null ? (double?)null : Speedup(r.HigherIsBetter, swi.Values.GetValueOrDefault(r.Key), ours.Values.GetValueOrDefault(r.Key)),
                }),
                memory = new { pwmk_rss_after_load_mib = ours.LoadRssMiB, swipl_rss_after_load_mib = swi?.LoadRssMiB, pwmk_peak_rss_mib = ours.PeakRssMiB, swipl_peak_rss_mib = swi?.PeakRssMiB },
            };
            Console.WriteLine(JsonSerializer.Serialize(obj));
        }
        else
        {
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"{"workload",-38} {"swipl",12} {"pwmk",12} {"pwmk speed-up",14}");
            foreach (var (key, label, higher) in rows)
            {
                double o = ours.Values.GetValueOrDefault(key, double.NaN);
                double s = swi?.Values.GetValueOrDefault(key, double.NaN) ?? double.NaN;
                Console.WriteLine(string.Format(inv, "{0,-38} {1,12:G5} {2,12:G5} {3,13:F2}x", label, s, o, Speedup(higher, s, o)));
            }
            Console.WriteLine(string.Format(inv, "{0,-38} {1,12:F1} {2,12:F1}", "resident memory after load (MiB)", swi?.LoadRssMiB ?? double.NaN, ours.LoadRssMiB));
            Console.WriteLine(string.Format(inv, "{0,-38} {1,12:F1} {2,12:F1}", "peak resident memory (MiB)", swi?.PeakRssMiB ?? double.NaN, ours.PeakRssMiB));
            Console.WriteLine($"pwmk  {ours.Check}");
            if (swi is not null) Console.WriteLine($"swipl {swi.Check}");
            Console.WriteLine(checksOk ? "checksums agree" : "CHECKSUMS DIFFER");
        }
        return checksOk ? Program.Ok : Program.BadInput;
    }

    private static double Speedup(bool higherIsBetter, double swi, double ours) => higherIsBetter ? ours / swi : swi / ours;
using System.Text.RegularExpressions;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;


/// <summary><c>pwmk bench planner</c>: solve rate and time over the shared mA* benchmark problems.</summary>
internal static partial class BenchCommand
        var bench = new Command("bench", "Quick benchmarks of PWMK components");
        bench.Subcommands.Add(CreatePlanner());

    private static Command CreatePlanner()
        var data = new Option<DirectoryInfo>("--data") { Description = "folder holding the mA* problems (searched recursively for *.txt)", DefaultValueFactory = _ => new DirectoryInfo(DefaultData()) };
        var timeout = new Option<int>("--timeout-ms") { Description = "per-problem wall-clock limit", DefaultValueFactory = _ => 60_000 };
        var search = new Option<string>("--search") { Description = "bfs, astar or gbfs", DefaultValueFactory = _ => "bfs" };
        search.AcceptOnlyFromAmong("bfs", "astar", "gbfs");
        var filter = new Option<string?>("--filter") { Description = "only problems whose path contains this text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("planner", "Run the mA* planner on every shared problem: coverage, plan lengths, times");
        cmd.Options.Add(data);
        cmd.Options.Add(timeout);
        cmd.Options.Add(search);
        cmd.Options.Add(filter);
        cmd.Options.Add(format);
        cmd.SetAction(parse =>
            var dir = parse.GetValue(data)!;
            if (!dir.Exists)
                Console.Error.WriteLine($"pwmk bench planner: no folder {dir.FullName}");
                return Program.BadInput;
            var strategy = parse.GetValue(search) switch
                "astar" => SearchStrategy.AStar,
                "gbfs" => SearchStrategy.Gbfs,
                _ => SearchStrategy.Bfs,
            var json = parse.GetValue(format) == "json";
            var only = parse.GetValue(filter);
            var options = new PlanSearchOptions(strategy, TimeSpan.FromMilliseconds(parse.GetValue(timeout)));
            var files = dir.EnumerateFiles("*.txt", SearchOption.AllDirectories)
                .Where(f => only is null || f.FullName.Contains(only, StringComparison.Ordinal))
                .OrderBy(f => f.FullName, StringComparer.Ordinal).ToList();
            int solved = 0, rejected = 0, lengthOk = 0, withLength = 0, invalid = 0;
            var total = TimeSpan.Zero;
            var totalCpu = 0.0;
            var rows = new List<Dictionary<string, object?>>();
            foreach (var f in files)
                var name = Path.GetRelativePath(dir.FullName, f.FullName);
                var m = PlanLength().Match(f.Name);
                int? expected = m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
                var row = new Dictionary<string, object?> { ["problem"] = name, ["expected"] = expected };
                MastarProblem problem;
                var started = System.Diagnostics.Stopwatch.StartNew();
                var cpu0 = Environment.CpuUsage.UserTime + Environment.CpuUsage.PrivilegedTime;
                try
                    problem = MastarProblem.Parse(File.ReadAllText(f.FullName), name);
                }
                catch (MastarSyntaxException e)
                    rejected++;
                    row["error"] = e.Message;
                    rows.Add(row);
                    if (!json)
                    {
                        Console.WriteLine($"{name,-60} rejected: {e.Detail}");
                    }
                    continue;
                }
                var r = MastarPlanner.Solve(problem, options);
                var totalMs = started.Elapsed.TotalMilliseconds;
                var cpuMs = (Environment.CpuUsage.UserTime + Environment.CpuUsage.PrivilegedTime - cpu0).TotalMilliseconds;
                totalCpu += cpuMs;
                total += started.Elapsed;
                row["solved"] = r.Solved;
                row["length"] = r.Length;
                row["expanded"] = r.Expanded;
                row["generated"] = r.Generated;
                row["ms"] = Math.Round(r.Elapsed.TotalMilliseconds, 1);
                row["totalMs"] = Math.Round(totalMs, 1);
                row["cpuMs"] = Math.Round(cpuMs, 1);
                row["reason"] = r.Reason;
                var note = "";
                if (r.Solved)
                    solved++;
                    var err = MastarPlanner.Validate(problem, r.Actions);
                    if (err is not null)
                    {
                        invalid++;
                        note = " INVALID: " + err;
                        row["invalid"] = err;
                    }
                    if (expected is { } e)
                    {
                        withLength++;
                        if (e == r.Length)
                        {
                            lengthOk++;
                        }
                        else
                        {
                            note += $" LENGTH {r.Length} != {e}";
                        }
                    }
                }
                rows.Add(row);
                if (!json)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name,-60} {(r.Solved ? "solved" : r.Reason),-22} len {r.Length,3} exp {r.Expanded,8} gen {r.Generated,9} {r.Elapsed.TotalMilliseconds,10:F1} ms search {totalMs,10:F1} ms total {cpuMs,10:F1} ms cpu{note}"));
                }
            if (json)
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                    ["problems"] = files.Count,
                    ["solved"] = solved,
                    ["rejected"] = rejected,
                    ["lengthMatches"] = lengthOk,
                    ["invalidPlans"] = invalid,
                    ["seconds"] = Math.Round(total.TotalSeconds, 3),
                    ["cpuSeconds"] = Math.Round(totalCpu / 1000, 3),
                    ["results"] = rows,
                }));
            else
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"problems {files.Count}, solved {solved}, rejected {rejected}, plan length = __pl_N on {lengthOk}/{withLength} solved with a length, invalid plans {invalid}, total time (parse + search) {total.TotalSeconds:F2} s wall, {totalCpu / 1000:F2} s cpu"));
            return invalid == 0 ? Program.Ok : Program.NoResult;
        });

    private static string DefaultData()
        foreach (var candidate in new[] { "../shared/data/epistemic/mastar", "/work/shared/data/epistemic/mastar" })
            if (Directory.Exists(candidate))
                return candidate;
        return "../shared/data/epistemic/mastar";

    [GeneratedRegex(@"__pl_(\d+)(?:_wrong)?\.txt$")]
    private static partial Regex PlanLength();
}
