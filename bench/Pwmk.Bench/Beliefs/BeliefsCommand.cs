using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Pwmk.Bench.Shared;
using Pwmk.Cli;

namespace Pwmk.Bench.Beliefs;

/// <summary>
/// <c>pwmk-bench beliefs</c>: the belief-store workloads of SWI-Prolog's benchmark folder in PWMK's engine and in
/// <c>swipl</c>, as interleaved pairs of processes over the same facts.pl and queries.pl: whole-process figures
/// (wall, CPU, peak memory) and, labelled apart, what each process timed inside itself on the same clock.
/// </summary>
internal static partial class BeliefsCommand
{
    /// <summary>The environment variable naming the folder of the SWI-Prolog workloads when <c>--swi-dir</c> is not given.</summary>
    public const string SwiDirVariable = "PWMK_SWI_BENCH";

    /// <summary>Where the engine's ahead-of-time host project lies under the repository root.</summary>
    private const string AotProject = "bench/aot-engine/Pwmk.AotEngine.csproj";

    private static readonly string[] s_scenarios = ["workloads", "point-fresh", "nrev", "settled"];

    public static Command Create()
    {
        var pairs = new Option<int>("--pairs") { Description = "Pairs of processes per scenario (PWMK, swipl; order alternating)", DefaultValueFactory = _ => 5 };
        var scenarios = new Option<string[]>("--scenario")
        {
            Description = "Scenarios to run: workloads (load, checksums, then (i)-(iv) timed), point-fresh (load and the first N point queries), nrev, settled (memory with facts.pl loaded); default all",
            AllowMultipleArgumentsPerToken = true,
        };
        var nrev = new Option<int>("--nrev-iterations") { Description = "Naive-reverse iterations", DefaultValueFactory = _ => 300_000 };
        var points = new Option<int>("--point-queries") { Description = "Point queries of the point-fresh scenario", DefaultValueFactory = _ => 20_000 };
        var swiDir = new Option<string?>("--swi-dir") { Description = $"Folder of SWI-Prolog's belief-store benchmark (its common.pl); default ${SwiDirVariable}" };
        var swipl = new Option<string>("--swipl") { Description = "SWI-Prolog executable", DefaultValueFactory = _ => "swipl" };
        var swiFlags = new Option<string>("--swi-flags") { Description = "Flags of swipl (-O: optimised arithmetic, SWI-Prolog at its best here)", DefaultValueFactory = _ => "-O" };
        var host = new Option<string>("--host") { Description = "PWMK's process: aot (bench/aot-engine, NativeAOT, published on first use) or jit (this program under the JIT)", DefaultValueFactory = _ => "aot" };
        host.AcceptOnlyFromAmong("aot", "jit");
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("beliefs", "Belief-store workloads in PWMK's engine and in swipl, as interleaved pairs of processes, with checksums")
        {
            pairs, scenarios, nrev, points, swiDir, swipl, swiFlags, host, format,
        };
        cmd.SetAction(p => Run(new Settings(p.GetValue(pairs), p.GetValue(scenarios) is { Length: > 0 } s ? s : s_scenarios, p.GetValue(nrev), p.GetValue(points),
            p.GetValue(swiDir) ?? Environment.GetEnvironmentVariable(SwiDirVariable), p.GetValue(swipl)!, p.GetValue(swiFlags)!, p.GetValue(host)!, p.GetValue(format) == "json")));
        return cmd;
    }

    private sealed record Settings(int Pairs, string[] Scenarios, int NrevIterations, int PointQueries, string? SwiDir, string Swipl, string SwiFlags, string Host, bool Json);

