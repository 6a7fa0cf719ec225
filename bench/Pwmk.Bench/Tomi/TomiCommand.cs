using System.CommandLine;
using System.Text.Json.Nodes;
using Pwmk.Bench.Shared;
using Pwmk.Cli;

namespace Pwmk.Bench.Tomi;

/// <summary>
/// <c>pwmk-bench tomi</c>: the whole ToMi validation split as one process, <c>./pwmk tomi eval</c> (the NativeAOT
/// build through the launcher, and the JIT build) against the short Python reference tracker
/// <c>bench/tomi/reference_tracker.py</c>, which must give the same answers to every question (checked every run).
/// </summary>
internal static class TomiCommand
{
    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "Rounds (each runs every contestant once)", DefaultValueFactory = _ => 10 };
        var data = new Option<string?>("--data") { Description = "Folder holding fb_all_val.txt and fb_all_val.trace; default $PWMK_DATA/tomi" };
        var python = new Option<string>("--python") { Description = "Python 3 for the reference tracker", DefaultValueFactory = _ => "python3" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("tomi", "The ToMi validation split as a whole process: ./pwmk tomi eval against a Python reference tracker with the same answers")
        {
            rounds, data, python, format,
        };
        cmd.SetAction(p => Run(p.GetValue(rounds), p.GetValue(data), p.GetValue(python)!, p.GetValue(format) == "json"));
        return cmd;
    }

    private static int Run(int rounds, string? data, string python, bool json)
    {
        data ??= Environment.GetEnvironmentVariable("PWMK_DATA") is { Length: > 0 } d ? Path.Combine(d, "tomi") : null;
        string? root = Repository.Root();
        if (rounds is < 1 or > 1000 || data is null || root is null)
        {
            Console.Error.WriteLine(rounds is < 1 or > 1000 ? "--rounds must be 1..1000"
                : root is null ? "pwmk-bench tomi: run it from a PWMK checkout (it measures ./pwmk)"
                : "pwmk-bench tomi: --data not given and PWMK_DATA not set (the folder of the data sets, holding tomi/)");
            return Program.BadInput;
        }
        string stories = Path.Combine(data, "fb_all_val.txt"), trace = Path.Combine(data, "fb_all_val.trace");
        if (!File.Exists(stories) || !File.Exists(trace))
        {
            Console.Error.WriteLine($"pwmk-bench tomi: {stories} or {trace} not found");
            return Program.BadInput;
        }
        string launcher = Path.Combine(root, "pwmk");
        string script = Path.Combine(root, "bench", "tomi", "reference_tracker.py");
        string[] eval = ["tomi", "eval", stories, "--trace", trace, "--format", "json"];
        var report = new PairedReport("The ToMi validation split (5,994 questions) as a whole process: PWMK against a Python reference tracker");
        report.Fact("pwmk", "./pwmk tomi eval DATA/fb_all_val.txt --trace DATA/fb_all_val.trace --format json (NativeAOT build through the launcher)");
        report.Fact("pwmk JIT", "the same with PWMK_JIT=1 (dotnet .pwmk/cli/pwmk.dll)");
        report.Fact("anchor", $"{python} bench/tomi/reference_tracker.py DATA/fb_all_val.txt --trace DATA/fb_all_val.trace ({Versions.Python(python)})");
        report.Fact("threads", "one process at a time; both trackers single-threaded");
        var contestants = new (string Name, Func<WholeProcess.Run> Measure)[]
        {
            ("./pwmk (native)", () => WholeProcess.Measure(launcher, eval)),
            ("./pwmk, JIT build", () => WholeProcess.Measure(launcher, eval, environment: new Dictionary<string, string> { ["PWMK_JIT"] = "1" })),
            ("reference", () => WholeProcess.Measure(python, [script, stories, "--trace", trace])),
        };
        var results = new WholeProcess.Run?[contestants.Length];
        JsonNode? reference = null;
        var runs = new List<Action<int>>();
        for (int c = 0; c < contestants.Length; c++)
        {
            int k = c;
            runs.Add(_ =>
            {
                var r = contestants[k].Measure();
                if (r.ExitCode != 0) throw new InvalidOperationException($"{contestants[k].Name} failed (exit {r.ExitCode}): {r.Stderr.Trim()}");
                var answers = JsonNode.Parse(r.Stdout);
                reference ??= answers;
                if (!JsonNode.DeepEquals(reference, answers))
                    throw new InvalidOperationException($"{contestants[k].Name} answers differently from the others: no ratio is printed");
                results[k] = r;
            });
        }
        var progress = ProgressLine.For(Console.Error, json);
        progress.Draw(0, rounds, "warm-up round (builds ./pwmk when needed)", force: true);
        PairedReport.Rounds(rounds, runs, warmUp: true, afterRound: r =>
        {
            progress.Draw(r + 1, rounds, $"round {r + 1}/{rounds}", force: true);
            for (int c = 0; c < contestants.Length - 1; c++) report.AddProcesses(contestants[c].Name, "ms", 1000, results[c]!, results[^1]!);
        });
        progress.Clear();
        report.Fact("answers", $"identical in every run ({reference!["total"]} questions, {reference["correct"]} matching the labels)");
        report.Write(Console.Out, json);
        return Program.Ok;
    }
}
