using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pwmk.Cli;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Bench.Planner;

/// <summary><c>pwmk-bench planner</c>: solve rate and time over the mA* benchmark problems.</summary>
internal static partial class PlannerCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo?>("--data") { Description = "folder holding the mA* problems (searched recursively for *.txt); default $PWMK_DATA/epistemic/mastar" };
        var timeout = new Option<int>("--timeout-ms") { Description = "per-problem wall-clock limit", DefaultValueFactory = _ => 60_000 };
        var search = new Option<string>("--search") { Description = "bfs, astar, gbfs or iddfs (as pwmk plan)", DefaultValueFactory = _ => "bfs" };
        search.AcceptOnlyFromAmong("bfs", "astar", "gbfs", "iddfs");
        var filter = new Option<string?>("--filter") { Description = "only problems whose path contains this text" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("planner", "Run the mA* planner on every shared problem: coverage, plan lengths, times");
        cmd.Options.Add(data);
        cmd.Options.Add(timeout);
        cmd.Options.Add(search);
        cmd.Options.Add(filter);
        cmd.Options.Add(format);
        cmd.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(data) ?? DefaultData();
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
            var strategy = parse.GetValue(search) switch
            {
                "astar" => SearchStrategy.AStar,
                "gbfs" => SearchStrategy.Gbfs,
                "iddfs" => SearchStrategy.IterativeDeepening,
                _ => SearchStrategy.Bfs,
            };
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
            var progress = ProgressLine.For(stderr, json);
            foreach (var f in files)
            {
                var name = Path.GetRelativePath(dir.FullName, f.FullName);
                progress.Draw(rows.Count, files.Count, $"solved {solved}  {name}", force: true);
                var m = PlanLength().Match(f.Name);
                int? expected = m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
                var row = new Dictionary<string, object?> { ["problem"] = name, ["expected"] = expected };
                MastarProblem problem;
                var started = System.Diagnostics.Stopwatch.StartNew();
                var cpu0 = Environment.CpuUsage.UserTime + Environment.CpuUsage.PrivilegedTime;
                try
                {
                    problem = MastarProblem.Parse(File.ReadAllText(f.FullName), name);
                }
                catch (MastarSyntaxException e)
                {
                    rejected++;
                    row["error"] = e.Message;
                    rows.Add(row);
                    if (!json)
                    {
                        progress.Clear();
                        stdout.WriteLine($"{name,-60} rejected: {e.Detail}");
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
                {
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
                {
                    progress.Clear();
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name,-60} {(r.Solved ? "solved" : r.Reason),-22} len {r.Length,3} exp {r.Expanded,8} gen {r.Generated,9} {r.Elapsed.TotalMilliseconds,10:F1} ms search {totalMs,10:F1} ms total {cpuMs,10:F1} ms cpu{note}"));
                }
            }
            progress.Clear();
            if (json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["problems"] = files.Count,
                    ["solved"] = solved,
                    ["rejected"] = rejected,
                    ["lengthMatches"] = lengthOk,
                    ["invalidPlans"] = invalid,
                    ["seconds"] = Math.Round(total.TotalSeconds, 3),
                    ["cpuSeconds"] = Math.Round(totalCpu / 1000, 3),
                    ["results"] = rows,
                }));
            }
            else
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"problems {files.Count}, solved {solved}, rejected {rejected}, plan length = __pl_N on {lengthOk}/{withLength} solved with a length, invalid plans {invalid}, total time (parse + search) {total.TotalSeconds:F2} s wall, {totalCpu / 1000:F2} s cpu"));
            }
            return invalid == 0 ? Program.Ok : Program.NoResult;
        });
        return cmd;
    }

    private static DirectoryInfo? DefaultData() =>
        Environment.GetEnvironmentVariable("PWMK_DATA") is { Length: > 0 } root ? new DirectoryInfo(Path.Combine(root, "epistemic", "mastar")) : null;

    [GeneratedRegex(@"__pl_(\d+)(?:_wrong)?\.txt$")]
    private static partial Regex PlanLength();
}
