using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Beliefs;

public class BeliefStoreTests
{
    private static List<string> Answers(BeliefStore store, string query, string variable)
        => store.Query(query).Solutions.Select(s => s[variable].ToString()).ToList();

    [Fact]
    public void Beliefs_are_stored_per_agent_and_queried_with_bindings()
    {
        var store = new BeliefStore();
        Assert.True(store.AddBelief("agent_0", "has(agent_1, key)"));
        Assert.True(store.AddBelief("agent_0", "believes(agent_1, at(treasure, room_3))"));
        Assert.True(store.AddBelief("agent_1", "at(treasure, room_2)"));

        var r = store.Query("believes(X, at(treasure, R))");
        Assert.Equal(["X = agent_1, R = room_2"], r.Solutions.Select(s => s.ToString()));
        Assert.Equal(["agent_1"], Answers(store, "believes(agent_0, believes(Who, at(treasure, room_3)))", "Who"));
        Assert.True(store.Holds("believes(agent_0, has(agent_1, key)) AND NOT believes(agent_1, has(agent_1, key))"));
        Assert.False(store.Holds("believes(agent_1, has(agent_1, key))"));
    }

    [Fact]
    public void Adding_the_same_belief_twice_keeps_one_copy()
    {
        var store = new BeliefStore();
        Assert.True(store.AddBelief("agent_0", "has(agent_1, key)"));
        Assert.False(store.AddBelief("agent_0", "has(agent_1,   key)"));
        Assert.Single(store.Query("believes(agent_0, has(A, key))").Solutions);
        Assert.Equal(1, store.CountBeliefs("agent_0"));
    }

    [Fact]
    public void Rules_derive_answers_from_facts_and_beliefs()
    {
        var store = new BeliefStore();
        store.AssertFact("has(agent_0, key)");
        store.AssertFact("at(agent_0, room_1)");
        store.AssertFact("connects(room_1, door_a)");
        store.AssertFact("connects(room_2, door_b)");
        store.AddRule("can_unlock(A, D) :- has(A, key), at(A, R), connects(R, D)");
        Assert.Equal(["door_a"], Answers(store, "can_unlock(agent_0, D)", "D"));

        store.AssertFact("at(agent_0, room_2)"); // at/2 not functional: agent_0 is now in both rooms
        Assert.Equal(["door_a", "door_b"], Answers(store, "can_unlock(agent_0, D)", "D"));
        Assert.Equal(1, store.RuleCount);
        Assert.Equal(5, store.WorldFactCount);
    }

    [Fact]
    public void Functional_predicate_replaces_the_old_value_in_the_same_chain_only()
    {
        var store = new BeliefStore();
        store.AddPredicate(BeliefPredicate.Functional("at", 2, 1));
        store.AddBelief("agent_0", "at(key, room_1)");
        store.AddBelief("agent_0", "believes(agent_1, at(key, room_1))");
        store.AddBelief("agent_1", "at(key, room_1)");
        store.AssertFact("at(key, room_1)");

        Assert.True(store.AddBelief("agent_0", "at(key, room_2)"));
        Assert.Equal(["room_2"], Answers(store, "believes(agent_0, at(key, R))", "R"));
        // other chains and the world are untouched
        Assert.Equal(["room_1"], Answers(store, "believes(agent_0, believes(agent_1, at(key, R)))", "R"));
        Assert.Equal(["room_1"], Answers(store, "believes(agent_1, at(key, R))", "R"));
        Assert.Equal(["room_1"], Answers(store, "at(key, R)", "R"));

        store.AddBelief("agent_0", "believes(agent_1, at(key, room_5))");
        Assert.Equal(["room_5"], Answers(store, "believes(agent_0, believes(agent_1, at(key, R)))", "R"));
        store.AssertFact("at(key, room_9)");
        Assert.Equal(["room_9"], Answers(store, "at(key, R)", "R"));
        // a different key is a different slot
        store.AddBelief("agent_0", "at(ball, room_1)");
        Assert.Equal(["key-room_2", "ball-room_1"], Answers(store, "believes(agent_0, at(O, R)), P = O-R", "P"));
        Assert.Equal(5, store.CountFacts("at", 2));
    }

