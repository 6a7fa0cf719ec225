using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Tests.Solving;

/// <summary>
/// The heap collector: long deterministic loops run in bounded memory, and everything a query still needs (its
/// variables, choicepoints, frames, floats and strings, exceptions) survives collections at almost every call.
/// </summary>
public class HeapCollectionTests
{
    private const string Program = """
        app([], L, L).
        app([H|T], L, [H|R]) :- app(T, L, R).
        nrev([], []).
        nrev([H|T], R) :- nrev(T, RT), app(RT, [H], R).
        loop(0, L, R) :- !, nrev(L, R).
        loop(N, L, R) :- nrev(L, _), N1 is N - 1, loop(N1, L, R).
        garbage(0) :- !.
        garbage(N) :- numlist(1, 50, L), nrev(L, _), atom_length(abc, _), N1 is N - 1, garbage(N1).
        boxes(0, F, S, F, S) :- !.
        boxes(N, F0, S0, F, S) :- F1 is F0 + 0.5, string_concat(S0, "x", S1), garbage(1), N1 is N - 1, boxes(N1, F1, S1, F, S).
        count(N, N).
        count(N, M) :- N < 100000, N1 is N + 1, count(N1, M).
        """;

    private static PrologEngine Engine(int? gcFloor = 64)
    {
        var e = new PrologEngine();
        Assert.True(e.Consult(Program).Ok);
        if (gcFloor is { } f) e.GcFloorCells = f;
        return e;
    }

    [Fact]
    public void A_long_deterministic_loop_runs_in_a_heap_far_smaller_than_it_allocates()
    {
        var e = Engine(gcFloor: null);
        // 100,000 naive reverses of 30 elements allocate about 100 M cells (800 MB); the heap limit is 2 M cells
        var r = e.Query("numlist(1, 30, L), loop(100000, L, R)", new QueryOptions { MaxHeapCells = 2 << 20, Timeout = TimeSpan.FromSeconds(120) });
        Assert.True(r.Succeeded);
        Assert.Equal("[30,29,28,27,26,25,24,23,22,21,20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1]", r.Solutions[0]["R"].ToString().Replace(" ", ""));
        Assert.True(e.GcStats.Runs > 10, $"{e.GcStats.Runs} collections");
    }

    [Fact]
    public void Query_variables_bound_before_collections_keep_their_values()
    {
        var e = Engine();
        var r = e.Query("numlist(1, 2000, L), X = f(Y, \"text\", 2.5, 123456789012345678901234567890), garbage(200), Y = bound, sum_list(L, S)");
        Assert.True(r.Succeeded);
        var s = r.Solutions[0];
        Assert.Equal("2001000", s["S"].ToString());
        Assert.Equal("f(bound,\"text\",2.5,123456789012345678901234567890)", s["X"].ToString().Replace(" ", ""));
        Assert.Equal(2000, ((Compound)s["L"]).ToString().Split(',').Length);
        Assert.True(e.GcStats.Runs > 50);
    }

    [Fact]
    public void Floats_and_strings_built_across_collections_are_intact()
    {
        var e = Engine();
        var r = e.Query("boxes(300, 0.0, \"\", F, S), string_length(S, N)");
        Assert.True(r.Succeeded);
        Assert.Equal("150.0", r.Solutions[0]["F"].ToString());
        Assert.Equal("300", r.Solutions[0]["N"].ToString());
    }

    [Fact]
    public void Backtracking_into_choicepoints_made_before_collections_gives_every_answer()
    {
        var e = Engine();
        var r = e.Query("findall(X-N, (between(1, 40, X), garbage(3), length(L, N), garbage(2), N >= 2, !), Ps), length(Ps, K)");
        Assert.True(r.Succeeded);
        Assert.Equal("1", r.Solutions[0]["K"].ToString());
        var all = e.Query("findall(X, (between(1, 300, X), garbage(2), X mod 7 =:= 0), Xs), sum_list(Xs, S), length(Xs, K)");
        Assert.Equal("6321", all.Solutions[0]["S"].ToString());
        Assert.Equal("42", all.Solutions[0]["K"].ToString());
        var clauses = e.Query("findall(B, (clause(garbage(N), B), garbage(5)), Bs), length(Bs, K)");
        Assert.Equal("2", clauses.Solutions[0]["K"].ToString());
        Assert.True(e.GcStats.Runs > 100);
    }

