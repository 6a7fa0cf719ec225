using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Pwmk.Bench.Shared;
using Pwmk.Logic;

namespace Pwmk.Bench.Beliefs;

/// <summary>
/// <c>pwmk-bench beliefs</c>: the belief-store workloads of <c>shared/bench/swi-prolog</c>, recreated
/// from the documented generator, run in PWMK's engine and in <c>swipl</c> in one run.
/// </summary>
internal sealed partial class BeliefBench
{
    private readonly TextWriter _log;
    public BeliefBench(TextWriter log) => _log = log;

    /// <summary>The portable PRNG of common.pl.</summary>
    private sealed class Prng(long seed)
    {
        private long _state = seed;
        public int Next(int n)
        {
            _state = (_state * 1103515245 + 12345) % 2147483648L;
            return (int)((_state >> 8) % n);
        }
    }

    public sealed record Data(string FactsText, string QueriesText, long Clauses);

    /// <summary>The 156,000 facts (as facts.pl) and the three query lists, exactly as common.pl makes them.</summary>
    public static Data Generate()
    {
        var sb = new StringBuilder(12 << 20);
        var f1 = new Prng(1);
        long clauses = 0;
        for (int i = 0; i < 100; i++)
            for (int j = 0; j < 1000; j++)
            {
                sb.Append("believes(agent_").Append(i).Append(", at(obj_").Append(j).Append(", room_").Append(f1.Next(50)).Append(")).\n");
                clauses++;
            }
        var tuples = Tuples();
        foreach (var (i, l, j, k) in tuples)
        {
            sb.Append("believes(agent_").Append(i).Append(", believes(agent_").Append(l).Append(", at(obj_").Append(j).Append(", room_").Append(k).Append("))).\n");
            clauses++;
        }
        var g = new Prng(3);
        for (int x = 0; x < 2000; x++)
            for (int r = 0; r < 3; r++)
            {
                sb.Append("edge(room_").Append(x).Append(", room_").Append(g.Next(2000)).Append(").\n");
                clauses++;
            }
        var q = new StringBuilder(8 << 20);
        var q1 = new Prng(4);
        q.Append("bench_q1([");
        for (int n = 0; n < 100_000; n++)
        {
            if (n > 0) q.Append(',');
            int a = q1.Next(100), o = q1.Next(1000);
            q.Append("q(agent_").Append(a).Append(",obj_").Append(o).Append(')');
        }
        q.Append("]).\nbench_q2([");
        for (int n = 0; n < 1000; n++)
        {
            if (n > 0) q.Append(',');
            q.Append("agent_").Append(n % 100);
        }
        q.Append("]).\nbench_q3([");
        var q3 = new Prng(5);
        for (int n = 0; n < 10_000; n++)
        {
            if (n > 0) q.Append(',');
            int a, b, o;
            if (n % 2 == 0)
            {
                var t = tuples[q3.Next(50_000)];
                (a, b, o) = (t.I, t.L, t.J);
            }
            else
            {
                a = q3.Next(100);
                b = q3.Next(100);
                o = q3.Next(1000);
            }
            q.Append("q(agent_").Append(a).Append(",agent_").Append(b).Append(",obj_").Append(o).Append(')');
        }
        q.Append("]).\n");
        return new Data(sb.ToString(), q.ToString(), clauses);
    }

    private static List<(int I, int L, int J, int K)> Tuples()
    {
        var f2 = new Prng(2);
        var list = new List<(int, int, int, int)>(50_000);
        for (int n = 0; n < 50_000; n++)
        {
            int l = f2.Next(100), j = f2.Next(1000), k = f2.Next(50);
            list.Add((n / 500, l, j, k));
        }
        return list;
    }