    [Fact]
    public void Declaring_a_functional_predicate_over_conflicting_facts_is_refused()
    {
        var store = new BeliefStore();
        store.AddBelief("agent_0", "at(key, room_1)");
        store.AddBelief("agent_0", "at(key, room_2)");
        var e = Assert.Throws<BeliefStoreException>(() => store.AddPredicate(BeliefPredicate.Functional("at", 2, 1)));
        Assert.Contains("two values for one key", e.Message);
        Assert.Empty(store.Predicates);
        store.AddBelief("agent_0", "at(key, room_3)");
        Assert.Equal(3, store.CountBeliefs("agent_0")); // still not functional
    }

    [Fact]
    public void Declared_predicate_without_facts_fails_instead_of_raising()
    {
        var store = new BeliefStore();
        Assert.Throws<PrologException>(() => store.Query("has(X, key)"));
        store.AddPredicate(new BeliefPredicate("has", 2));
        Assert.False(store.Query("has(X, key)").Succeeded);
        Assert.False(store.Query("believes(X, Y)").Succeeded);
    }

    [Fact]
    public void Counts_follow_adds_replacements_and_removals()
    {
        var store = new BeliefStore();
        store.AddPredicate(BeliefPredicate.Functional("at", 2, 1));
        store.AddBelief("agent_0", "has(agent_1, key)");
        store.AddBelief("agent_0", "at(key, room_1)");
        store.AddBelief("agent_0", "believes(agent_1, at(key, room_1))");
        store.AddBelief("agent_0", "believes(agent_1, believes(agent_0, at(key, room_1)))");
        store.AddBelief("agent_1", "at(key, room_4)");
        store.AssertFact("at(key, room_4)");

        Assert.Equal(6, store.FactCount);
        Assert.Equal(5, store.BeliefCount);
        Assert.Equal(4, store.CountBeliefs("agent_0"));
        Assert.Equal(1, store.CountBeliefs("agent_1"));
        Assert.Equal(0, store.CountBeliefs("agent_2"));
        Assert.Equal(5, store.CountFacts("at", 2));
        Assert.Equal(1, store.CountFacts("has", 2));
        Assert.Equal(3, store.CountFacts(new Atom("agent_0"), new PredicateIndicator("at", 2))); // at any depth
        Assert.Equal(1, store.CountFacts(null, new PredicateIndicator("at", 2)));
        Assert.Equal([1, 3, 1, 1], Enumerable.Range(0, 4).Select(store.CountAtDepth));
        Assert.Equal(3, store.MaxDepth);

        store.AddBelief("agent_0", "at(key, room_2)"); // replaces: counts unchanged
        Assert.Equal(4, store.CountBeliefs("agent_0"));
        Assert.True(store.RemoveBelief("agent_0", "believes(agent_1, believes(agent_0, at(key, room_1)))"));
        Assert.False(store.RemoveBelief("agent_0", "believes(agent_1, believes(agent_0, at(key, room_1)))"));
        Assert.Equal(2, store.MaxDepth);
        Assert.Equal(3, store.CountBeliefs("agent_0"));
        Assert.Equal(4, store.CountFacts("at", 2));

        var counts = store.GetCounts();
        Assert.Equal(5, counts.Facts);
        Assert.Equal(4, counts.Beliefs);
        Assert.Equal(3, counts.ByAgent["agent_0"]);
        Assert.Equal(4, counts.ByPredicate[new PredicateIndicator("at", 2)]);
        Assert.Contains(new AgentPredicateCount("agent_1", new PredicateIndicator("at", 2), 1), counts.ByAgentAndPredicate);
        Assert.Contains(new AgentPredicateCount(null, new PredicateIndicator("at", 2), 1), counts.ByAgentAndPredicate);
        Assert.Equal([1, 3, 1, 0], counts.ByDepth.Take(4));
    }

