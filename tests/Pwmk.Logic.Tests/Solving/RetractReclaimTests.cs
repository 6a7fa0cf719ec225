namespace Pwmk.Logic.Tests.Solving;

public class RetractReclaimTests
{
    [Fact]
    public void Facts_replaced_over_and_over_do_not_pile_up_and_answers_stay_right()
    {
        var engine = new PrologEngine();
        Assert.True(engine.Consult(":- dynamic at/2.\n").Ok);
        for (int i = 0; i < 100; i++) engine.Prove($"assertz(at(obj_{i}, room_0))");
        for (int step = 1; step <= 5_000; step++)
        {
            int obj = step * 7 % 100;
            Assert.True(engine.Prove($"retract(at(obj_{obj}, _)), assertz(at(obj_{obj}, room_{step}))"));
        }
        // 5,000 retracted clauses: the arrays hold the 100 live ones plus at most as many dead ones
        Assert.InRange(engine.ClauseSlots("at", 2), 100, 2 * 100 + 64);
        var r = engine.Query("aggregate_all(count, at(_, _), N)");
        Assert.Equal("100", r.Solutions[0]["N"].ToString());
        Assert.Equal("room_4998", engine.Query("at(obj_86, R)").Solutions[0]["R"].ToString());   // 4998 * 7 % 100 = 86
    }

    [Fact]
    public void A_query_stopped_by_a_limit_rolls_back_and_its_clauses_are_reclaimed_too()
    {
        var engine = new PrologEngine();
        Assert.True(engine.Consult(":- dynamic n/1.\n").Ok);
        for (int k = 0; k < 20; k++)
        {
            Assert.Throws<PrologException>(() => engine.Query("between(1, 100, I), assertz(n(I)), fail ; between(1, inf, _), fail",
                new QueryOptions { MaxInferences = 5_000 }));
        }
        Assert.False(engine.Prove("n(_)"));
        Assert.InRange(engine.ClauseSlots("n", 1), 0, 100 + 64);
    }

    [Fact]
    public void A_consulted_predicate_keeps_no_spare_room_and_still_grows_in_order()
    {
        var engine = new PrologEngine();
        var text = new System.Text.StringBuilder(":- dynamic f/2.\n");
        for (int i = 0; i < 3000; i++) text.Append($"f({i}, v{i}).\n");
        Assert.True(engine.Consult(text.ToString()).Ok);
        Assert.Equal(3000, engine.ClauseCapacity("f", 2));   // the doubling array had room for 4,096
        Assert.True(engine.Prove("assertz(f(3000, last)), asserta(f(-1, first))"));
        Assert.Equal("3002", engine.Query("aggregate_all(count, f(_, _), N)").Solutions[0]["N"].ToString());
        Assert.Equal("[first,v0,v2999,last]", engine.Query(
            "findall(V, f(_, V), Vs), Vs = [A, B|_], nth0(3000, Vs, C), last(Vs, D), L = [A, B, C, D]").Solutions[0]["L"].ToString());
    }

    [Fact]
    public void Clauses_asserted_and_retracted_within_one_query_do_not_pile_up_while_it_runs()
    {
        var engine = new PrologEngine();
        Assert.True(engine.Consult(":- dynamic cand/1, kept/1.\nkept(old).\n" +
            "round(N) :- retractall(cand(_)), forall(between(1, N, I), assertz(cand(I))), forall((between(2, N, I), I mod 2 =:= 0), retract(cand(I))).\n" +
            "rounds(K, N) :- forall(between(1, K, _), round(N)).").Ok);
        // 50 rounds of 1,000 facts in a writer session not yet committed (as inside one long query): 50,000 clauses
        // made, all but the last round's odd ones dead, and a reader holding the view from before the session
        using (var w = engine.OpenSession(SessionMode.ReadWrite))
        {
            using var reader = engine.OpenSession(SessionMode.ReadOnly);
            var r = w.Query("rounds(50, 1000), aggregate_all(count, cand(_), C), cand(999), \\+ cand(1000), kept(old)");
            Assert.Equal("500", r.Solutions[0]["C"].ToString());
            Assert.InRange(engine.ClauseSlots("cand", 1), 500, 2 * 1000 + 64);
            Assert.False(reader.Query("cand(_)").Succeeded);   // what the reader saw when it started
            w.Commit();
        }
        // a query stopped by a limit after such rounds (clauses dropped on the way) leaves them as they were before it
        Assert.Throws<PrologException>(() => engine.Query("rounds(3, 200), retract(kept(old)), between(1, inf, _), fail",
            new QueryOptions { MaxInferences = 200_000 }));
        Assert.True(engine.Prove("kept(old), aggregate_all(count, cand(_), 500)"));
    }
}