    /// <summary>What a child's RESULT key measures: label, unit, kind, clock, and which way is better.</summary>
    private static readonly Dictionary<string, (string Label, string Unit, string Kind, string Clock, Better Better)> s_keys = new()
    {
        ["load_wall_s"] = ("load facts.pl by consult (156,000 clauses)", "s", "in process", "wall", Better.Lower),
        ["load_cpu_s"] = ("load facts.pl by consult (156,000 clauses)", "s", "in process", "cpu", Better.Lower),
        ["i_wall_us"] = ("(i) point query", "µs/query", "in process, second pass", "wall", Better.Lower),
        ["i_cpu_us"] = ("(i) point query", "µs/query", "in process, second pass", "cpu", Better.Lower),
        ["ii_wall_us"] = ("(ii) enumeration", "µs/query", "in process, second pass", "wall", Better.Lower),
        ["ii_cpu_us"] = ("(ii) enumeration", "µs/query", "in process, second pass", "cpu", Better.Lower),
        ["iii_wall_us"] = ("(iii) second-order query", "µs/query", "in process, second pass", "wall", Better.Lower),
        ["iii_cpu_us"] = ("(iii) second-order query", "µs/query", "in process, second pass", "cpu", Better.Lower),
        ["iv_wall_s"] = ("(iv) tabled reach/2 from scratch", "s", "in process, second pass", "wall", Better.Lower),
        ["iv_cpu_s"] = ("(iv) tabled reach/2 from scratch", "s", "in process, second pass", "cpu", Better.Lower),
        ["i_first_wall_us"] = ("(i) point query, first queries of a process", "µs/query", "in process, first pass", "wall", Better.Lower),
        ["i_first_cpu_us"] = ("(i) point query, first queries of a process", "µs/query", "in process, first pass", "cpu", Better.Lower),
        ["nrev_wall_mlips"] = ("naive reverse, 30 elements", "M LIPS", "in process", "wall", Better.Higher),
        ["nrev_cpu_mlips"] = ("naive reverse, 30 elements", "M LIPS", "in process", "cpu", Better.Higher),
        ["settled_rss_mib"] = ("resident memory, facts.pl loaded, after a full GC", "MiB", "in process", "", Better.Lower),
    };

