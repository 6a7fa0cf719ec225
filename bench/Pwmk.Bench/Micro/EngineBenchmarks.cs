using System.Text;
using BenchmarkDotNet.Attributes;
using Pwmk.Logic;

namespace Pwmk.Bench.Micro;

/// <summary>
/// The belief-store engine's hot paths, shaped like the SWI-Prolog workloads of <c>pwmk-bench beliefs</c> but at a
/// size a BenchmarkDotNet iteration can repeat: (i) point queries, (ii) enumerations, (iii) second-order queries,
/// (iv) tabled reachability, naive reverse, and consulting the facts. Each benchmark runs one Prolog loop per
/// invocation; per-operation times come from OperationsPerInvoke. The side-by-side comparison with SWI-Prolog is
/// <c>bench/pwmk-bench beliefs</c>.
/// <c>bench/pwmk-bench micro --filter '*EngineBenchmarks*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const int Agents = 100, Objects = 100, Rooms = 50, SecondOrder = 5000, Nodes = 500;
    private string _facts = "";
    private PrologEngine _engine = null!;
    private static readonly QueryOptions Unlimited = new() { Timeout = TimeSpan.FromMinutes(10), MaxSolutions = 1 };

    private const string Workloads = """
        :- table reach/2.
        reach(X, Y) :- edge(X, Y).
        reach(X, Y) :- edge(X, Z), reach(Z, Y).
        lcg(S0, N, S, R) :- S is (S0 * 1103515245 + 12345) mod 2147483648, R is (S >> 8) mod N.
        w1(0, _) :- !.
        w1(K, S0) :- lcg(S0, 100, S1, A), lcg(S1, 100, S2, J), findall(R, believes(a(A), at(o(J), R)), _), K1 is K - 1, w1(K1, S2).
        w2(0) :- !.
        w2(K) :- A is K mod 100, findall(O-R, believes(a(A), at(O, R)), _), K1 is K - 1, w2(K1).
        w3(0, _) :- !.
        w3(K, S0) :- lcg(S0, 100, S1, A), lcg(S1, 100, S2, B), lcg(S2, 100, S3, J),
            findall(R, believes(a(A), believes(a(B), at(o(J), R))), _), K1 is K - 1, w3(K1, S3).
        app([], L, L).
        app([H|T], L, [H|R]) :- app(T, L, R).
        nrev([], []).
        nrev([H|T], R) :- nrev(T, RT), app(RT, [H], R).
        nloop(0, _) :- !.
        nloop(N, L) :- nrev(L, _), N1 is N - 1, nloop(N1, L).
        """;

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        long s = 1;
        int Rand(int n)
        {
            s = (s * 1103515245 + 12345) % 2147483648;
            return (int)((s >> 8) % n);
        }
        for (int i = 0; i < Agents; i++)
            for (int j = 0; j < Objects; j++)
                sb.Append("believes(a(").Append(i).Append("), at(o(").Append(j).Append("), r(").Append(Rand(Rooms)).Append("))).\n");
        for (int n = 0; n < SecondOrder; n++)
            sb.Append("believes(a(").Append(n / 50).Append("), believes(a(").Append(Rand(Agents)).Append("), at(o(").Append(Rand(Objects))
                .Append("), r(").Append(Rand(Rooms)).Append(")))).\n");
        for (int x = 0; x < Nodes; x++)
            for (int k = 0; k < 3; k++) sb.Append("edge(").Append(x).Append(", ").Append(Rand(Nodes)).Append(").\n");
        _facts = sb.ToString();
        _engine = new PrologEngine();
        Require(_engine.Consult(_facts, "facts.pl"));
        Require(_engine.Consult(Workloads, "workloads.pl"));
    }

    private static void Require(ConsultResult r)
    {
        if (!r.Ok) throw new InvalidOperationException(string.Join("; ", r.Errors));
    }

    private void Run(string goal)
    {
        if (!_engine.Query(goal, Unlimited).Succeeded) throw new InvalidOperationException("failed: " + goal);
    }

    /// <summary>(i) findall over one agent's belief about one object (first-argument plus sub-argument index).</summary>
    [Benchmark(OperationsPerInvoke = 10_000)]
    public void PointQuery() => Run("w1(10000, 4)");

    /// <summary>(ii) findall of all 100 beliefs of one agent.</summary>
    [Benchmark(OperationsPerInvoke = 1_000)]
    public void Enumeration() => Run("w2(1000)");

    /// <summary>(iii) second-order point queries, mostly misses.</summary>
    [Benchmark(OperationsPerInvoke = 10_000)]
    public void SecondOrderQuery() => Run("w3(10000, 5)");

    /// <summary>(iv) all nodes reachable from node 0, tables abolished first.</summary>
    [Benchmark]
    public void TabledReach() => Run("abolish_all_tables, findall(Y, reach(0, Y), _)");

    /// <summary>Naive reverse of 30 elements (496 logical inferences each).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 10_000)]
    public void NaiveReverse() => Run("numlist(1, 30, L), nloop(10000, L)");

    /// <summary>Consulting 15,000 facts and 1,500 edges into a fresh engine.</summary>
    [Benchmark]
    public void Consult() => Require(new PrologEngine().Consult(_facts, "facts.pl"));
}
