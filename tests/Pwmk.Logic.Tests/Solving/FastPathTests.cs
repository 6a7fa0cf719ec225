namespace Pwmk.Logic.Tests.Solving;

/// <summary>
/// The engine's fast paths give the answers of its general paths: small-integer arithmetic in clause bodies (signs,
/// overflow into big integers, errors), clause indexes (grown by asserts, or on the argument paths that tell clauses
/// apart), and cuts in a long deterministic run, which must not keep what they cut away.
/// </summary>
public class FastPathTests
{
    private const string Program = """
        ev(X, Y, S, D, P, Q, M) :- S is X + Y, D is X - Y, P is X * Y, Q is X // Y, M is X mod Y.
        cmp(X, Y, [L, E, G, N, LE, GE]) :-
            ( X < Y -> L = t ; L = f ), ( X =:= Y -> E = t ; E = f ), ( X > Y -> G = t ; G = f ),
            ( X =\= Y -> N = t ; N = f ), ( X =< Y -> LE = t ; LE = f ), ( X >= Y -> GE = t ; GE = f ).
        tick(0, C, C) :- !.
        tick(N, C0, C) :- N1 is N - 1, tick(0, C0, C1), C2 is C1 + 1, tick(N1, C2, C).
        """;

    private static PrologEngine Engine()
    {
        var e = new PrologEngine();
        Assert.True(e.Consult(Program).Ok);
        return e;
    }

    [Theory]
    [InlineData("7", "2", "9,5,14,3,1")]
    [InlineData("-7", "2", "-5,-9,-14,-3,1")]
    [InlineData("7", "-2", "5,9,-14,-3,-1")]
    [InlineData("-7", "-2", "-9,-5,14,3,-1")]
    [InlineData("1152921504606846975", "1152921504606846975", "2305843009213693950,0,1329227995784915870597964051066650625,1,0")]
    [InlineData("-1152921504606846976", "-1", "-1152921504606846977,-1152921504606846975,1152921504606846976,1152921504606846976,0")]
    [InlineData("4611686018427387904", "3", "4611686018427387907,4611686018427387901,13835058055282163712,1537228672809129301,1")]
    public void Integer_arithmetic_in_a_body_gives_exact_results_with_the_signs_of_iso(string x, string y, string expected)
    {
        var r = Engine().Query($"ev({x}, {y}, S, D, P, Q, M)");
        Assert.True(r.Succeeded);
        var s = r.Solutions[0];
        Assert.Equal(expected, string.Join(",", new[] { "S", "D", "P", "Q", "M" }.Select(k => s[k].ToString())));
    }

    [Theory]
    [InlineData("(A * 1103515245 + 12345) mod 2147483648", "2147483647", "0", "1043980748")]   // a product past 2^60 inside
    [InlineData("A /\\ B + (A \\/ B) * 0 + (A xor B) - (A xor B)", "123456789", "-987654321", "83985669")]
    [InlineData("A \\/ B", "123456789", "-987654321", "-948183201")]
    [InlineData("max(A, B) - min(A, B) + abs(-A) * sign(B)", "123456789", "-987654321", "987654321")]
    [InlineData("(A >> 8) mod 5 + (A << 3) - (-A >> 1)", "123456789", "0", "1049382710")]
    [InlineData("A << B", "1", "62", "4611686018427387904")]                       // past the small integers: a big one
    [InlineData("A * A", "1099511627776", "0", "1208925819614629174706176")]
    [InlineData("A >> B", "8", "-1", "16")]                                          // a negative shift shifts the other way
    [InlineData("A rem B + A mod B + A // B", "-7", "2", "-3")]
    [InlineData("A mod B + A // B + A rem B", "-7", "-1", "7")]
    [InlineData("+(A) - -(B)", "3", "4", "7")]
    [InlineData("A * B", "2.5", "2", "5.0")]
    public void Compiled_integer_expressions_give_the_general_evaluators_results(string expr, string a, string b, string expected)
    {
        var e = Engine();
        Assert.True(e.Consult($"cx(A, B, R) :- R is {expr}.\ncc(A, B) :- {expr} =:= {expected}.").Ok);
        var r = e.Query($"cx({a}, {b}, R), cc({a}, {b})");
        Assert.True(r.Succeeded);
        Assert.Equal(expected, r.Solutions[0]["R"].ToString());
    }

