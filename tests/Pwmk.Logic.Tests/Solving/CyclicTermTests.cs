using System.Diagnostics;

namespace Pwmk.Logic.Tests.Solving;

/// <summary>
/// Cyclic terms (X = f(X), made by unification without occurs check) end: unify, ==, compare and the variable walks
/// answer as on rational trees; what cannot hold a cycle (a copy, an assert, arithmetic, an answer) raises
/// representation_error(cyclic_term) at once instead of running until the time limit.
/// </summary>
public sealed class CyclicTermTests
{
    // a generous limit: the point is that none of these comes near it
    private static readonly QueryOptions Opt = new() { Timeout = TimeSpan.FromSeconds(20) };

    private static PrologEngine NewEngine()
    {
        var e = new PrologEngine();
        Assert.True(e.Consult(":- dynamic fact/1.\ndag(0, a).\ndag(N, f(T, T)) :- N > 0, M is N - 1, dag(M, T).").Ok);
        return e;
    }

    [Theory]
    [InlineData("_X = f(_X), _Y = f(_Y), _X == _Y", true)]
    [InlineData("_X = f(_X), _Y = f(_Y), _X = _Y", true)]
    [InlineData("_X = f(_X), _Y = f(f(_Y)), _X == _Y", true)]
    [InlineData("_A = f(_B), _B = f(_A), _C = f(_C), _A == _C", true)]
    [InlineData("_X = f(_X, a), _Y = f(_Y, b), _X = _Y", false)]
    [InlineData("_X = f(_X, a), _Y = f(_Y, b), _X == _Y", false)]
    [InlineData("_X = f(_X, a), _Y = f(_Y, b), compare(<, _X, _Y)", true)]
    [InlineData("_X = [a|_X], _Y = [a, a|_Y], _X == _Y", true)]
    [InlineData("_X = [a|_X], _Y = [a, b|_Y], _X \\= _Y", true)]
    [InlineData("_X = f(_X), ground(_X)", true)]
    [InlineData("_X = f(_X, _Z), \\+ ground(_X), term_variables(_X, [V]), V == _Z", true)]
    [InlineData("_X = f(_X), cyclic_term(_X), \\+ acyclic_term(_X)", true)]
    public void Comparisons_and_walks_over_cyclic_terms_answer_as_on_rational_trees(string query, bool expected)
    {
        var sw = Stopwatch.StartNew();
        Assert.Equal(expected, NewEngine().Prove(query, Opt));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"{query} took {sw.Elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData("X = f(X), copy_term(X, _)")]
    [InlineData("X = f(X), findall(X, true, _)")]
    [InlineData("X = f(X), assertz(fact(X))")]
    [InlineData("X = f(X), term_to_atom(X, _)")]
    [InlineData("X = f(X), write_canonical(X)")]
    [InlineData("X = f(X), _ is X")]
    [InlineData("X = X + 1, _ is X")]
    [InlineData("X = [a|X], length(X, _)")]
    [InlineData("X = [a|X], msort(X, _)")]
    [InlineData("X = [0'a|X], atom_codes(_, X)")]
    [InlineData("X = (a ; X), call(X)")]
    [InlineData("X = (X, a), call(X)")]
    [InlineData("X = f(X), X =@= _")]
    public void What_cannot_hold_a_cycle_raises_a_representation_error(string query)
    {
        var e = NewEngine();
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<PrologException>(() => e.Query(query, Opt));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"{query} took {sw.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("representation_error(cyclic_term)", ex.Formal.ToString());
        Assert.False(e.Prove("fact(_)"), "nothing was asserted");
    }

    [Fact]
    public void An_answer_that_binds_a_cyclic_term_says_which_variable()
    {
        var ex = Assert.Throws<PrologException>(() => NewEngine().Query("X = f(X), Y = 1", Opt));
        Assert.Equal("representation_error(cyclic_term)", ex.Formal.ToString());
        Assert.Contains("binds X to a cyclic term", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_subterm_walked_many_times_is_not_taken_for_a_cycle()
    {
        // dag(30, T) is a tree of 2^30 leaves in 31 heap structures: == and unify on two of them go by pairs already
        // compared, ground and term_variables by structures already walked
        var e = NewEngine();
        Assert.True(e.Prove("dag(30, _T), dag(30, _U), _T == _U, _T = _U, ground(_T), term_variables(_T, [])", Opt));
        Assert.False(e.Prove("dag(30, _T), dag(29, _U), _T == f(_U, _U), _T = f(_U, b)", Opt));
    }
}
