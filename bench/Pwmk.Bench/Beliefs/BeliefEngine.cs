using System.Diagnostics;
using System.Globalization;
using Pwmk.Logic;

namespace Pwmk.Bench.Beliefs;

/// <summary>
/// PWMK's side of <c>pwmk-bench beliefs</c>: one scenario in one process, reading the facts and queries that both
/// engines consult from a folder, printing <c>RESULT key value</c> lines (and the checksum line) as the SWI-Prolog
/// driver prints them. Compiled into the bench (its JIT host) and into the NativeAOT host <c>bench/aot-engine</c>.
/// </summary>
/// <remarks>Arguments: SCENARIO DIR [N]; scenarios: workloads, point-fresh N, nrev N, settled.</remarks>
internal static class BeliefEngine
{
    /// <summary>The workloads, word for word as in common.pl and nrev.pl.</summary>
    public const string Workloads = """
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
        """ + "\n" + Nrev;

    /// <summary>Naive reverse of SWI-Prolog's nrev.pl with its loop and dummy loop, the same text on both sides.</summary>
    public const string Nrev = """
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

    private static readonly QueryOptions s_unlimited = new() { Timeout = TimeSpan.FromHours(1), MaxSolutions = 1, MaxHeapCells = 256 * 1024 * 1024 };

    public static int Run(string[] args)
    {
        if (args.Length < 2 || (args[0] is "point-fresh" or "nrev" && args.Length < 3))
        {
            Console.Error.WriteLine("usage: SCENARIO DIR [N]; scenarios: workloads, point-fresh N, nrev N, settled");
            return 2;
        }
        string dir = args[1];
        int n = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
        var engine = new PrologEngine();
        switch (args[0])
        {
            case "workloads":
                {
                    var (lw, lc) = Timed(() => Require(engine.Consult(File.ReadAllText(Path.Combine(dir, "facts.pl")), "facts.pl")));
                    Result("load_wall_s", lw);
                    Result("load_cpu_s", lc);
                    Require(engine.Consult(Workloads, "workloads.pl"));
                    Require(engine.Consult(File.ReadAllText(Path.Combine(dir, "queries.pl")), "queries.pl"));
                    string Sum(string goal) => engine.Query(goal, s_unlimited).Solutions[0]["S"].ToString();
                    Console.WriteLine($"CHECK i {Sum("bench_q1(_Q), check1(_Q, S)")} ii {Sum("bench_q2(_Q), check2(_Q, S)")} iii {Sum("bench_q3(_Q), check3(_Q, S)")} iv {Sum("check4(S)")}");
                    PerQuery(engine, "i", "bench_q1(_Qs), w1(_Qs, 0, _C)", 100_000);
                    PerQuery(engine, "ii", "bench_q2(_Qs), w2(_Qs, 0, _C)", 1000);
                    PerQuery(engine, "iii", "bench_q3(_Qs), w3(_Qs, 0, _C)", 10_000);
                    engine.Prove("abolish_all_tables", s_unlimited);
                    var (w, c) = Timed(() => Prove(engine, "w4(_N)"));
                    Result("iv_wall_s", w);
                    Result("iv_cpu_s", c);
                    return 0;
                }
            case "point-fresh":
                Require(engine.Consult(File.ReadAllText(Path.Combine(dir, "facts.pl")), "facts.pl"));
                Require(engine.Consult(Workloads, "workloads.pl"));
                Require(engine.Consult(File.ReadAllText(Path.Combine(dir, "queries.pl")), "queries.pl"));
                Prove(engine, $"bench_q1(_Q), length(_P, {n}), append(_P, _, _Q), nb_setval(point_fresh, _P)");
                PerQuery(engine, "i_first", "nb_getval(point_fresh, _P), w1(_P, 0, _C)", n);
                return 0;
            case "nrev":
                {
                    Require(engine.Consult(Workloads, "workloads.pl"));
                    GC.Collect();
                    var (bw, bc) = Timed(() => Prove(engine, $"range(1, 30, _L), bench_loop({n}, _L)"));
                    var (dw, dc) = Timed(() => Prove(engine, $"range(1, 30, _L), dummy_loop({n}, _L)"));
                    Result("nrev_wall_mlips", 496.0 * n / (bw - dw) / 1e6);
                    Result("nrev_cpu_mlips", 496.0 * n / (bc - dc) / 1e6);
                    return 0;
                }
            case "settled":
                Require(engine.Consult(File.ReadAllText(Path.Combine(dir, "facts.pl")), "facts.pl"));
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                Result("settled_rss_mib", ReadStatusMiB("VmRSS"));
                GC.KeepAlive(engine);
                return 0;
            default:
                Console.Error.WriteLine($"unknown scenario '{args[0]}'");
                return 2;
        }
    }

    /// <summary>Wall and user-CPU seconds of <paramref name="work"/>, as the SWI-Prolog driver reads its own (get_time, process_cputime).</summary>
    private static (double Wall, double Cpu) Timed(Action work)
    {
        var cpu = Environment.CpuUsage.UserTime;
        long start = Stopwatch.GetTimestamp();
        work();
        return (Stopwatch.GetElapsedTime(start).TotalSeconds, (Environment.CpuUsage.UserTime - cpu).TotalSeconds);
    }

    private static void PerQuery(PrologEngine engine, string key, string goal, int queries)
    {
        var (w, c) = Timed(() => Prove(engine, goal));
        Result(key + "_wall_us", w * 1e6 / queries);
        Result(key + "_cpu_us", c * 1e6 / queries);
    }

    private static void Prove(PrologEngine engine, string goal)
    {
        if (!engine.Query(goal, s_unlimited).Succeeded) throw new InvalidOperationException("benchmark goal failed: " + goal);
    }

    private static void Require(ConsultResult r)
    {
        if (!r.Ok) throw new InvalidOperationException(string.Join("; ", r.Errors));
    }

    private static void Result(string key, double value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {key} {value:R}"));

    private static double ReadStatusMiB(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return double.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }
}