    [Theory]
    [InlineData("R is A + C", "instantiation_error")]
    [InlineData("R is A + foo", "type_error(evaluable,foo/0)")]
    [InlineData("R is A >> C", "instantiation_error")]
    [InlineData("A + 1 < C", "instantiation_error")]
    public void Compiled_expressions_with_unbound_or_odd_operands_raise_the_general_errors(string goal, string error)
    {
        var e = Engine();
        Assert.True(e.Consult($"ce(A, R) :- {goal}.").Ok);
        var r = e.Query("catch(ce(1, R), error(E, _), true)");
        Assert.Equal(error, r.Solutions[0]["E"].ToString().Replace(" ", ""));
    }

    [Theory]
    [InlineData("X is 1 // 0")]
    [InlineData("X is 1 mod 0")]
    public void Division_by_zero_in_a_body_is_still_an_evaluation_error(string goal)
    {
        var e = Engine();
        Assert.True(e.Consult($"z(X) :- {goal}.").Ok);
        var r = e.Query("catch(z(X), error(E, _), true)");
        Assert.Equal("evaluation_error(zero_divisor)", r.Solutions[0]["E"].ToString());
    }

    [Theory]
    [InlineData("1", "2", "[t,f,f,t,t,f]")]
    [InlineData("2", "2", "[f,t,f,f,t,t]")]
    [InlineData("3 * 4", "2 + 9", "[f,f,t,t,f,t]")]
    [InlineData("1152921504606846975 * 4", "1152921504606846975 + 1", "[f,f,t,t,f,t]")]
    [InlineData("2", "2.0", "[f,t,f,f,t,t]")]
    public void Comparisons_in_a_body_agree_for_small_big_and_mixed_numbers(string x, string y, string expected)
    {
        var r = Engine().Query($"cmp({x}, {y}, R)");
        Assert.Equal(expected, r.Solutions[0]["R"].ToString().Replace(" ", ""));
    }

    [Fact]
    public void An_index_grown_by_thousands_of_asserts_finds_each_key_with_the_clauses_that_match_any_key_in_order()
    {
        var e = Engine();
        var r = e.Query("""
            assertz(idx(0, v(0))), forall(between(1, 20, I), assertz(idx(I, v(I)))), idx(5, _),
            assertz(idx(_, any)), forall(between(21, 3000, I), assertz(idx(I, v(I)))),
            findall(X, idx(2999, X), A), findall(X, idx(7, X), B), findall(X, idx(-1, X), C)
            """);
        var s = r.Solutions[0];
        Assert.Equal("[any,v(2999)]", s["A"].ToString().Replace(" ", ""));
        Assert.Equal("[v(7),any]", s["B"].ToString().Replace(" ", ""));
        Assert.Equal("[any]", s["C"].ToString());
    }

    [Fact]
    public void A_call_that_binds_paths_every_clause_leaves_open_gets_the_clauses_of_the_paths_that_select()
    {
        var e = Engine();
        Assert.True(e.Consult("""
            sh(f(_), X, f) :- atom(X).
            sh(g(_), _, g).
            sh(h(_, _), _, h).
            sh([_|_], _, list).
            sh(k, _, k).
            sh(1, _, one).
            sh(f(a), _, fa).
            sh(m(_), _, m).
            sh(n(_), _, n).
            sh(_, _, any).
            """).Ok);
        var r = e.Query("findall(S, sh(f(a), x, S), A), findall(S, sh([1], y, S), B), findall(S, sh(f(b), 2, S), C)");
        var s = r.Solutions[0];
        Assert.Equal("[f,fa,any]", s["A"].ToString().Replace(" ", ""));
        Assert.Equal("[list,any]", s["B"].ToString().Replace(" ", ""));
        Assert.Equal("[any]", s["C"].ToString());
    }

    [Fact]
    public void A_long_deterministic_run_that_cuts_after_each_binding_stays_within_a_small_heap()
    {
        // every tick/3 call of the base case leaves a choicepoint, binds the caller's variable and cuts: the binding's
        // trail entry, if kept, would hold a cell per iteration alive (1.5 M cells against a limit of 512 K)
        var e = Engine();
        var r = e.Query("member(_, [a, b]), tick(1500000, 0, C), !",
            new QueryOptions { MaxHeapCells = 512 * 1024, Timeout = TimeSpan.FromSeconds(120) });
        Assert.True(r.Succeeded);
        Assert.Equal("1500000", r.Solutions[0]["C"].ToString());
        Assert.True(e.GcStats.Runs > 5, $"{e.GcStats.Runs} collections");
    }
}
