using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Pwmk.Bench.Shared;

namespace Pwmk.Bench.Classic;

/// <summary>
/// <c>pwmk-bench classic</c>: the classic Prolog programs of <c>bench/classic</c>, each run as a whole process by
/// <c>pwmk query</c> (its NativeAOT build) and by <c>swipl</c>, interleaved (A B A B ...), with the same iteration
/// count; reports whole-process CPU time (user + system), the median of the per-pair ratios and their spread.
/// </summary>
internal static class ClassicCommand
{
    /// <summary>Each program and its iteration count (chosen so that swipl takes about half a second on it).</summary>
    internal static readonly (string Name, int Iterations)[] Programs =
    [
        ("nrev", 16000), ("tak", 60), ("queens", 6), ("queens_fd", 40), ("zebra", 500), ("crypt", 3), ("deriv", 120000),
        ("poly", 100), ("rewrite", 6), ("parser", 120), ("sieve", 80), ("hanoi", 20), ("fib", 90), ("qsort", 120),
        ("flatten", 200), ("query", 100), ("mu", 300), ("browse", 80), ("startup", 1),
    ];

    public static Command Create()
    {
        var reps = new Option<int>("--reps") { Description = "Pairs (pwmk, swipl) run per program", DefaultValueFactory = _ => 5 };
        var only = new Option<string?>("--programs") { Description = "Comma-separated program names (default: all)" };
        var scale = new Option<double>("--scale") { Description = "Multiplies every iteration count", DefaultValueFactory = _ => 1.0 };
        var pwmk = new Option<string?>("--pwmk") { Description = "The pwmk executable (default: .pwmk/native/pwmk-native of the checkout)" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var cmd = new Command("classic", "Classic Prolog programs (bench/classic) as whole processes in pwmk and swipl, interleaved")
        {
            reps, only, scale, pwmk, format,
        };
        cmd.SetAction(r => Run(r.GetValue(reps), r.GetValue(only), r.GetValue(scale), r.GetValue(pwmk), r.GetValue(format)!));
        return cmd;
    }

    private sealed record Row(string Name, int Iterations, double[] Pwmk, double[] Swipl, double[] Ratios, string[] LoadAverages, string Output);

    private static int Run(int reps, string? only, double scale, string? pwmkExe, string format)
    {
        string? dir = Repository.Root() is { } root ? Path.Combine(root, "bench", "classic") : null;
        if (dir is null || !Directory.Exists(dir))
        {
            Console.Error.WriteLine("bench/classic not found above the current folder (run from a PWMK checkout)");
            return Program.BadInput;
        }
        pwmkExe ??= Path.Combine(Repository.Root()!, ".pwmk", "native", "pwmk-native");
        if (!File.Exists(pwmkExe))
        {
            Console.Error.WriteLine($"--pwmk: {pwmkExe} not found (run ./pwmk query --goal true once to build it)");
            return Program.BadInput;
        }
        if (reps < 1 || reps > 100 || scale <= 0)
        {
            Console.Error.WriteLine("--reps must be 1..100 and --scale positive");
            return Program.BadInput;
        }
        var wanted = only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var unknown = wanted?.Except(Programs.Select(p => p.Name)).ToList();
        if (unknown is { Count: > 0 })
        {
            Console.Error.WriteLine($"--programs: unknown {string.Join(", ", unknown)} (known: {string.Join(", ", Programs.Select(p => p.Name))})");
            return Program.BadInput;
        }
        var rows = new List<Row>();
        bool agree = true;
        foreach (var (name, baseIterations) in Programs)
        {
            if (wanted is not null && !wanted.Contains(name)) continue;
            int n = Math.Max(1, (int)Math.Round(baseIterations * scale));
            string file = Path.Combine(dir, name + ".pl");
            string goal = name == "startup" ? "true" : $"bench({n})";
            var a = new double[reps];
            var b = new double[reps];
            var loads = new string[reps];
            string outA = "", outB = "";
            for (int i = 0; i < reps; i++)
            {
                loads[i] = File.ReadAllText("/proc/loadavg").Split(' ')[0];
                (a[i], outA) = CpuSeconds(pwmkExe, ["query", "--program", file, "--goal", goal]);
                (b[i], outB) = CpuSeconds("swipl", ["-q", "-g", goal, "-t", "halt", file]);
                Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} #{1}: pwmk {2:F3} s, swipl {3:F3} s (load {4})", name, i + 1, a[i], b[i], loads[i]));
            }
            // pwmk prints the answer line after what the program wrote; swipl only what it wrote
            string shown = outA.EndsWith("true.\n", StringComparison.Ordinal) ? outA[..^"true.\n".Length] : outA;
            if (shown != outB)
            {
                agree = false;
                Console.Error.WriteLine($"{name}: OUTPUTS DIFFER\npwmk:  {outA.Trim()}\nswipl: {outB.Trim()}");
            }
            rows.Add(new Row(name, n, a, b, a.Zip(b, (x, y) => x / y).ToArray(), loads, outB.Trim()));
        }
        Print(rows, format);
        return agree ? Program.Ok : Program.BadInput;
    }

