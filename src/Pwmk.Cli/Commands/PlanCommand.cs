using System.CommandLine;
using System.Globalization;
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
        var heuristic = HeuristicOption();
        var threads = ThreadsOption();
        var memory = MemoryOption();
        var timeout = new Option<int>("--timeout-ms") { Description = "wall-clock limit in milliseconds", DefaultValueFactory = _ => 60_000 };
        var maxNodes = new Option<int>("--max-nodes") { Description = "most search nodes kept", DefaultValueFactory = _ => 10_000_000 };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("plan", "Find a plan for an epistemic planning problem");
        cmd.Options.Add(file);
        cmd.Options.Add(search);
        cmd.Options.Add(heuristic);
        cmd.Options.Add(threads);
        cmd.Options.Add(memory);
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
            if (!TryOptions(parse, search, heuristic, threads, memory, stderr, "pwmk plan", out var options))
            {
                return Program.BadInput;
            }
            options = options with { Timeout = TimeSpan.FromMilliseconds(ms), MaxNodes = nodes };
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
            var progress = ProgressLine.For(Console.Error, json);
            var result = progress.Run($"searching ({Describe(options)}, up to {ms} ms)", () => MastarPlanner.Solve(problem, options));
            var status = result.Status == PlanStatus.ProvedUnsolvable ? $"proved unsolvable: {result.Reason}" : result.Reason;
            if (json)
            {
                stdout.WriteLine(ToJson(result, options));
            }
            else
            {
                foreach (var note in result.Notes)
                {
                    stdout.WriteLine($"note: {note}");
                }
                if (result.Solved)
                {
                    stdout.WriteLine($"solved: {result.Length} actions, {result.Expanded} expanded, {result.Generated} generated, {result.Elapsed.TotalSeconds:F3} s");
                    foreach (var a in result.Actions)
                    {
                        stdout.WriteLine(a);
                    }
                }
                else
                {
                    stdout.WriteLine($"not solved ({status}): {result.Expanded} expanded, {result.Generated} generated, {result.Elapsed.TotalSeconds:F3} s");
                }
            }
            if (!result.Solved)
            {
                stderr.WriteLine($"pwmk plan: no plan ({status})");
            }
            return result.Solved ? Program.Ok : Program.NoResult;
        });
        return cmd;
    }

    /// <summary>
    /// The JSON of a result: <c>solved</c>, <c>plan</c>, <c>length</c>, <c>expanded</c>, <c>generated</c>, <c>seconds</c>,
    /// <c>reason</c> (unsolved only), then <c>status</c>, <c>search</c>, <c>heuristic</c> (when one is used) and <c>notes</c> (when any).
    /// </summary>
    internal static string ToJson(PlanResult result, PlanSearchOptions options)
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
            w.WriteString("status", result.StatusName);
            w.WriteString("search", SearchName(options.Strategy));
            if (options.EffectiveHeuristic is { } h)
            {
                w.WriteString("heuristic", HeuristicName(h));
            }
            if (result.Notes.Count > 0)
            {
                w.WriteStartArray("notes");
                foreach (var n in result.Notes)
                {
                    w.WriteStringValue(n);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The <c>--search</c> option shared by <c>plan</c> and the planner bench.</summary>
    internal static Option<string> SearchOption()
    {
        var search = new Option<string>("--search")
        {
            Description = "bfs (shortest plans, the default), astar (shortest plans with the admissible hmax), gbfs (greedy, fast, plans may be longer) or iddfs (iterative deepening: shortest plans, little memory)",
            DefaultValueFactory = _ => "bfs",
        };
        search.AcceptOnlyFromAmong("bfs", "astar", "gbfs", "iddfs");
        return search;
    }

    /// <summary>The <c>--heuristic</c> option.</summary>
    internal static Option<string?> HeuristicOption()
    {
        var heuristic = new Option<string?>("--heuristic")
        {
            Description = "heuristic of astar and gbfs: hmax (admissible; astar's default), hadd (informative, not admissible), hff (relaxed plan size: informative, not admissible; gbfs's default) or goal-count",
        };
        heuristic.AcceptOnlyFromAmong("hmax", "hadd", "hff", "goal-count");
        return heuristic;
    }

    /// <summary>The <c>--threads</c> option.</summary>
    internal static Option<int> ThreadsOption() => new("--threads")
    {
        Description = "threads expanding states (default 1: on 2 cores a second one did not pay; plans and node counts do not depend on it)",
        DefaultValueFactory = _ => 1,
    };

    /// <summary>The <c>--max-memory</c> option.</summary>
    internal static Option<string> MemoryOption() => new("--max-memory")
    {
        Description = "memory bound of the search, such as 512M or 2G (bytes without a suffix); beyond it the run ends 'out of memory bound'",
        DefaultValueFactory = _ => "2G",
    };

    /// <summary>Reads the search options shared by <c>plan</c> and the planner bench; false (after a message) on bad values.</summary>
    internal static bool TryOptions(ParseResult parse, Option<string> search, Option<string?> heuristic, Option<int> threads, Option<string> memory,
        TextWriter stderr, string command, out PlanSearchOptions options)
    {
        options = new PlanSearchOptions();
        var strategy = Strategy(parse.GetValue(search)!);
        var h = parse.GetValue(heuristic);
        if (h is not null && strategy is not (SearchStrategy.AStar or SearchStrategy.Gbfs))
        {
            stderr.WriteLine($"{command}: --heuristic needs --search astar or gbfs");
            return false;
        }
        var t = parse.GetValue(threads);
        if (t is < 1 or > 256)
        {
            stderr.WriteLine($"{command}: --threads must be in 1..256, got {t}");
            return false;
        }
        if (ParseBytes(parse.GetValue(memory)!) is not { } bytes)
        {
            stderr.WriteLine($"{command}: --max-memory must be a size such as 512M or 2G (at least 1M), got '{parse.GetValue(memory)}'");
            return false;
        }
        options = new PlanSearchOptions(strategy, MaxMemoryBytes: bytes, Heuristic: h is null ? null : Heuristic(h), Threads: t);
        return true;
    }

    /// <summary>A size in bytes from text such as <c>512M</c>, <c>2G</c>, <c>1500000</c>; null when malformed or under 1 MiB.</summary>
    internal static long? ParseBytes(string text)
    {
        text = text.Trim();
        long unit = 1;
        if (text.Length > 0 && char.ToUpperInvariant(text[^1]) is 'K' or 'M' or 'G' or 'T')
        {
            unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
            text = text[..^1];
        }
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value * unit < (1 << 20) || value * unit > 1e15)
        {
            return null;
        }
        return (long)(value * unit);
    }

    /// <summary>The search strategy a <c>--search</c> value names.</summary>
    internal static SearchStrategy Strategy(string search) => search switch
    {
        "astar" => SearchStrategy.AStar,
        "gbfs" => SearchStrategy.Gbfs,
        "iddfs" => SearchStrategy.IterativeDeepening,
        _ => SearchStrategy.Bfs,
    };

    /// <summary>The heuristic a <c>--heuristic</c> value names.</summary>
    internal static SearchHeuristic Heuristic(string name) => name switch
    {
        "hmax" => SearchHeuristic.HMax,
        "hadd" => SearchHeuristic.HAdd,
        "hff" => SearchHeuristic.HFF,
        _ => SearchHeuristic.GoalCount,
    };

    internal static string SearchName(SearchStrategy s) => s switch
    {
        SearchStrategy.AStar => "astar",
        SearchStrategy.Gbfs => "gbfs",
        SearchStrategy.IterativeDeepening => "iddfs",
        _ => "bfs",
    };

    internal static string HeuristicName(SearchHeuristic h) => h switch
    {
        SearchHeuristic.HMax => "hmax",
        SearchHeuristic.HAdd => "hadd",
        SearchHeuristic.HFF => "hff",
        _ => "goal-count",
    };

    private static string Describe(PlanSearchOptions o) =>
        o.EffectiveHeuristic is { } h ? $"{SearchName(o.Strategy)}, {HeuristicName(h)}" : SearchName(o.Strategy);
}