    [Fact]
    public void Belief_state_lists_an_agents_beliefs_in_order_with_their_depth()
    {
        var store = new BeliefStore();
        store.AddBelief("agent_0", "has(agent_1, key)");
        store.AddBelief("agent_1", "at(key, room_2)");
        store.AddBelief("agent_0", "believes(agent_1, believes(agent_2, at(key, room_3)))");
        store.AddBelief("agent_0", "at(key, room_1)");

        var state = store.GetBeliefState("agent_0");
        Assert.Equal(["has(agent_1,key)", "believes(agent_1,believes(agent_2,at(key,room_3)))", "at(key,room_1)"],
            state.Beliefs.Select(b => b.Fact.Args()[1].ToString()));
        Assert.Equal([1, 3, 1], state.Beliefs.Select(b => b.Depth));
        Assert.Equal("at(key,room_3)", state.Beliefs[1].Content.ToString());
        Assert.Equal(["agent_0", "agent_1", "agent_2"], state.Beliefs[1].Chain.Select(a => a.ToString()));
        Assert.Equal(3, state.MaxDepth);
        Assert.Empty(store.GetBeliefState("nobody").Beliefs);
    }

    [Fact]
    public void Agent_names_are_atoms_even_when_capitalised()
    {
        var store = new BeliefStore();
        store.AddBelief("Sally", "at(marble, basket)");
        Assert.Equal(["'Sally'"], Answers(store, "believes(A, at(marble, basket))", "A"));
        Assert.Equal(1, store.CountBeliefs("Sally"));
    }

    [Fact]
    public void Revise_replaces_functional_values_negations_and_declared_incompatibilities()
    {
        var store = new BeliefStore();
        store.AddPredicate(BeliefPredicate.Functional("at", 2, 1));
        store.AddBelief("anne", "at(marble, box)");
        store.AddBelief("anne", "NOT open(box)");
        store.AddBelief("anne", "believes(sally, at(marble, basket))");

        var rev = store.Revise("anne", "at(marble, basket)");
        Assert.Equal(["at(marble,box)"], rev.Removed.Select(b => b.Content.ToString()));
        Assert.Equal("at(marble,basket)", rev.Added.Content.ToString());

        rev = store.Revise("anne", "open(box)");
        Assert.Equal([@"\+open(box)"], rev.Removed.Select(b => b.Content.ToString()));
        rev = store.Revise("anne", "NOT open(box)");
        Assert.Equal(["open(box)"], rev.Removed.Select(b => b.Content.ToString()));

        store.AddRule("incompatible(happy(X), sad(X))");
        store.AddBelief("anne", "sad(sally)");
        rev = store.Revise("anne", "happy(sally)");
        Assert.Equal(["sad(sally)"], rev.Removed.Select(b => b.Content.ToString()));

        // nested chains are revised in their own chain
        rev = store.Revise("anne", "believes(sally, at(marble, box))");
        Assert.Equal(["believes(anne,believes(sally,at(marble,basket)))"], rev.Removed.Select(b => b.Fact.ToString()));
        Assert.Equal(["box"], Answers(store, "believes(anne, believes(sally, at(marble, P)))", "P"));
        Assert.Equal(["basket"], Answers(store, "believes(anne, at(marble, P))", "P"));
        Assert.Equal(4, store.CountBeliefs("anne"));
    }

    [Theory]
    [InlineData("has(agent_1, key", "syntax error", 1)]
    [InlineData("has(X, key)", "not ground (variable X)", 1)]
    [InlineData("42", "not an atom or compound", 0)]
    [InlineData("(a :- b)", "control construct", 0)]
    public void Bad_beliefs_get_a_clear_error_and_change_nothing(string belief, string expected, int line)
    {
        var store = new BeliefStore();
        store.AddBelief("agent_0", "has(agent_1, key)");
        var before = store.ToProgramText();
        var e = Assert.Throws<BeliefStoreException>(() => store.AddBelief("agent_0", belief));
        Assert.Contains(expected, e.Message);
        Assert.Equal("belief", e.Source);
        if (line > 0) Assert.Equal(line, e.Line);
        Assert.Equal(before, store.ToProgramText());
        Assert.Equal(1, store.FactCount);
    }

    [Fact]
    public void Syntax_error_names_line_and_column()
    {
        var store = new BeliefStore();
        var e = Assert.Throws<BeliefStoreException>(() => store.AddRule("p(X) :-\n   q(X,, r)"));
        Assert.Equal("rule", e.Source);
        Assert.Equal(2, e.Line);
        Assert.True(e.Column > 1);
        Assert.StartsWith("rule:2:", e.Message);
    }

