using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pwmk.Cli;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Bench.Planner;

/// <summary>
/// <c>pwmk-bench planner</c>: solve rate, plan lengths and times over the mA* benchmark problems, for one search or
/// several side by side (<c>--search bfs,astar</c>: a per-instance table), with the reference planner's breadth-first
/// lengths and node counts beside them when its table is there.
/// </summary>
internal static partial class PlannerCommand
{
    /// <summary>One search configuration of a run: strategy and heuristic, as <c>NAME[:HEURISTIC]</c>.</summary>
    private sealed record Config(string Label, PlanSearchOptions Options);

    /// <summary>The reference planner's breadth-first result on one problem.</summary>
    private sealed record Reference(int Length, long Expanded);

    /// <summary>What one configuration did over the whole run.</summary>
    private sealed class Tally
    {
        public int Solved, Unsolvable, Timeouts, Other, LengthOk, WithLength, ReferenceOk, WithReference, Invalid;
        public double Seconds, CpuSeconds;
    }

    public static Command Create()
    {
        var data = new Option<DirectoryInfo?>("--data") { Description = "folder holding the mA* problems (searched recursively for *.txt); default $PWMK_DATA/epistemic/mastar" };
        var timeout = new Option<int>("--timeout-ms") { Description = "per-problem wall-clock limit", DefaultValueFactory = _ => 60_000 };
        var search = new Option<string>("--search")
        {
            Description = "comma-separated searches, each bfs, astar, gbfs or iddfs, optionally with :hmax, :hadd, :hff or :goal-count "
                + "(e.g. bfs,astar:hmax); several give a per-instance table",
            DefaultValueFactory = _ => "bfs",
        };
        var threads = new Option<int>("--threads") { Description = "threads expanding states (plans and node counts do not depend on it)", DefaultValueFactory = _ => 1 };
        var reference = new Option<FileInfo?>("--reference")
        {
            Description = "the reference planner's breadth-first table (problem, length, expanded, plan); default $PWMK_DATA/epistemic/reference_bfs.tsv when present",
        };
        var filter = new Option<string?>("--filter") { Description = "only problems whose path contains this text" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("planner", "Run the mA* planner on every shared problem: coverage, plan lengths, times, searches side by side");
        cmd.Options.Add(data);
        cmd.Options.Add(timeout);
        cmd.Options.Add(search);
        cmd.Options.Add(threads);
        cmd.Options.Add(reference);
        cmd.Options.Add(filter);
        cmd.Options.Add(format);
        cmd.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(data) ?? (DataPath("mastar") is { } mastar ? new DirectoryInfo(mastar) : null);
            if (dir is null)
            {
                stderr.WriteLine("pwmk-bench planner: --data not given and PWMK_DATA not set (the folder of the data sets, holding epistemic/mastar)");
                return Program.BadInput;
            }
            if (!dir.Exists)
            {
                stderr.WriteLine($"pwmk-bench planner: no folder {dir.FullName}");
                return Program.BadInput;
            }
            var t = parse.GetValue(threads);
            if (t is < 1 or > 256)
            {
                stderr.WriteLine($"pwmk-bench planner: --threads must be in 1..256, got {t}");
                return Program.BadInput;
            }
            var timeLimit = TimeSpan.FromMilliseconds(parse.GetValue(timeout));
            var configs = ParseConfigs(parse.GetValue(search) ?? "bfs", timeLimit, t, out var configError);
            if (configs is null)
            {
                stderr.WriteLine($"pwmk-bench planner: --search: {configError}");
                return Program.BadInput;
            }
            var refFile = parse.GetValue(reference) ?? (DataPath("reference_bfs.tsv") is { } table ? new FileInfo(table) : null);
            if (parse.GetValue(reference) is { Exists: false } missing)
            {
                stderr.WriteLine($"pwmk-bench planner: no file {missing.FullName}");
                return Program.BadInput;
            }
            var references = refFile is { Exists: true } ? ReadReference(refFile) : [];
            var json = parse.GetValue(format) == "json";
            var only = parse.GetValue(filter);
            var files = dir.EnumerateFiles("*.txt", SearchOption.AllDirectories)
                .Where(f => only is null || f.FullName.Contains(only, StringComparison.Ordinal))
                .OrderBy(f => f.FullName, StringComparer.Ordinal).ToList();
            var tallies = configs.Select(_ => new Tally()).ToArray();
            int rejected = 0;
            var rows = new List<Dictionary<string, object?>>();
            var progress = ProgressLine.For(stderr, json);
            if (!json)
            {
                stdout.WriteLine(Header(configs));
            }
            foreach (var f in files)
            {
                var name = Path.GetRelativePath(dir.FullName, f.FullName);
                progress.Draw(rows.Count, files.Count, name, force: true);
                var m = PlanLength().Match(f.Name);
                int? expected = m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
                var key = Path.ChangeExtension(name, null).Replace('\\', '/');
                var refRow = references.GetValueOrDefault(key);
                var row = new Dictionary<string, object?> { ["problem"] = name, ["expected"] = expected };
                if (refRow is not null)
                {
                    row["reference"] = new Dictionary<string, object?> { ["length"] = refRow.Length, ["expandedWithoutDuplicateCheck"] = refRow.Expanded };
                }
                var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-58} {expected?.ToString(CultureInfo.InvariantCulture) ?? "-",3} {refRow?.Length.ToString(CultureInfo.InvariantCulture) ?? "-",4}"));
                MastarProblem? problem = null;
                try
                {
                    problem = MastarProblem.Parse(File.ReadAllText(f.FullName), name);
                }
                catch (MastarSyntaxException e)
                {
                    rejected++;
                    row["error"] = e.Message;
                    line.Append(" rejected: ").Append(e.Detail);
                }
                if (problem is not null)
                {
                    var runs = new Dictionary<string, object?>();
                    for (var c = 0; c < configs.Count; c++)
                    {
                        var (run, cell) = RunOne(problem, configs[c].Options, expected, refRow, tallies[c]);
                        runs[configs[c].Label] = run;
                        line.Append(" | ").Append(cell);
                    }
                    row["runs"] = runs;
                }
                rows.Add(row);
                if (!json)
                {
                    progress.Clear();
                    stdout.WriteLine(line.ToString());
                }
            }
            progress.Clear();
            var summaries = configs.Select((c, i) => Summary(c, tallies[i])).ToList();
            if (json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["problems"] = files.Count,
                    ["rejected"] = rejected,
                    ["timeoutMs"] = parse.GetValue(timeout),
                    ["threads"] = t,
                    ["searches"] = summaries,
                    ["results"] = rows,
                }));
            }
            else
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"problems {files.Count}, rejected {rejected}"));
                for (var c = 0; c < configs.Count; c++)
                {
                    var s = tallies[c];
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{configs[c].Label}: solved {s.Solved}, proved unsolvable {s.Unsolvable}, timeouts {s.Timeouts}, other {s.Other}, "
                        + $"length = __pl_N on {s.LengthOk}/{s.WithLength}, = reference on {s.ReferenceOk}/{s.WithReference}, invalid plans {s.Invalid}, "
                        + $"total search (each problem parsed once, before) {s.Seconds:F2} s wall, {s.CpuSeconds:F2} s cpu"));
                }
            }
            return tallies.All(s => s.Invalid == 0) ? Program.Ok : Program.NoResult;
        });
        return cmd;
    }

    /// <summary>Plans one problem with one configuration, checks the plan, counts it, and gives its JSON row and its table cell.</summary>
    private static (Dictionary<string, object?> Run, string Cell) RunOne(MastarProblem problem, PlanSearchOptions options, int? expected,
        Reference? reference, Tally tally)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var cpu0 = Environment.CpuUsage.TotalTime;
        var r = MastarPlanner.Solve(problem, options);
        var wall = started.Elapsed;
        var cpu = Environment.CpuUsage.TotalTime - cpu0;
        tally.Seconds += wall.TotalSeconds;
        tally.CpuSeconds += cpu.TotalSeconds;
        var run = new Dictionary<string, object?>
        {
            ["status"] = r.StatusName,
            ["length"] = r.Solved ? r.Length : null,
            ["expanded"] = r.Expanded,
            ["generated"] = r.Generated,
            ["ms"] = Math.Round(wall.TotalMilliseconds, 1),
            ["cpuMs"] = Math.Round(cpu.TotalMilliseconds, 1),
        };
        var note = "";
        switch (r.Status)
        {
            case PlanStatus.Solved:
                tally.Solved++;
                if (MastarPlanner.Validate(problem, r.Actions) is { } err)
                {
                    tally.Invalid++;
                    run["invalid"] = err;
                    note = " INVALID";
                }
                if (expected is { } e)
                {
                    tally.WithLength++;
                    tally.LengthOk += e == r.Length ? 1 : 0;
                }
                if (reference is not null)
                {
                    tally.WithReference++;
                    tally.ReferenceOk += reference.Length == r.Length ? 1 : 0;
                    note += reference.Length == r.Length ? "" : " !=ref";
                }
                break;
            case PlanStatus.ProvedUnsolvable:
                tally.Unsolvable++;
                break;
            case PlanStatus.Timeout:
                tally.Timeouts++;
                break;
            default:
                tally.Other++;
                break;
        }
        var what = r.Solved ? r.Length.ToString(CultureInfo.InvariantCulture) : r.StatusName;
        return (run, string.Create(CultureInfo.InvariantCulture, $"{what,4} {r.Expanded,8} {wall.TotalMilliseconds,9:F1}{note}"));
    }

    /// <summary>Two header lines: each search's label over its three columns, then the column names.</summary>
    private static string Header(List<Config> configs)
    {
        var top = new StringBuilder($"{"",-58} {"",3} {"",4}");
        var names = new StringBuilder($"{"problem",-58} {"pl",3} {"ref",4}");
        foreach (var c in configs)
        {
            top.Append(" | ").Append($"{c.Label,-23}");
            names.Append(" | ").Append($"{"len",4} {"expanded",8} {"ms",9}");
        }
        return top + Environment.NewLine + names;
    }

    private static Dictionary<string, object?> Summary(Config c, Tally s) => new()
    {
        ["search"] = c.Label,
        ["solved"] = s.Solved,
        ["provedUnsolvable"] = s.Unsolvable,
        ["timeouts"] = s.Timeouts,
        ["otherEnds"] = s.Other,
        ["lengthMatches"] = s.LengthOk,
        ["withLength"] = s.WithLength,
        ["referenceLengthMatches"] = s.ReferenceOk,
        ["withReference"] = s.WithReference,
        ["invalidPlans"] = s.Invalid,
        ["seconds"] = Math.Round(s.Seconds, 3),
        ["cpuSeconds"] = Math.Round(s.CpuSeconds, 3),
    };

    /// <summary>Reads <c>NAME[:HEURISTIC]</c> items; null with <paramref name="error"/> set when one is not known.</summary>
    private static List<Config>? ParseConfigs(string text, TimeSpan timeout, int threads, out string error)
    {
        var configs = new List<Config>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split(':', 2);
            SearchStrategy? strategy = parts[0] switch
            {
                "bfs" => SearchStrategy.Bfs,
                "astar" => SearchStrategy.AStar,
                "gbfs" => SearchStrategy.Gbfs,
                "iddfs" => SearchStrategy.IterativeDeepening,
                _ => null,
            };
            SearchHeuristic? heuristic = parts.Length < 2 ? null : parts[1] switch
            {
                "hmax" => SearchHeuristic.HMax,
                "hadd" => SearchHeuristic.HAdd,
                "hff" => SearchHeuristic.HFF,
                "goal-count" => SearchHeuristic.GoalCount,
                _ => (SearchHeuristic)(-1),
            };
            if (strategy is null || heuristic == (SearchHeuristic)(-1)
                || (heuristic is not null && strategy is not (SearchStrategy.AStar or SearchStrategy.Gbfs)))
            {
                error = $"'{item}' is not one of bfs, iddfs, astar[:hmax|hadd|hff|goal-count], gbfs[:hmax|hadd|hff|goal-count]";
                return null;
            }
            var options = new PlanSearchOptions(strategy.Value, timeout, Heuristic: heuristic, Threads: threads);
            var label = options.EffectiveHeuristic is { } h ? $"{parts[0]}:{HeuristicName(h)}" : parts[0];
            configs.Add(new Config(label, options));
        }
        error = configs.Count == 0 ? "no search named" : "";
        return configs.Count == 0 ? null : configs;
    }

    private static string HeuristicName(SearchHeuristic h) => h switch
    {
        SearchHeuristic.HMax => "hmax",
        SearchHeuristic.HAdd => "hadd",
        SearchHeuristic.HFF => "hff",
        _ => "goal-count",
    };

    /// <summary>The reference table: problem path without extension (relative to the mA* folder) to its length and node count.</summary>
    private static Dictionary<string, Reference> ReadReference(FileInfo file)
    {
        var table = new Dictionary<string, Reference>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(file.FullName).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length >= 3 && int.TryParse(cols[1], CultureInfo.InvariantCulture, out var len)
                && long.TryParse(cols[2], CultureInfo.InvariantCulture, out var exp))
            {
                table[cols[0]] = new Reference(len, exp);
            }
        }
        return table;
    }

    /// <summary>An entry of <c>$PWMK_DATA/epistemic</c>, or null when the variable is not set.</summary>
    private static string? DataPath(string entry) =>
        Environment.GetEnvironmentVariable("PWMK_DATA") is { Length: > 0 } root ? Path.Combine(root, "epistemic", entry) : null;

    [GeneratedRegex(@"__pl_(\d+)(?:_wrong)?\.txt$")]
    private static partial Regex PlanLength();
}