    /// <summary>The workloads, word for word as in common.pl and nrev.pl.</summary>
    private const string Workloads = """
        :- table reach/2.
        reach(X, Y) :- edge(X, Y).
        reach(X, Y) :- edge(X, Z), reach(Z, Y).
        w1([], C, C).
        w1([q(A, O)|T], C0, C) :- findall(R, believes(A, at(O, R)), Rs), length(Rs, N), C1 is C0+N, w1(T, C1, C).
        w2([], C, C).
        w2([A|T], C0, C) :- findall(O-R, believes(A, at(O, R)), Rs), length(Rs, N), C1 is C0+N, w2(T, C1, C).
        w3([], C, C).
        w3([q(A, B, O)|T], C0, C) :- findall(R, believes(A, believes(B, at(O, R))), Rs), length(Rs, N), C1 is C0+N, w3(T, C1, C).
        w4(N) :- findall(Y, reach(room_0, Y), Ys), length(Ys, N).
        num(A, N) :- atomic_list_concat([_, S], '_', A), atom_number(S, N).
        check1(Qs, S) :- aggregate_all(sum(K), (member(q(A,O),Qs), believes(A, at(O,R)), num(R,K)), S).
        check2(Qs, S) :- aggregate_all(sum(K), (member(A,Qs), believes(A, at(_,R)), num(R,K)), S).
        check3(Qs, S) :- aggregate_all(sum(K), (member(q(A,B,O),Qs), believes(A, believes(B, at(O,R))), num(R,K)), S).
        check4(S) :- abolish_all_tables, aggregate_all(sum(K), (reach(room_0,Y), num(Y,K)), S).
        app([], L, L).
        app([H|T], L, [H|R]) :- app(T, L, R).
        nrev([], []).
        nrev([H|T], R) :- nrev(T, RT), app(RT, [H], R).
        range(N, N, [N]) :- !.
        range(I, N, [I|T]) :- I < N, I1 is I+1, range(I1, N, T).
        bench_loop(0, _) :- !.
        bench_loop(N, L) :- nrev(L, _), N1 is N-1, bench_loop(N1, L).
        dummy_loop(0, _) :- !.
        dummy_loop(N, L) :- dummy(L, _), N1 is N-1, dummy_loop(N1, L).
        dummy(_, _).
        """;

    public sealed class Figures
    {
        public Dictionary<string, double> Values { get; } = new();
        public string? Check;
        public double PeakRssMiB, LoadOnlyPeakRssMiB;
        /// <summary>Resident memory with only facts.pl loaded, after a full collection, read by the process itself.</summary>
        public double SettledRssMiB;
    }

    private static readonly QueryOptions s_unlimited = new() { Timeout = TimeSpan.FromHours(1), MaxSolutions = 1, MaxHeapCells = 256 * 1024 * 1024 };

    /// <summary>
    /// Consults facts.pl, with the query lists parked on disk, so the memory read after it holds the facts and nothing
    /// else. A method of its own: a temporary of a long method can keep the texts reachable until that method returns.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (PrologEngine Engine, ConsultResult Result, double Seconds, string Parked) Load(Data?[] data)
    {
        var engine = new PrologEngine();
        string parked = Path.Combine(Path.GetTempPath(), "pwmk-queries-" + Guid.NewGuid().ToString("N") + ".pl");
        File.WriteAllText(parked, data[0]!.QueriesText);
        string facts = data[0]!.FactsText;
        data[0] = null;
        var sw = Stopwatch.StartNew();
        var cr = engine.Consult(facts, "facts.pl");
        double load = sw.Elapsed.TotalSeconds;
        if (!cr.Ok)
        {
            File.Delete(parked);
            throw new InvalidOperationException("facts.pl: " + cr.Errors[0]);
        }
        return (engine, cr, load, parked);
    }

    /// <summary>Runs every workload in the engine; figures are medians over <paramref name="reps"/>.</summary>
    /// <remarks>
    /// The engine runs in this process, after the data was generated: <paramref name="data"/> is taken from its holder
    /// and dropped once consulted, and a full compacting collection runs before the resident memory after load is read,
    /// as SWI-Prolog's settled script reads its own after <c>garbage_collect</c>.
    /// </remarks>
    public Figures RunEngine(Data?[] data, int reps, int nrevIterations)
    {
        var fig = new Figures();
        var (engine, cr, load, parked) = Load(data);
        fig.Values["load_consult_s"] = load;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        fig.SettledRssMiB = ReadStatusMiB("VmRSS");
        _log.WriteLine($"pwmk: consulted {cr.Clauses} clauses in {load:F3} s, RSS {fig.SettledRssMiB:F1} MiB (managed heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:F1} MiB), peak {ReadStatusMiB("VmHWM"):F0} MiB");
        string queries = File.ReadAllText(parked);
        File.Delete(parked);
        Require(engine.Consult(Workloads, "workloads.pl"));
        Require(engine.Consult(queries, "queries.pl"));
        string Sum(string goal)
        {
            var sum = engine.Query(goal, s_unlimited).Solutions[0]["S"].ToString();
            _log.WriteLine($"pwmk: checksum {goal}: peak RSS so far {ReadStatusMiB("VmHWM"):F0} MiB");
            return sum;
        }
        // checksums first: the engine's tabling heap after three timed runs can exceed the heap limit (see docs/PERFORMANCE.md)
        var check = $"CHECK i {Sum("bench_q1(_Q), check1(_Q, S)")} ii {Sum("bench_q2(_Q), check2(_Q, S)")} iii {Sum("bench_q3(_Q), check3(_Q, S)")} iv {Sum("check4(S)")}";
        fig.Check = check;
        _log.WriteLine($"pwmk: checksums done, peak RSS so far {ReadStatusMiB("VmHWM"):F0} MiB");
        var samples = new Dictionary<string, List<double>>();
        void Add(string k, double v) => (samples.TryGetValue(k, out var l) ? l : samples[k] = new()).Add(v);
        for (int rep = 1; rep <= reps; rep++)
        {
            Add("i_point_us", Logged(rep, "i", Time(engine, "bench_q1(_Qs), w1(_Qs, 0, _C)")) * 1e6 / 100_000);
            Add("ii_enum_us", Logged(rep, "ii", Time(engine, "bench_q2(_Qs), w2(_Qs, 0, _C)")) * 1e6 / 1000);
            Add("iii_second_us", Logged(rep, "iii", Time(engine, "bench_q3(_Qs), w3(_Qs, 0, _C)")) * 1e6 / 10_000);
            engine.Prove("abolish_all_tables", s_unlimited);
            Add("iv_reach_s", Logged(rep, "iv", Time(engine, "w4(N)")));
            engine.Prove("abolish_all_tables", s_unlimited);
            _log.WriteLine($"pwmk: rep {rep} done");
        }
        foreach (var (k, v) in samples) fig.Values[k] = Median(v);
        int iters = nrevIterations;
        double tb = Time(engine, $"range(1, 30, _L), bench_loop({iters}, _L)");
        double td = Time(engine, $"range(1, 30, _L), dummy_loop({iters}, _L)");
        fig.Values["nrev_mlips"] = 496.0 * iters / Math.Max(1e-9, tb - td) / 1e6;
        fig.PeakRssMiB = ReadStatusMiB("VmHWM");
        return fig;
    }