    private static void Print(List<Row> rows, string format)
    {
        var inv = CultureInfo.InvariantCulture;
        var timed = rows.Where(r => r.Name != "startup").ToList();
        double geo = timed.Count == 0 ? double.NaN : Math.Exp(timed.Average(r => Math.Log(Median(r.Ratios))));
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                programs = rows.Select(r => new
                {
                    name = r.Name,
                    iterations = r.Iterations,
                    pwmk_cpu_s = r.Pwmk,
                    swipl_cpu_s = r.Swipl,
                    ratio_median = Median(r.Ratios),
                    ratio_min = r.Ratios.Min(),
                    ratio_max = r.Ratios.Max(),
                    load = r.LoadAverages,
                    output = r.Output,
                }),
                geometric_mean_ratio = geo,
            }));
            return;
        }
        Console.WriteLine($"{"program",-10} {"iterations",10} {"swipl s",9} {"pwmk s",9} {"pwmk/swipl",11} {"spread",13} {"load",12}  output");
        foreach (var r in rows)
            Console.WriteLine(string.Format(inv, "{0,-10} {1,10} {2,9:F3} {3,9:F3} {4,10:F2}x {5,13} {6,12}  {7}", r.Name, r.Iterations,
                Median(r.Swipl), Median(r.Pwmk), Median(r.Ratios), string.Format(inv, "{0:F2}-{1:F2}", r.Ratios.Min(), r.Ratios.Max()),
                $"{r.LoadAverages.Min()}-{r.LoadAverages.Max()}", r.Output.Length > 40 ? r.Output[..40] + "..." : r.Output));
        Console.WriteLine(string.Format(inv, "geometric mean of the median ratios (startup excluded): {0:F2}x swipl's CPU time", geo));
    }

    private static double Median(double[] xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);

    private const int RusageChildren = -1;

    private static double ChildrenCpu()
    {
        if (getrusage(RusageChildren, out var u) != 0) throw new InvalidOperationException("getrusage failed");
        return u.UtimeSec + u.UtimeUsec / 1e6 + u.StimeSec + u.StimeUsec / 1e6;
    }

    /// <summary>
    /// Runs a program to its end and returns the CPU time (user + system) of the whole process, from the kernel's
    /// account of this process's finished children, and what it wrote.
    /// </summary>
    private static (double Seconds, string Stdout) CpuSeconds(string file, string[] args)
    {
        double before = ChildrenCpu();
        var r = ChildProcess.Run(file, args, timeoutMs: 600_000);
        double after = ChildrenCpu();
        if (r.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr.Trim()}");
        return (after - before, r.Stdout.Replace("\r", ""));
    }
}