    private static int Run(Settings s)
    {
        string? error = s.Pairs is < 1 or > 100 ? "--pairs must be 1..100"
            : s.NrevIterations < 1 || s.PointQueries is < 1 or > 100_000 ? "--nrev-iterations must be positive and --point-queries 1..100000"
            : s.Scenarios.FirstOrDefault(x => !s_scenarios.Contains(x)) is { } bad ? $"--scenario: unknown '{bad}' (known: {string.Join(", ", s_scenarios)})"
            : string.IsNullOrEmpty(s.SwiDir) ? $"--swi-dir not given and {SwiDirVariable} not set (the folder of SWI-Prolog's belief-store benchmark)"
            : !File.Exists(Path.Combine(s.SwiDir, "common.pl")) ? $"--swi-dir: no common.pl in {s.SwiDir}"
            : null;
        if (error is not null)
        {
            Console.Error.WriteLine(error);
            return Program.BadInput;
        }
        var progress = ProgressLine.For(Console.Error, s.Json);
        string[] pwmk;
        try
        {
            pwmk = s.Host == "aot" ? [progress.Run("the engine's NativeAOT host: publishing when older than its sources", () => PublishAot(progress))] : ["dotnet", typeof(Program).Assembly.Location, "beliefs-engine"];
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return Program.BadInput;
        }
        string dir = Directory.CreateTempSubdirectory("pwmk-beliefs-").FullName;
        try
        {
            progress.Run("writing facts.pl and queries.pl", () =>
            {
                BeliefData.Write(dir);
                File.Copy(Path.Combine(s.SwiDir!, "common.pl"), Path.Combine(dir, "common.pl"));
                File.WriteAllText(Path.Combine(dir, "driver.pl"), BeliefSwi.Driver);
                return 0;
            });
            var report = new PairedReport("Belief-store workloads: PWMK's engine against SWI-Prolog, the same facts.pl and queries.pl");
            report.Fact("pwmk", s.Host == "aot" ? "bench/aot-engine (NativeAOT) SCENARIO DIR [N]" : "dotnet Pwmk.Bench.dll beliefs-engine SCENARIO DIR [N] (JIT)");
            report.Fact("anchor", $"{s.Swipl} {s.SwiFlags} driver.pl SCENARIO [N] over the benchmark's common.pl ({Versions.Swipl(s.Swipl)})");
            report.Fact("threads", "both engines run the queries on one thread; each runtime keeps its own collector threads (counted in CPU time)");
            report.Fact("cpu clock", "user CPU of the whole process in process (.NET Environment.CpuUsage.UserTime, SWI statistics(process_cputime)); user + system for whole processes");
            string? check = null;
            foreach (var scenario in s.Scenarios)
            {
                string[] arg = scenario switch
                {
                    "nrev" => [s.NrevIterations.ToString(CultureInfo.InvariantCulture)],
                    "point-fresh" => [s.PointQueries.ToString(CultureInfo.InvariantCulture)],
                    _ => [],
                };
                WholeProcess.Run? ours = null, anchor = null;
                var runs = new List<Action<int>>
                {
                    r =>
                    {
                        progress.Draw(r * 2, s.Pairs * 2, $"{scenario}: PWMK, pair {r + 1}/{s.Pairs}", force: true);
                        ours = Checked("PWMK", WholeProcess.Measure(pwmk[0], [.. pwmk[1..], scenario, dir, .. arg], dir));
                    },
                    r =>
                    {
                        progress.Draw(r * 2, s.Pairs * 2, $"{scenario}: swipl, pair {r + 1}/{s.Pairs}", force: true);
                        anchor = Checked("swipl", WholeProcess.Measure(s.Swipl, [.. s.SwiFlags.Split(' ', StringSplitOptions.RemoveEmptyEntries), "driver.pl", scenario, .. arg], dir));
                    },
                };
                PairedReport.Rounds(s.Pairs, runs, warmUp: false, afterRound: _ =>
                {
                    string unit = scenario == "workloads" ? "s" : "ms";
                    double scale = unit == "s" ? 1 : 1000;
                    report.AddProcesses($"{scenario}: the process", unit, scale, ours!, anchor!);
                    var a = Results(anchor!.Stdout);
                    foreach (var (key, v) in Results(ours!.Stdout))
                    {
                        var k = s_keys[key];
                        report.Measure(k.Label, k.Unit, k.Kind, k.Clock, k.Better).Add(v, a[key]);
                    }
                    if (scenario == "workloads")
                    {
                        string mine = CheckLine(ours.Stdout), theirs = CheckLine(anchor.Stdout);
                        if (mine != theirs) throw new InvalidOperationException($"checksums differ: PWMK {mine}, swipl {theirs}");
                        check = mine;
                    }
                });
            }
            progress.Clear();
            if (check is not null) report.Fact("checksums", $"equal in every pair: {check}");
            report.Write(Console.Out, s.Json);
            return Program.Ok;
        }
        catch (InvalidOperationException e)
        {
            progress.Clear();
            Console.Error.WriteLine($"pwmk-bench beliefs: {e.Message}");
            return Program.BadInput;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static WholeProcess.Run Checked(string who, WholeProcess.Run r) =>
        r.ExitCode == 0 ? r : throw new InvalidOperationException($"{who} failed (exit {r.ExitCode}): {r.Stderr.Trim()}");

    private static Dictionary<string, double> Results(string stdout)
    {
        var d = new Dictionary<string, double>();
        foreach (Match m in ResultLine().Matches(stdout)) d[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return d;
    }

    private static string CheckLine(string stdout) =>
        stdout.Split('\n').FirstOrDefault(l => l.StartsWith("CHECK", StringComparison.Ordinal))?.Trim() ?? "(none)";

    [GeneratedRegex(@"^RESULT (\S+) (\S+)", RegexOptions.Multiline)]
    private static partial Regex ResultLine();

    /// <summary>
    /// Publishes the engine's NativeAOT host (<see cref="AotProject"/>) into <c>.pwmk/aot</c> under the checkout when
    /// it is missing or older than its sources, and returns its path.
    /// </summary>
    private static string PublishAot(ProgressLine progress)
    {
        string root = Repository.Root() ?? throw new InvalidOperationException("--host aot: run it from a PWMK checkout (it publishes bench/aot-engine)");
        string outDir = Path.Combine(root, ".pwmk", "aot");
        string exe = Path.Combine(outDir, "pwmk-aot-engine");
        var sources = new[] { "src/Pwmk.Logic", "bench/aot-engine", "bench/Pwmk.Bench/Beliefs" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.*", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal));
        if (File.Exists(exe) && !sources.Any(f => File.GetLastWriteTimeUtc(f) > File.GetLastWriteTimeUtc(exe))) return exe;
        progress.WriteLine("pwmk-bench: publishing the engine's NativeAOT host (about a minute) ...");
        var publish = ChildProcess.Run("dotnet", ["publish", Path.Combine(root, AotProject), "-c", "Release", "-r", "linux-x64", "-o", outDir, "-nologo", "-v", "q"], root);
        if (publish.ExitCode != 0 || !File.Exists(exe)) throw new InvalidOperationException("publishing the NativeAOT host failed:\n" + publish.Stdout + publish.Stderr);
        File.SetLastWriteTimeUtc(exe, DateTime.UtcNow);
        return exe;
    }
}
