using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pwmk.Bench.Shared;
using Pwmk.Cli;

namespace Pwmk.Bench.Beliefs;

/// <summary><c>pwmk-bench beliefs</c>: the belief-store workloads in PWMK's engine and in SWI-Prolog.</summary>
internal static class BeliefsCommand
{
    /// <summary>The environment variable naming the folder of the SWI-Prolog workloads when <c>--swi-dir</c> is not given.</summary>
    public const string SwiDirVariable = "PWMK_SWI_BENCH";

    public static Command Create()
    {
        var reps = new Option<int>("--reps") { Description = "Repetitions of each workload (median reported)", DefaultValueFactory = _ => 3 };
        var nrev = new Option<int>("--nrev-iterations") { Description = "Naive-reverse iterations", DefaultValueFactory = _ => 300_000 };
        var swiDir = new Option<string?>("--swi-dir") { Description = $"Folder of the SWI-Prolog workloads (common.pl, bench_consult.pl, nrev.pl); default ${SwiDirVariable}" };
        var noSwi = new Option<bool>("--no-swi") { Description = "Run only PWMK's engine" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var host = new Option<string>("--host")
        {
            Description = "Where the engine runs: jit (in this process) or aot (its NativeAOT host, bench/aot-engine, published on first use)",
            DefaultValueFactory = _ => "jit",
        };
        var cmd = new Command("beliefs", "Belief-store workloads in PWMK's engine and in swipl, with checksums, ratios and memory")
        {
            reps, nrev, swiDir, noSwi, format, host,
        };
        cmd.SetAction(r => RunBeliefs(r.GetValue(reps), r.GetValue(nrev), r.GetValue(swiDir) ?? Environment.GetEnvironmentVariable(SwiDirVariable), r.GetValue(noSwi), r.GetValue(format)!, r.GetValue(host)!));
        return cmd;
    }

    private static int RunBeliefs(int reps, int nrevIterations, string? swiDir, bool noSwi, string format, string host)
    {
        if (reps < 1 || reps > 100 || nrevIterations < 1 || host is not ("jit" or "aot"))
        {
            Console.Error.WriteLine("--reps must be 1..100, --nrev-iterations positive and --host jit or aot");
            return Program.BadInput;
        }
        string? root = host == "aot" ? Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Repository.Find(BeliefBench.AotProject)))) : null;
        if (host == "aot" && root is null)
        {
            Console.Error.WriteLine($"--host aot: {BeliefBench.AotProject} not found above the current folder (run from a PWMK checkout)");
            return Program.BadInput;
        }
        if (!noSwi && string.IsNullOrEmpty(swiDir))
        {
            Console.Error.WriteLine($"--swi-dir: not given and {SwiDirVariable} not set (the folder of the SWI-Prolog workloads; or --no-swi)");
            return Program.BadInput;
        }
        if (!noSwi && !Directory.Exists(swiDir))
        {
            Console.Error.WriteLine($"--swi-dir: folder not found: {swiDir}");
            return Program.BadInput;
        }
        var progress = ProgressLine.For(Console.Error, format == "json");
        var b = new BeliefBench(progress.Above());
        BeliefBench.Figures ours;
        string? swiFolder;
        if (root is not null)
        {
            // the AOT host makes its own data, so it runs first, on a machine where this process has not yet made
            // (and dropped) the hundreds of MB of terms that swipl's facts.pl is written from
            ours = progress.Run("pwmk: the workloads in PWMK's engine, NativeAOT host", () => b.RunAot(root, reps, nrevIterations));
            swiFolder = noSwi ? null : BeliefBench.PrepareSwi(swiDir!, BeliefBench.Generate());
        }
        else
        {
            var data = BeliefBench.Generate();
            // the engine runs first, so its memory figures are those of a process that did nothing else; swipl gets
            // the same facts.pl written out beforehand
            swiFolder = noSwi ? null : BeliefBench.PrepareSwi(swiDir!, data);
            var holder = new BeliefBench.Data?[] { data };
            data = null!;
            try
            {
                ours = progress.Run("pwmk: the workloads in PWMK's engine", () => b.RunEngine(holder, reps, nrevIterations));
            }
            catch when (swiFolder is not null)
            {
                Directory.Delete(swiFolder, true);
                throw;
            }
        }
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        BeliefBench.Figures? swi = null;
        if (swiFolder is not null) swi = progress.Run("swipl: the workloads in SWI-Prolog", () => b.RunSwi(swiFolder, reps, nrevIterations));
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
                host,
                checks = new { pwmk = ours.Check, swipl = swi?.Check, equal = checksOk },
                workloads = rows.Select(r => new
                {
                    name = r.Key,
                    pwmk = ours.Values.GetValueOrDefault(r.Key),
                    swipl = swi?.Values.GetValueOrDefault(r.Key),
                    speedup = swi is null ? (double?)null : Speedup(r.HigherIsBetter, swi.Values.GetValueOrDefault(r.Key), ours.Values.GetValueOrDefault(r.Key)),
                }),
                memory = new { pwmk_rss_after_load_mib = ours.SettledRssMiB, swipl_rss_after_load_mib = swi?.SettledRssMiB, swipl_load_only_peak_rss_mib = swi?.LoadOnlyPeakRssMiB, pwmk_peak_rss_mib = ours.PeakRssMiB, swipl_peak_rss_mib = swi?.PeakRssMiB },
            };
            Console.WriteLine(JsonSerializer.Serialize(obj));
        }
        else
        {
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"{"workload",-38} {"swipl",12} {(host == "aot" ? "pwmk (aot)" : "pwmk"),12} {"pwmk speed-up",14}");
            foreach (var (key, label, higher) in rows)
            {
                double o = ours.Values.GetValueOrDefault(key, double.NaN);
                double s = swi?.Values.GetValueOrDefault(key, double.NaN) ?? double.NaN;
                Console.WriteLine(string.Format(inv, "{0,-38} {1,12:G5} {2,12:G5} {3,13:F2}x", label, s, o, Speedup(higher, s, o)));
            }
            Console.WriteLine(string.Format(inv, "{0,-38} {1,12:F1} {2,12:F1}", "resident memory, facts loaded (MiB)", swi?.SettledRssMiB ?? double.NaN, ours.SettledRssMiB));
            Console.WriteLine(string.Format(inv, "{0,-38} {1,12:F1} {2,12}", "  swipl load-only run, peak (MiB)", swi?.LoadOnlyPeakRssMiB ?? double.NaN, ""));
            Console.WriteLine(string.Format(inv, "{0,-38} {1,12:F1} {2,12:F1}", "peak resident memory (MiB)", swi?.PeakRssMiB ?? double.NaN, ours.PeakRssMiB));
            Console.WriteLine($"pwmk  {ours.Check}");
            if (swi is not null) Console.WriteLine($"swipl {swi.Check}");
            Console.WriteLine(checksOk ? "checksums agree" : "CHECKSUMS DIFFER");
        }
        return checksOk ? Program.Ok : Program.BadInput;
    }

    private static double Speedup(bool higherIsBetter, double swi, double ours) => higherIsBetter ? ours / swi : swi / ours;
}
