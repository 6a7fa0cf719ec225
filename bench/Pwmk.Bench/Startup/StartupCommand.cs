using System.CommandLine;
using Pwmk.Bench.Shared;
using Pwmk.Cli;

namespace Pwmk.Bench.Startup;

/// <summary>
/// <c>pwmk-bench startup</c>: a trivial query as a whole process, <c>./pwmk query --goal true</c> (the NativeAOT build
/// through the launcher script, as a user runs it), the native binary alone and the JIT build, against
/// <c>swipl -g true -t halt</c>: wall time, CPU time and peak resident memory, in interleaved rounds.
/// </summary>
internal static class StartupCommand
{
    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "Rounds (each runs every contestant once)", DefaultValueFactory = _ => 20 };
        var swipl = new Option<string>("--swipl") { Description = "SWI-Prolog executable", DefaultValueFactory = _ => "swipl" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("startup", "A trivial query as a whole process: ./pwmk query --goal true (native, and JIT) against swipl -g true -t halt")
        {
            rounds, swipl, format,
        };
        cmd.SetAction(p => Run(p.GetValue(rounds), p.GetValue(swipl)!, p.GetValue(format) == "json"));
        return cmd;
    }

    private static int Run(int rounds, string swipl, bool json)
    {
        if (rounds is < 1 or > 1000)
        {
            Console.Error.WriteLine("--rounds must be 1..1000");
            return Program.BadInput;
        }
        if (Repository.Root() is not { } root)
        {
            Console.Error.WriteLine("pwmk-bench startup: run it from a PWMK checkout (it measures ./pwmk)");
            return Program.BadInput;
        }
        string launcher = Path.Combine(root, "pwmk");
        string native = Path.Combine(root, ".pwmk", "native", "pwmk-native");
        string[] query = ["query", "--goal", "true"];
        string[] swiArgs = ["-g", "true", "-t", "halt"];
        var report = new PairedReport("A trivial query as a whole process: PWMK against SWI-Prolog");
        report.Fact("pwmk", "./pwmk query --goal true (bash launcher: staleness check, then the NativeAOT build)");
        report.Fact("pwmk native binary", ".pwmk/native/pwmk-native query --goal true");
        report.Fact("pwmk JIT", "PWMK_JIT=1 ./pwmk query --goal true (dotnet .pwmk/cli/pwmk.dll)");
        report.Fact("anchor", $"{swipl} {string.Join(' ', swiArgs)} ({Versions.Swipl(swipl)})");
        report.Fact("threads", "one process at a time on an otherwise idle machine; each program as it starts by default");
        WholeProcess.Run? anchor = null;
        var contestants = new List<(string Name, Func<WholeProcess.Run> Measure)>
        {
            ("./pwmk (native)", () => WholeProcess.Measure(launcher, query)),
            ("native binary alone", () => WholeProcess.Measure(native, query)),
            ("./pwmk, JIT build", () => WholeProcess.Measure(launcher, query, environment: new Dictionary<string, string> { ["PWMK_JIT"] = "1" })),
        };
        var results = new WholeProcess.Run?[contestants.Count];
        var runs = new List<Action<int>>();
        for (int c = 0; c < contestants.Count; c++)
        {
            int k = c;
            runs.Add(_ => results[k] = Check(contestants[k].Name, contestants[k].Measure(), "true."));
        }
        runs.Add(_ => anchor = Check("swipl", WholeProcess.Measure(swipl, swiArgs), ""));
        var progress = ProgressLine.For(Console.Error, json);
        progress.Draw(0, rounds, "warm-up round (builds ./pwmk when needed)", force: true);
        PairedReport.Rounds(rounds, runs, warmUp: true, afterRound: r =>
        {
            progress.Draw(r + 1, rounds, $"round {r + 1}/{rounds}", force: true);
            for (int c = 0; c < contestants.Count; c++) report.AddProcesses(contestants[c].Name, "ms", 1000, results[c]!, anchor!);
        });
        progress.Clear();
        report.Write(Console.Out, json);
        return Program.Ok;
    }

    private static WholeProcess.Run Check(string who, WholeProcess.Run r, string expected)
    {
        if (r.ExitCode != 0 || r.Stdout.Trim() != expected)
            throw new InvalidOperationException($"{who} failed (exit {r.ExitCode}): {r.Stdout.Trim()} {r.Stderr.Trim()}");
        return r;
    }
}