    [Fact]
    public void Huge_and_too_deep_beliefs_are_refused()
    {
        var store = new BeliefStore(new BeliefStoreOptions { MaxTermNodes = 1000, MaxNestingDepth = 3 });
        Term big = new Atom("x");
        for (int i = 0; i < 2000; i++) big = new Compound("f", big);
        var e = Assert.Throws<BeliefStoreException>(() => store.AddBelief(new Atom("a"), new Compound("p", big)));
        Assert.Contains("too large", e.Message);

        e = Assert.Throws<BeliefStoreException>(() => store.AddBelief("a", "believes(b, believes(c, believes(d, p)))"));
        Assert.Contains("deeper than the limit of 3", e.Message);
        store.AddBelief("a", "believes(b, believes(c, p))");
        Assert.Equal(1, store.CountAtDepth(3));

        e = Assert.Throws<BeliefStoreException>(() => store.AddBelief("a", new string('x', 2_000_000)));
        Assert.Contains("exceeds the limit", e.Message);
        Assert.Equal(1, store.FactCount);
    }

    [Fact]
    public void Deep_terms_do_not_overflow_the_stack()
    {
        var store = new BeliefStore(new BeliefStoreOptions { MaxTermNodes = 500_000 });
        Term deep = new Atom("nil");
        for (int i = 0; i < 200_000; i++) deep = new Compound("s", deep);
        Assert.True(store.AddBelief(new Atom("a"), new Compound("count", deep)));
        Assert.Equal(1, store.CountBeliefs("a"));
        Assert.Contains("count(s(s(", store.ToProgramText());
    }

    [Fact]
    public void Queries_that_would_change_the_store_raise_a_permission_error_and_change_nothing()
    {
        var store = new BeliefStore();
        store.AddBelief("a", "p");
        string Formal(string query) => Assert.Throws<PrologException>(() => store.Query(query)).Formal.ToString();
        Assert.Equal("permission_error(modify,static_procedure,believes/2)", Formal("assertz(believes(a, q))"));
        Assert.Equal("permission_error(modify,static_procedure,believes/2)", Formal("atom_codes(P, \"retract\"), G =.. [P, believes(a, p)], call(G)"));
        Assert.Equal("permission_error(modify,operator,knows)", Formal("op(700, xfx, knows)"));
        Assert.Equal("permission_error(modify,flag,double_quotes)", Formal("call(set_prolog_flag, double_quotes, atom)"));
        // a rule may say anything; when it runs in a query, it changes nothing either
        store.AddRule("sneaky :- retract(believes(a, p))");
        Assert.Equal("permission_error(modify,static_procedure,believes/2)", Formal("sneaky"));
        Assert.Equal(1, store.FactCount);
        Assert.True(store.Holds("believes(a, p)"));
        Assert.True(store.Holds("X = (a = b), X = (_ = _)"));   // the operator table is as it was
        // ordinary words that name changes and declarations are fine as data
        store.AddBelief("a", "on(cup, table)");
        store.AddBelief("a", "op(surgery)");
        store.AddBelief("a", "topic(consult)");
        Assert.True(store.Holds("believes(a, on(cup, table)), believes(a, op(surgery)), believes(a, topic(consult))"));
    }

