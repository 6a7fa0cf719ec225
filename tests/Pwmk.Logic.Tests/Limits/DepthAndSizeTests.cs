using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Tests.Limits;

/// <summary>
/// Deep proofs, deep terms and long lists either work or end in a resource error; the process
/// never crashes (no recursion on the .NET stack grows with the data).
/// </summary>
public sealed class DepthAndSizeTests
{
    private const string Program = """
        count(0) :- !.
        count(N) :- N > 0, N1 is N-1, count(N1).
        len([], 0).
        len([_|T], N) :- len(T, N0), N is N0+1.
        deep(0, T, T) :- !.
        deep(N, T0, T) :- N1 is N-1, deep(N1, f(T0, N), T).
        deep_plus(0, E, E) :- !.
        deep_plus(N, E0, E) :- N1 is N-1, deep_plus(N1, E0+1, E).
        deep_conj(0, G, G) :- !.
        deep_conj(N, G0, G) :- N1 is N-1, deep_conj(N1, (true, G0), G).
        """;

    private static PrologEngine NewEngine()
    {
        var e = new PrologEngine();
        var r = e.Consult(Program);
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        return e;
    }

    private static readonly QueryOptions Opts = new() { Timeout = TimeSpan.FromSeconds(90) };

    /// <summary>The query succeeds, or stops with a resource error; anything else fails the test.</summary>
    private static bool WorksOrLimit(PrologEngine e, string query, QueryOptions? opt = null)
    {
        try
        {
            return e.Prove(query, opt ?? Opts);
        }
        catch (PrologException ex) when (ex.IsLimit)
        {
            return true;
        }
    }

    [Fact]
    public void TenMillionCallsDeepTailRecursion()
    {
        var e = NewEngine();
        var r = e.Query("count(10000000)", Opts);
        Assert.True(r.Succeeded);
        Assert.True(r.Inferences >= 10_000_000, $"{r.Inferences} inferences");
    }

    [Fact]
    public void TenMillionCallsDeepNonTailRecursion()
    {
        var e = NewEngine();
        var r = e.Query("length(_L, 10000000), len(_L, N)", Opts);
        Assert.Equal("10000000", r.Solutions.Single()["N"].ToString());
    }

    [Fact]
    public void NonTailRecursionBeyondTheFrameOrHeapLimitIsAResourceError()
    {
        var e = NewEngine();
        var ex = Assert.Throws<PrologException>(() => e.Query("length(_L, 2000000), len(_L, _)", new QueryOptions { MaxHeapCells = 1 << 21 }));
        Assert.True(ex.IsLimit, ex.Message);
    }

    [Fact]
    public void MillionLevelDeepTermsInsideTheEngine()
    {
        var e = NewEngine();
        var r = e.Query("""
            deep(1000000, a, T), deep(1000000, a, T2), T = T2, T == T2, compare(O, T, T2),
            copy_term(T, C), C == T, findall(T, true, [F]), F == T, ground(T),
            with_output_to(string(S), write(T)), string_length(S, Len)
            """, Opts);
        var s = r.Solutions.Single();
        Assert.Equal("=", s["O"].ToString());
        Assert.True(((Integer)s["Len"]).Value > 8_000_000);
    }

    [Fact]
    public void MillionLevelDeepTermsCrossTheHostBoundary()
    {
        var e = NewEngine();
        var r = e.Query("deep(1000000, a, T)", Opts);
        var t = r.Solutions.Single()["T"];
        int depth = 0;
        for (var x = t; x is Compound c; x = c.Args[0]) depth++;
        Assert.Equal(1_000_000, depth);
        // and back in: a deep host term as a query argument
        var v = new Variable("D");
        var back = e.Query(new Compound("=", t, new Compound("f", v, new Integer(1))), [new("D", v)], Opts);
        Assert.Single(back.Solutions);
        Assert.StartsWith("f(f(f(", t.ToString());
    }

    [Fact]
    public void DeepArithmeticAndDeepGoals()
    {
        var e = NewEngine();
        Assert.True(WorksOrLimit(e, "deep_plus(1000000, 0, E), X is E, X =:= 1000000"));
        Assert.True(WorksOrLimit(e, "deep_conj(1000000, true, G), call(G)"));
        Assert.True(WorksOrLimit(e, "deep_conj(1000000, true, G), assertz((dc :- G)), dc"));
    }

    [Fact]
    public void TenMillionElementLists()
    {
        var e = NewEngine();
        var r = e.Query("length(L, 10000000), length(L, N), L = [X|_], X = x", Opts);
        Assert.Equal("10000000", r.Solutions.Single()["N"].ToString());
        Assert.Equal("x", r.Solutions.Single()["X"].ToString());
    }

    [Theory]
    [InlineData("length(L, 10000000), msort(L, _)")]
    [InlineData("findall(X, between(1, 10000000, X), _)")]
    [InlineData("numlist(1, 10000000, L), sort(0, @>=, L, _)")]
    [InlineData("length(L, 10000000), maplist(=(a), L), atomic_list_concat(L, A), atom_length(A, _)")]
    public void TenMillionElementListsUnderAMemoryLimitEndInAResourceError(string query)
    {
        var e = NewEngine();
        var ex = Assert.Throws<PrologException>(() => e.Query(query, new QueryOptions { MaxHeapCells = 2_000_000, Timeout = TimeSpan.FromSeconds(90) }));
        Assert.Contains("resource_error", ex.Formal.ToString());
    }
}
