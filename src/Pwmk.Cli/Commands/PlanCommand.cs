using System.CommandLine;
using System.Text.Json;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk plan --mastar FILE</c>: solves an mA* epistemic planning problem.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var file = new Option<FileInfo>("--mastar") { Description = "mA* problem file (the language of the EFP and deep planners)", Required = true };
        var search = SearchOption();
        var timeout = new Option<int>("--timeout-ms") { Description = "wall-clock limit in milliseconds", DefaultValueFactory = _ => 60_000 };
        var maxNodes = new Option<int>("--max-nodes") { Description = "most search nodes kept in memory", DefaultValueFactory = _ => 1_000_000 };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("plan", "Find a plan for an epistemic planning problem");
        cmd.Options.Add(file);
        cmd.Options.Add(search);
        cmd.Options.Add(timeout);
        cmd.Options.Add(maxNodes);
        cmd.Options.Add(format);
        cmd.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            var json = parse.GetValue(format) == "json";
            var ms = parse.GetValue(timeout);
            var nodes = parse.GetValue(maxNodes);
            if (ms <= 0 || nodes <= 0)
            {
                stderr.WriteLine("pwmk plan: --timeout-ms and --max-nodes must be positive");
                return Program.BadInput;
            }
            MastarProblem problem;
            try
            {
                problem = MastarProblem.Parse(File.ReadAllText(path.FullName), path.Name);
            }
            catch (MastarSyntaxException e)
            {
                stderr.WriteLine($"pwmk plan: {e.Message}");
                return Program.BadInput;
            }
            catch (IOException e)
            {
                stderr.WriteLine($"pwmk plan: cannot read {path}: {e.Message}");
                return Program.BadInput;
            }
            catch (UnauthorizedAccessException e)
            {
                stderr.WriteLine($"pwmk plan: cannot read {path}: {e.Message}");
                return Program.BadInput;
            }
            var strategy = Strategy(parse.GetValue(search)!);
            var progress = ProgressLine.For(Console.Error, json);
            var result = progress.Run($"searching ({strategy}, up to {ms} ms)", () => MastarPlanner.Solve(problem, new PlanSearchOptions(strategy, TimeSpan.FromMilliseconds(ms), nodes)));
            if (json)
            {
                stdout.WriteLine(ToJson(result));
            }
            else if (result.Solved)
            {
                stdout.WriteLine($"solved: {result.Length} actions, {result.Expanded} expanded, {result.Generated} generated, {result.Elapsed.TotalSeconds:F3} s");
                foreach (var a in result.Actions)
                {
                    stdout.WriteLine(a);
                }
            }
            else
            {
                stdout.WriteLine($"not solved ({result.Reason}): {result.Expanded} expanded, {result.Generated} generated, {result.Elapsed.TotalSeconds:F3} s");
            }
            if (!result.Solved)
            {
                stderr.WriteLine($"pwmk plan: no plan ({result.Reason})");
            }
            return result.Solved ? Program.Ok : Program.NoResult;
        });
        return cmd;
    }

    internal static string ToJson(MastarPlan result)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteBoolean("solved", result.Solved);
            w.WriteStartArray("plan");
            foreach (var a in result.Actions)
            {
                w.WriteStringValue(a);
            }
            w.WriteEndArray();
            w.WriteNumber("length", result.Length);
            w.WriteNumber("expanded", result.Expanded);
            w.WriteNumber("generated", result.Generated);
            w.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 6));
            if (!result.Solved)
            {
                w.WriteString("reason", result.Reason);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The <c>--search</c> option shared by <c>plan</c> and <c>bench planner</c>.</summary>
    internal static Option<string> SearchOption()
    {
        var search = new Option<string>("--search") { Description = "bfs (shortest plan), astar, gbfs or iddfs (iterative deepening, shortest plan, little memory)", DefaultValueFactory = _ => "bfs" };
        search.AcceptOnlyFromAmong("bfs", "astar", "gbfs", "iddfs");
        return search;
    }

    /// <summary>The search strategy a <c>--search</c> value names.</summary>
    internal static SearchStrategy Strategy(string search) => search switch
    {
        "astar" => SearchStrategy.AStar,
        "gbfs" => SearchStrategy.Gbfs,
        "iddfs" => SearchStrategy.IterativeDeepening,
        _ => SearchStrategy.Bfs,
    };
}