    [Fact]
    public async Task A_commit_of_several_changes_is_seen_whole_by_queries()
    {
        var store = new BeliefStore();
        store.AddPredicate(BeliefPredicate.Functional("at", 2, 1));
        store.AddBelief("a", "at(key, room_1)");
        store.AddBelief("a", "at(box, room_1)");
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            int seen = 0;
            while (!stop.IsCancellationRequested || seen == 0)
            {
                var r = store.Query("findall(R, believes(a, at(_, R)), L), msort(L, S)");
                var s = r.Solutions[0]["S"].ToString();
                Assert.True(s is "[room_1,room_1]" or "[room_2,room_2]", s);
                seen++;
            }
            return seen;
        });
        for (int i = 0; i < 300; i++)
        {
            string room = i % 2 == 0 ? "room_2" : "room_1";
            store.Apply([BeliefChange.Assert(Term.Parse($"believes(a, at(key, {room}))")), BeliefChange.Assert(Term.Parse($"believes(a, at(box, {room}))"))]);
        }
        stop.Cancel();
        Assert.True(await reader.WaitAsync(TimeSpan.FromSeconds(60)) > 0);
        Assert.Equal(2, store.FactCount);
    }

    [Fact]
    public void Queries_run_under_limits()
    {
        var store = new BeliefStore();
        store.AddRule("loop(X) :- loop(s(X))");
        var timeout = Assert.Throws<PrologException>(() => store.Query("loop(0)", new QueryOptions { Timeout = TimeSpan.FromMilliseconds(200) }));
        Assert.True(timeout.IsLimit);
        var inferences = Assert.Throws<PrologException>(() => store.Query("loop(0)", new QueryOptions { MaxInferences = 10_000 }));
        Assert.True(inferences.IsLimit);

        for (int i = 0; i < 50; i++) store.AddBelief("a", $"n({i})");
        var r = store.Query("believes(a, n(N))", new QueryOptions { MaxSolutions = 10 });
        Assert.Equal(10, r.Solutions.Count);
        Assert.True(r.Truncated);
        // the store still works after a limit
        Assert.Equal(50, store.Query("believes(a, n(N))").Solutions.Count);
    }

    [Fact]
    public void Bad_rules_are_rejected_with_the_reason()
    {
        var store = new BeliefStore();
        var e = Assert.Throws<BeliefStoreException>(() => store.AddRule("atom(x) :- true"));
        Assert.Contains("atom", e.Message);
        e = Assert.Throws<BeliefStoreException>(() => store.AddRule("3 :- true"));
        Assert.Contains("head", e.Message);
        Assert.Equal(0, store.RuleCount);
    }

    [Fact]
    public void Updated_reports_each_change()
    {
        var store = new BeliefStore();
        var seen = new List<BeliefUpdate>();
        store.Updated += seen.Add;
        store.AddPredicate(BeliefPredicate.Functional("at", 2, 1));
        store.AddBelief("a", "at(key, r1)");
        store.AddBelief("a", "at(key, r1)");
        store.AddBelief("a", "at(key, r2)");
        store.RemoveBelief("a", "at(key, r2)");
        store.AssertFact("door(d)");
        Assert.Equal([BeliefUpdateKind.Added, BeliefUpdateKind.Replaced, BeliefUpdateKind.Removed, BeliefUpdateKind.Added], seen.Select(u => u.Kind));
        Assert.Equal(["a", "a", "a"], seen.Take(3).Select(u => u.Agent!.ToString()));
        Assert.Null(seen[3].Agent);
    }

    [Fact]
    public async Task Concurrent_changes_queries_and_counts_stay_consistent()
    {
        var store = new BeliefStore();
        store.AddPredicate(BeliefPredicate.Functional("at", 2, 1));
        const int agents = 4, objects = 25, moves = 4;
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            int reads = 0;
            while (!stop.IsCancellationRequested || reads < 20)
            {
                int n = store.Query("believes(A, at(O, R))").Solutions.Count;
                int total = store.BeliefCount;
                Assert.InRange(n, 0, agents * objects);
                Assert.InRange(total, 0, agents * objects);
                _ = store.GetCounts();
                reads++;
            }
            return reads;
        });
        var writers = Enumerable.Range(0, agents).Select(a => Task.Run(() =>
        {
            for (int m = 0; m < moves; m++)
                for (int o = 0; o < objects; o++)
                    store.AddBelief($"agent_{a}", $"at(obj_{o}, room_{m})");
        })).ToArray();
        await Task.WhenAll(writers);
        stop.Cancel();
        Assert.True(await reader > 0);

        Assert.Equal(agents * objects, store.BeliefCount);
        Assert.Equal(agents * objects, store.Query("believes(A, at(O, R))").Solutions.Count);
        Assert.Equal(agents * objects, store.Query($"believes(A, at(O, room_{moves - 1}))").Solutions.Count);
        for (int a = 0; a < agents; a++) Assert.Equal(objects, store.CountBeliefs($"agent_{a}"));
    }
}

internal static class TermTestExtensions
{
    public static IReadOnlyList<Term> Args(this Term t) => ((Compound)t).Args;
}