    private double Logged(int rep, string what, double seconds)
    {
        _log.WriteLine($"pwmk: rep {rep} ({what}) {seconds:F3} s, peak RSS so far {ReadStatusMiB("VmHWM"):F0} MiB");
        return seconds;
    }

    private static void Require(ConsultResult r)
    {
        if (!r.Ok) throw new InvalidOperationException(string.Join("; ", r.Errors));
    }

    private static double Time(PrologEngine engine, string goal)
    {
        var sw = Stopwatch.StartNew();
        var r = engine.Query(goal, s_unlimited);
        if (!r.Succeeded) throw new InvalidOperationException("benchmark goal failed: " + goal);
        return sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static double ReadStatusMiB(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return double.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }

    [GeneratedRegex(@"^RESULT (\S+) (\S+)", RegexOptions.Multiline)]
    private static partial Regex ResultLine();

    [GeneratedRegex(@"Maximum resident set size \(kbytes\): (\d+)")]
    private static partial Regex MaxRss();

    [GeneratedRegex(@"RESULT settled_rss_kb (\d+)")]
    private static partial Regex SettledLine();

    /// <summary>
    /// SWI-Prolog's side of the settled figure: consult facts.pl, collect garbage and atoms, and read VmRSS of its own
    /// process, as the engine's side reads its own after a full collection.
    /// </summary>
    private const string SettledScript = """
        :- initialization(main, main).
        rss(K) :- read_file_to_string('/proc/self/status', S, []), split_string(S, "\n", "", Ls),
            member(L, Ls), string_concat("VmRSS:", R, L), split_string(R, " \t", " \tkB", P),
            member(X, P), X \== "", number_string(K, X), !.
        main :- current_prolog_flag(argv, [F|_]), consult(F), garbage_collect, garbage_collect_atoms,
            rss(K), format("RESULT settled_rss_kb ~d~n", [K]).
        """;

    /// <summary>The output names of the settled and peak memory figures of the ahead-of-time host.</summary>
    public const string SettledKey = "rss_facts_loaded_mib", PeakKey = "peak_rss_mib";

    /// <summary>Where the engine's ahead-of-time host project lies under the repository root.</summary>
    public const string AotProject = "bench/aot-engine/Pwmk.AotEngine.csproj";

    /// <summary>
    /// Runs <see cref="RunEngine"/> in the engine's NativeAOT host (<see cref="AotProject"/>, published into
    /// <c>.pwmk/aot</c> under <paramref name="root"/> when missing or older than its sources) and reads its figures.
    /// </summary>
    public Figures RunAot(string root, int reps, int nrevIterations)
    {
        string outDir = Path.Combine(root, ".pwmk", "aot");
        string exe = Path.Combine(outDir, "pwmk-aot-engine");
        var sources = new[] { "src/Pwmk.Logic", "bench/aot-engine", "bench/Pwmk.Bench/Beliefs", "bench/Pwmk.Bench/Shared" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.*", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal));
        if (!File.Exists(exe) || sources.Any(f => File.GetLastWriteTimeUtc(f) > File.GetLastWriteTimeUtc(exe)))
        {
            _log.WriteLine("pwmk: publishing the engine's NativeAOT host (first use: about a minute) ...");
            var publish = ChildProcess.Run("dotnet", ["publish", Path.Combine(root, AotProject), "-c", "Release", "-r", "linux-x64", "-o", outDir, "-nologo", "-v", "q"], root);
            if (publish.ExitCode != 0 || !File.Exists(exe)) throw new InvalidOperationException("publishing the NativeAOT host failed:\n" + publish.Stdout + publish.Stderr);
            File.SetLastWriteTimeUtc(exe, DateTime.UtcNow);
        }
        var host = ChildProcess.Run(exe, [reps.ToString(CultureInfo.InvariantCulture), nrevIterations.ToString(CultureInfo.InvariantCulture)], root, _log.WriteLine);
        string output = host.Stdout;
        if (host.ExitCode != 0) throw new InvalidOperationException($"the NativeAOT host failed (exit {host.ExitCode}):\n{output}");
        var fig = new Figures();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("CHECK", StringComparison.Ordinal))
            {
                fig.Check = line;
                continue;
            }
            var parts = line.Split(' ');
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) continue;
            if (parts[0] == SettledKey) fig.SettledRssMiB = v;
            else if (parts[0] == PeakKey) fig.PeakRssMiB = v;
            else fig.Values[parts[0]] = v;
        }
        if (fig.Check is null) throw new InvalidOperationException("the NativeAOT host printed no checksums:\n" + output);
        return fig;
    }

    /// <summary>A scratch copy of the SWI-Prolog scripts' folder with the generated facts.pl, for <see cref="RunSwi"/>.</summary>
    public static string PrepareSwi(string swiDir, Data data)
    {
        string tmp = Path.Combine(Path.GetTempPath(), "pwmk-swibench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        foreach (var f in Directory.GetFiles(swiDir, "*.pl")) File.Copy(f, Path.Combine(tmp, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(tmp, "facts.pl"), data.FactsText);
        File.WriteAllText(Path.Combine(tmp, "settled.pl"), SettledScript);
        return tmp;
    }

    /// <summary>Runs the SWI-Prolog scripts in the folder <see cref="PrepareSwi"/> made, reads their RESULT lines, and deletes the folder.</summary>
    public Figures RunSwi(string tmp, int reps, int nrevIterations)
    {
        var fig = new Figures();
        try
        {
            var (load0, rss0) = Swi(tmp, "bench_consult.pl", "0");
            fig.LoadOnlyPeakRssMiB = rss0;
            var (settled, _) = Swi(tmp, "settled.pl", "facts");
            fig.SettledRssMiB = SettledLine().Match(settled) is { Success: true } sm
                ? double.Parse(sm.Groups[1].Value, CultureInfo.InvariantCulture) / 1024 : double.NaN;
            var (outp, rss) = Swi(tmp, "bench_consult.pl", reps.ToString(CultureInfo.InvariantCulture));
            fig.PeakRssMiB = rss;
            var vals = new Dictionary<string, List<double>>();
            foreach (Match m in ResultLine().Matches(load0 + outp))
            {
                string k = Regex.Replace(m.Groups[1].Value, @"_r\(\d+\)", "");
                (vals.TryGetValue(k, out var l) ? l : vals[k] = new()).Add(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
            }
            double Med(string k) => vals.TryGetValue(k, out var l) ? Median(l) : double.NaN;
            fig.Values["load_consult_s"] = Med("load_consult_wall_s");
            fig.Values["i_point_us"] = Med("i_point_wall_us_per_query");
            fig.Values["ii_enum_us"] = Med("ii_enum_wall_us_per_query");
            fig.Values["iii_second_us"] = Med("iii_second_wall_us_per_query");
            fig.Values["iv_reach_s"] = Med("iv_reach_wall_s");
            fig.Check = outp.Split('\n').FirstOrDefault(l => l.StartsWith("CHECK", StringComparison.Ordinal))?.Trim();
            var (nrevOut, _) = Swi(tmp, "nrev.pl", nrevIterations.ToString(CultureInfo.InvariantCulture));
            foreach (Match m in ResultLine().Matches(nrevOut))
                if (m.Groups[1].Value == "nrev_MLIPS_net") fig.Values["nrev_mlips"] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
        return fig;
    }

    private (string Output, double MaxRssMiB) Swi(string dir, string script, string arg)
    {
        _log.WriteLine($"swipl {script} {arg} ...");
        var r = ChildProcess.Run("/usr/bin/time", ["-v", "swipl", script, arg], dir);
        string output = r.Stdout, e = r.Stderr;
        if (r.ExitCode != 0) throw new InvalidOperationException($"swipl {script} failed: {e}");
        var m = MaxRss().Match(e);
        return (output, m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 1024 : double.NaN);
    }
}
