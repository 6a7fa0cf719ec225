using Pwmk.Logic.Parsing;
using Pwmk.Logic.Solving;

namespace Pwmk.Logic.Tests.Sessions;

/// <summary>
/// A read-only session reads everything and changes nothing shared: every built-in that would change the clauses, the
/// flags, the operator table, the global variables or the tables raises <c>permission_error(modify, ...)</c>, whichever
/// path reaches it, and the engine is exactly as it was afterwards.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class ReadOnlySessionTests
{
    private const string Program = """
        :- dynamic p/1, q/1.
        p(1). p(2).
        q(X) :- p(X).
        s(1).
        r(G) :- call(G).
        writes :- assertz(p(99)).
        :- table t/1.
        t(X) :- assertz(p(X)).
        """;

    /// <summary>Every goal that changes shared state (as text; each changes something when run in the writer).</summary>
    public static readonly string[] Changes =
    [
        "assert(p(7))", "asserta(p(7))", "assertz(p(7))", "assertz((new_pred(X) :- p(X)))", "assertz(brand_new(1))",
        "retract(p(1))", "retract((q(X) :- p(X)))", "retract(p(42))", "retractall(p(_))", "retractall(nothing_here(_))",
        "abolish(p/1)", "abolish(nothing_here/2)",
        "clause(p(1), true, R), erase(R)",
        "dynamic(z/1)", "discontiguous(z/1)", "table(z/1)", "abolish_all_tables",
        "set_prolog_flag(double_quotes, atom)", "set_prolog_flag(unknown, fail)",
        "op(700, xfx, ===)", "op(0, xfx, =)", "op(200, xfy, [aa, bb])",
        "nb_setval(counter, 1)",
    ];

    /// <summary>Ways of reaching a goal G (written as <c>GOAL</c>).</summary>
    public static readonly string[] Paths =
    [
        "GOAL", "call(GOAL)", "call((true, GOAL))", "(GOAL ; true)", "(true -> GOAL ; true)", "(fail ; GOAL)",
        "once(GOAL)", "ignore(GOAL)", "\\+ \\+ GOAL", "\\+ GOAL", "not(GOAL)", "findall(x, GOAL, _)",
        "forall(true, GOAL)", "aggregate_all(count, GOAL, _)", "bagof(x, GOAL, _)", "catch(GOAL, E, throw(E))",
        "with_output_to(string(_), GOAL)", "r(GOAL)", "T = (GOAL), T =.. L, G2 =.. L, call(G2)",
        "term_to_atom(T, 'GOALTEXT'), call(T)", "G = (GOAL), maplist(call, [G])", "call([X]>>call(X), (GOAL))",
    ];

    private static PrologEngine NewEngine()
    {
        var e = new PrologEngine();
        var r = e.Consult(Program);
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        Assert.True(e.Query("nb_setval(counter, 0)").Succeeded);
        return e;
    }

    /// <summary>What a query could have changed: clauses, flags, operators, global variables.</summary>
    private static string StateOf(PrologEngine e) => string.Join(" | ",
        e.Query("catch(findall(X, p(X), L), _, L = gone)").Solutions[0]["L"],
        e.Query("catch(findall(B, clause(q(_), B), L), _, L = gone)").Solutions[0]["L"],
        e.Query("findall(F-V, current_prolog_flag(F, V), L), msort(L, S)").Solutions[0]["S"],
        e.Query("findall(P-T-N, current_op(P, T, N), L), msort(L, S)").Solutions[0]["S"],
        e.Query("findall(P, (current_predicate(P), P \\= dt_run/1), L), msort(L, S)").Solutions[0]["S"],
        e.Query("nb_getval(counter, V)").Solutions[0]["V"],
        e.Query("predicate_property(z(_), dynamic) -> D = yes ; D = no").Solutions[0]["D"]);

    public static TheoryData<string, string> EveryChangeByEveryPath()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Changes)
            foreach (var p in Paths) data.Add(c, p);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryChangeByEveryPath))]
    public void Every_change_is_refused_with_a_permission_error_however_it_is_reached(string change, string path)
    {
        var e = NewEngine();
        var before = StateOf(e);
        string goal = path.Replace("GOALTEXT", "(" + change.Replace("'", "\\'") + ")").Replace("GOAL", "(" + change + ")");
        var ex = Assert.Throws<PrologException>(() => e.QueryReadOnly(goal));
        Assert.Matches(@"^permission_error\(modify,\w+,", ex.Formal.ToString());
        Assert.Equal(before, StateOf(e));
    }

    [Theory]
    [MemberData(nameof(ChangesAsTheory))]
    public void Each_change_does_change_the_engine_when_run_in_the_writer(string change)
    {
        // the read-only theory above is only meaningful if these goals really change something
        var e = NewEngine();
        var before = StateOf(e);
        if (change.StartsWith("abolish_all_tables", StringComparison.Ordinal) || change.StartsWith("retract(p(42))", StringComparison.Ordinal)
            || change.Contains("nothing_here", StringComparison.Ordinal) || change.StartsWith("discontiguous", StringComparison.Ordinal)
            || change.StartsWith("table", StringComparison.Ordinal))
        {
            e.Query("catch(" + change + ", _, true)");
            return;   // allowed in the writer; they change nothing StateOf shows (no matching clause, query-local tables, properties)
        }
        e.Query(change);
        if (change == "op(0, xfx, =)") Assert.False(e.Operators.TryInfix("=", out _));   // no query text with = reads any more
        else Assert.NotEqual(before, StateOf(e));
    }

    public static TheoryData<string> ChangesAsTheory() => new(Changes);

    [Fact]
    public void A_rule_of_the_store_that_changes_it_is_refused_and_so_is_a_tabled_one()
    {
        var e = NewEngine();
        var before = StateOf(e);
        Assert.Contains("permission_error(modify,static_procedure,p/1)", Assert.Throws<PrologException>(() => e.QueryReadOnly("writes")).Message);
        Assert.Contains("permission_error(modify,static_procedure,p/1)", Assert.Throws<PrologException>(() => e.QueryReadOnly("t(5)")).Message);
        Assert.Equal(before, StateOf(e));
        e.Query("writes");
        Assert.NotEqual(before, StateOf(e));
    }

    [Fact]
    public void A_name_built_at_run_time_gets_no_further_than_a_written_one()
    {
        var e = NewEngine();
        var ex = Assert.Throws<PrologException>(() => e.QueryReadOnly("atom_codes(P, \"assertz\"), G =.. [P, p(3)], call(G)"));
        Assert.Equal("permission_error(modify,static_procedure,p/1)", ex.Formal.ToString());
        Assert.Equal(2, e.QueryReadOnly("p(X)").Solutions.Count);
    }

    [Fact]
    public void Reading_words_that_name_changes_is_fine()
    {
        var e = NewEngine();
        e.Query("assertz(topic(consult)), assertz(topic(assertz)), assertz(topic(retract))");
        var r = e.QueryReadOnly("topic(X), atom(X), X \\== op");
        Assert.Equal(["consult", "assertz", "retract"], r.Solutions.Select(s => s["X"].ToString()));
        Assert.True(e.QueryReadOnly("clause(q(X), B), B == p(X)").Succeeded);
        Assert.True(e.QueryReadOnly("current_op(700, xfx, =), current_prolog_flag(double_quotes, string), predicate_property(p(_), dynamic)").Succeeded);
    }

    [Fact]
    public void Query_local_state_is_allowed_and_dies_with_the_query()
    {
        var e = NewEngine();
        var r = e.QueryReadOnly("b_setval(v, f(1)), b_getval(v, X), nb_getval(counter, C)");
        Assert.Equal("f(1)", r.Solutions[0]["X"].ToString());
        Assert.Equal("0", r.Solutions[0]["C"].ToString());
        var ex = Assert.Throws<PrologException>(() => e.QueryReadOnly("b_getval(v, X)"));
        Assert.Contains("existence_error(variable,v)", ex.Message);
        // tables too: a tabled predicate answers in a read-only query, and nothing of its table is left for the next
        Assert.True(e.Consult(":- table reach/2.\n:- dynamic edge/2.\nreach(X, Y) :- edge(X, Y).\nreach(X, Y) :- reach(X, Z), edge(Z, Y).\nedge(a, b). edge(b, c). edge(c, a).").Ok);
        Assert.Equal(3, e.QueryReadOnly("reach(a, X)").Solutions.Count);
        e.Query("assertz(edge(c, d))");
        Assert.Equal(4, e.QueryReadOnly("reach(a, X)").Solutions.Count);
    }

    [Fact]
    public void Atoms_and_functors_a_read_only_query_makes_do_not_stay_in_the_process()
    {
        var e = NewEngine();
        e.QueryReadOnly("true");
        int atoms = Symbols.SharedAtomCount, functors = Symbols.SharedFunctorCount;
        var r = e.QueryReadOnly(
            "findall(A, (between(1, 20000, N), atom_number(A0, N), atom_concat(fresh_, A0, A), functor(_, A, 3)), L), length(L, Len), last(L, Last), Last == fresh_20000, term_to_atom(T, 'never_seen_before(x, y)')",
            new QueryOptions { MaxSolutions = 1 });
        Assert.Equal("20000", r.Solutions[0]["Len"].ToString());
        Assert.Equal("never_seen_before(x,y)", r.Solutions[0]["T"].ToString());
        Assert.True(atoms == Symbols.SharedAtomCount, "new shared atoms: " + string.Join(", ", Enumerable.Range(atoms, Symbols.SharedAtomCount - atoms).Select(Symbols.AtomName)));
        Assert.True(functors == Symbols.SharedFunctorCount, "new shared functors: " + string.Join(", ", Enumerable.Range(functors, Symbols.SharedFunctorCount - functors).Select(Symbols.Indicator)));
        // the same words in a later query are new again, and compare as text with shared ones
        Assert.True(e.QueryReadOnly("atom_concat(fresh_, '1', A), A @< fresh_2, atom_length(A, 7)").Succeeded);
        Assert.Equal(atoms, Symbols.SharedAtomCount);
    }

    [Fact]
    public void A_writer_session_publishes_at_commit_and_undoes_when_disposed_without_one()
    {
        var e = NewEngine();
        using (var w = e.OpenSession(SessionMode.ReadWrite))
        {
            Assert.False(w.IsReadOnly);
            w.Query("assertz(p(10)), retract(p(1))");
            Assert.Equal(["2", "10"], w.Query("p(X)").Solutions.Select(s => s["X"].ToString()));
            Assert.Equal(["1", "2"], e.QueryReadOnly("p(X)").Solutions.Select(s => s["X"].ToString()));   // not committed yet
            w.Commit();
            Assert.Equal(["2", "10"], e.QueryReadOnly("p(X)").Solutions.Select(s => s["X"].ToString()));
            w.Query("assertz(p(11)), retract(p(2))");
        }
        Assert.Equal(["2", "10"], e.QueryReadOnly("p(X)").Solutions.Select(s => s["X"].ToString()));
        Assert.Equal(["2", "10"], e.Query("p(X)").Solutions.Select(s => s["X"].ToString()));
    }

    [Fact]
    public void Clause_references_name_clauses_and_erase_removes_them_in_the_writer()
    {
        var e = NewEngine();
        var r = e.Query("clause(p(2), true, Ref), clause(H, B, Ref)");
        Assert.Equal("p(2)", r.Solutions[0]["H"].ToString());
        e.Query("clause(p(1), true, Ref), erase(Ref)");
        Assert.Equal(["2"], e.QueryReadOnly("p(X)").Solutions.Select(s => s["X"].ToString()));
        var ex = Assert.Throws<PrologException>(() => e.Query("clause(s(_), _, Ref), erase(Ref)"));
        Assert.Contains("permission_error(modify,static_procedure,s/1)", ex.Message);
    }

    [Fact]
    public void The_operator_table_a_reader_parses_with_is_the_published_one()
    {
        var e = NewEngine();
        Assert.Throws<SyntaxErrorException>(() => e.QueryReadOnly("X = (a === b)"));
        e.Query("op(700, xfx, ===)");
        Assert.Equal("===(a,b)", e.QueryReadOnly("X = (a === b), write_canonical(X)").Output);
        Assert.True(e.Operators.TryInfix("===", out _));
        // a directive's operator reads the clauses after it in the same text
        Assert.True(e.Consult(":- op(700, xfx, knows).\nann knows bob.").Ok);
        Assert.Equal("bob", e.QueryReadOnly("ann knows X").Solutions[0]["X"].ToString());
    }

    [Fact]
    public void A_read_only_session_keeps_one_view_for_all_its_queries()
    {
        var e = NewEngine();
        using var s = e.OpenSession(SessionMode.ReadOnly);
        Assert.True(s.IsReadOnly);
        e.Query("assertz(p(3))");
        Assert.Equal(2, s.Query("p(X)").Solutions.Count);
        Assert.Equal(2, s.Query("findall(X, p(X), L), length(L, N)").Solutions.Count == 1 ? 2 : 0);
        s.Commit();
        Assert.Equal(3, s.Query("p(X)").Solutions.Count);
        Assert.Throws<PrologException>(() => s.Query("assertz(p(4))"));
        Assert.Equal(3, e.QueryReadOnly("p(X)").Solutions.Count);
    }

    [Fact]
    public void Unknown_predicates_called_by_readers_are_not_added_to_the_database()
    {
        var e = NewEngine();
        string Preds() => e.Query("findall(P, current_predicate(P), L), msort(L, S)").Solutions[0]["S"].ToString();
        var before = Preds();
        var ex = Assert.Throws<PrologException>(() => e.QueryReadOnly("G =.. [never_defined_pred, 1, 2], call(G)"));
        Assert.Contains("existence_error(procedure,never_defined_pred/2)", ex.Message);
        Assert.Throws<PrologException>(() => e.QueryReadOnly("never_defined_either(x)"));
        Assert.Equal(before, Preds());
        Assert.Null(e.Db.TryGet(Symbols.Functor("never_defined_either", 1)));
    }
}
