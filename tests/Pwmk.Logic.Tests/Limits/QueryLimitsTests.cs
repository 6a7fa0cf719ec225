using System.Diagnostics;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Tests.Limits;

/// <summary>Every query runs under limits; a query stopped by one leaves the database as it was.</summary>
public sealed class QueryLimitsTests
{
    private const string Program = """
        :- dynamic fact/1, counter/1.
        counter(0).
        loop :- loop.
        grow(L) :- grow([x|L]).
        deep(X) :- deep(f(X)).
        nontail(N) :- N1 is N+1, nontail(N1), true.
        nat(0).
        nat(N) :- nat(M), N is M+1.
        edge(1,2). edge(2,3). edge(3,1). edge(3,4).
        :- table path/2.
        path(X,Y) :- path(X,Z), edge(Z,Y).
        path(X,Y) :- edge(X,Y).
        """;

    private static PrologEngine NewEngine()
    {
        var e = new PrologEngine();
        var r = e.Consult(Program);
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        return e;
    }

    private static PrologException StopsWithin(PrologEngine e, string query, QueryOptions opt, double seconds)
    {
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<PrologException>(() => e.Query(query, opt));
        Assert.True(sw.Elapsed.TotalSeconds < seconds, $"{query} took {sw.Elapsed.TotalSeconds:F1}s");
        Assert.True(ex.IsLimit, ex.Message);
        return ex;
    }

    private static readonly QueryOptions Short = new() { Timeout = TimeSpan.FromMilliseconds(300) };

    [Theory]
    [InlineData("loop")]
    [InlineData("repeat, fail")]
    [InlineData("between(1, inf, _), fail")]
    [InlineData("nat(_), fail")]
    [InlineData("length(_L, _), fail")]
    [InlineData("catch(loop, _, true)")]
    [InlineData("findall(X, between(1, inf, X), _)")]
    [InlineData("\\+ loop")]
    [InlineData("forall(repeat, true)")]
    public void InfiniteComputationsEndWithTheTimeLimit(string query)
    {
        var e = NewEngine();
        var ex = StopsWithin(e, query, Short, 5);
        Assert.True(ex.Formal is Atom { Name: "time_limit_exceeded" } || ex.IsLimit, ex.Message);
        Assert.True(e.Prove("counter(0)"), "engine still answers after the limit");
    }

    [Theory]
    [InlineData("length(L, 300000), maplist(=(a), L), atomic_list_concat(L, A), between(1, inf, _), sub_atom(A, _, _, 0, x), fail")]
    [InlineData("numlist(1, 100000, L), between(1, inf, _), msort(L, _), fail")]
    [InlineData("numlist(1, 300000, L), between(1, inf, _), atomic_list_concat(L, _), fail")]
    public void AQueryOfExpensiveInferencesStopsCloseToItsTimeLimit(string query)
    {
        // each inference here costs 10 to 100 µs: looking at the clock every 65,536 of them overshot 500 ms by seconds
        // (the sub_atom query took 16 s); the engine looks as often as the work needs
        var ex = StopsWithin(NewEngine(), query, new QueryOptions { Timeout = TimeSpan.FromMilliseconds(500) }, 2.5);
        Assert.True(ex.Formal is Atom { Name: "time_limit_exceeded" }, ex.Message);
    }

    [Fact]
    public void InferenceLimitStopsALoop()
    {
        var e = NewEngine();
        var ex = StopsWithin(e, "loop", new QueryOptions { MaxInferences = 100_000, Timeout = null }, 5);
        Assert.Equal("resource_error(inferences)", ex.Formal.ToString());
    }

    [Theory]
    [InlineData("grow([])")]
    [InlineData("deep(a)")]
    [InlineData("length(_L, 100000000)")]
    [InlineData("findall(X, between(1, 100000000, X), _)")]
    [InlineData("numlist(1, 100000000, _)")]
    public void HeapLimitEndsWithAResourceError(string query)
    {
        var e = NewEngine();
        var ex = StopsWithin(e, query, new QueryOptions { MaxHeapCells = 1 << 20, Timeout = TimeSpan.FromSeconds(10) }, 10);
        Assert.Contains("resource_error", ex.Formal.ToString());
    }