    [Fact]
    public void Solutions_found_one_by_one_survive_collections_between_them()
    {
        var e = Engine();
        var r = e.Query("count(0, M), M mod 20000 =:= 0, garbage(2)", new QueryOptions { MaxSolutions = 10 });
        Assert.Equal(["0", "20000", "40000", "60000", "80000", "100000"], r.Solutions.Select(s => s["M"].ToString()));
    }

    [Fact]
    public void An_exception_thrown_after_collections_is_caught_with_its_term()
    {
        var e = Engine();
        var r = e.Query("catch((garbage(100), numlist(1, 5, L), throw(oops(L, 1.5, \"s\"))), oops(X, F, S), true)");
        Assert.True(r.Succeeded);
        Assert.Equal("[1,2,3,4,5]", r.Solutions[0]["X"].ToString().Replace(" ", ""));
        Assert.Equal("1.5", r.Solutions[0]["F"].ToString());
    }

    [Fact]
    public void Default_engine_collects_a_growing_heap_and_stays_within_a_small_limit()
    {
        var e = Engine(gcFloor: null);
        var r = e.Query("garbage(20000)", new QueryOptions { MaxHeapCells = 1 << 20, Timeout = TimeSpan.FromSeconds(120) });
        Assert.True(r.Succeeded);
        Assert.True(e.GcStats.Reclaimed > 10_000_000, $"reclaimed {e.GcStats.Reclaimed} cells");
    }

    private const string Graph = """
        :- table reach/2.
        reach(X, Y) :- edge(X, Y).
        reach(X, Y) :- edge(X, Z), reach(Z, Y).
        :- table lreach/2.
        lreach(X, Y) :- edge(X, Y).
        lreach(X, Y) :- lreach(X, Z), edge(Z, Y).
        :- table heavy/2.
        heavy(X, Y) :- edge(X, Y), numlist(1, 40, L), sum_list(L, _).
        heavy(X, Y) :- edge(X, Z), heavy(Z, Y), numlist(1, 40, L), msort(L, _).
        """;

    // 80 nodes, 3 edges out of each, every node reachable from every node
    private static readonly string Edges = "\n" + string.Concat(Enumerable.Range(0, 240).Select(i => $"edge({i % 80}, {(i * 37 + i / 80 * 13 + 11) % 80}).\n"));

    [Theory]
    [InlineData("findall(Y, reach(0, Y), L), msort(L, S), length(S, N)", true)]
    [InlineData("findall(X-Y, (between(0, 20, X), reach(X, Y)), L), msort(L, S), length(S, N)", true)]
    [InlineData("findall(Y, lreach(5, Y), L), msort(L, S), length(S, N)", false)]
    [InlineData("findall(X-Y, (between(0, 9, X), heavy(X, Y)), L), msort(L, S), length(S, N)", true)]
    public void Tabled_evaluations_collect_their_heap_and_find_the_same_answers(string goal, bool collectsInside)
    {
        var plain = new PrologEngine();
        Assert.True(plain.Consult(Graph + Edges).Ok);
        var collecting = new PrologEngine { GcFloorCells = 16 };
        Assert.True(collecting.Consult(Graph + Edges).Ok);
        var a = plain.Query(goal).Solutions[0];
        var b = collecting.Query(goal).Solutions[0];
        Assert.Equal(a["S"].ToString(), b["S"].ToString());
        Assert.True(int.Parse(a["N"].ToString()) > 10);
        Assert.True(collecting.GcStats.Runs > 0);
        // (left recursion reaches its answers by backtracking, which frees the heap before it grows)
        if (collectsInside) Assert.True(collecting.GcStats.InNestedRuns > 0, $"{collecting.GcStats.Runs} collections, none inside a tabled evaluation");
    }
}