    [Fact]
    public void NonTailRecursionWithoutEndStops()
    {
        var e = NewEngine();
        StopsWithin(e, "nontail(0)", new QueryOptions { Timeout = TimeSpan.FromSeconds(1), MaxHeapCells = 1 << 22 }, 10);
    }

    [Fact]
    public void OutputLimitStopsEndlessWriting()
    {
        var e = NewEngine();
        var ex = StopsWithin(e, "repeat, write(xxxxxxxx), fail", new QueryOptions { MaxOutputChars = 10_000, Timeout = TimeSpan.FromSeconds(10) }, 10);
        Assert.Contains("resource_error", ex.Formal.ToString());
    }

    [Fact]
    public void CancellationStopsAQuery()
    {
        var e = NewEngine();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        StopsWithin(e, "loop", new QueryOptions { Cancel = cts.Token, Timeout = null }, 5);
    }

    [Fact]
    public void HugeArithmeticIsRefusedOrFast()
    {
        var e = NewEngine();
        // a result of tens of millions of bits cannot be computed within the limit: refused at once
        StopsWithin(e, "_ is 7^(10^7)", Short, 5);
        StopsWithin(e, "_ is 3**(10**8)", Short, 5);
        // powers of two are shifts
        Assert.True(e.Prove("X is 2**(10**7), Y is X mod 7, Y =:= 2", Short));
        Assert.True(e.Prove("X is 0^0, X == 1, Y is (-1)^1001, Y == -1, Z is (-2)^3, Z == -8"));
    }

    [Theory]
    [InlineData("assertz(fact(1)), assertz(fact(2)), loop")]
    [InlineData("retract(counter(0)), assertz(counter(1)), loop")]
    [InlineData("assertz(fact(1)), retractall(counter(_)), asserta(fact(0)), grow([])")]
    [InlineData("forall(between(1, 1000, I), assertz(fact(I))), repeat, fail")]
    public void AQueryStoppedByALimitLeavesTheDatabaseUnchanged(string query)
    {
        var e = NewEngine();
        StopsWithin(e, query, new QueryOptions { Timeout = TimeSpan.FromMilliseconds(300), MaxHeapCells = 1 << 20 }, 5);
        Assert.False(e.Prove("fact(_)"));
        var counters = e.Query("counter(X)").Solutions.Select(s => s["X"].ToString()).ToList();
        Assert.Equal(["0"], counters);
        // a query that completes keeps its changes
        Assert.True(e.Prove("assertz(fact(7))"));
        Assert.True(e.Prove("fact(7)"));
    }

    [Fact]
    public void MaxSolutionsTruncates()
    {
        var e = NewEngine();
        var r = e.Query("between(1, inf, X)", new QueryOptions { MaxSolutions = 5 });
        Assert.Equal(["1", "2", "3", "4", "5"], r.Solutions.Select(s => s["X"].ToString()));
        Assert.True(r.Truncated);
        var all = e.Query("member(X, [a,b,c])", new QueryOptions { MaxSolutions = 10 });
        Assert.Equal(3, all.Solutions.Count);
        Assert.False(all.Truncated);
        Assert.Single(e.Query("nat(X)", new QueryOptions { MaxSolutions = 1 }).Solutions);
    }

    [Fact]
    public void TablesStayCorrectAfterALimitStoppedTheirEvaluation()
    {
        var e = NewEngine();
        Assert.Throws<PrologException>(() => e.Query("path(1, X), loop", Short));
        var r = e.Query("findall(Y, path(1, Y), L), msort(L, S)");
        Assert.Equal("[1,2,3,4]", r.Solutions[0]["S"].ToString());
    }
}
