using Pwmk.Core.Beliefs;
using Pwmk.Core.Perspective;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Perspective;

public class PerspectiveTrackerTests
{
    private static (BeliefVocabulary V, int F, int C1, int C2) Setup(params string[] agents)
    {
        var v = new BeliefVocabulary();
        foreach (var a in agents) v.Agent(a);
        return (v, v.Fluent("at", new Atom("marble")), v.Value("basket"), v.Value("box"));
    }

    private static ulong[] AllSee(int n) => [.. Enumerable.Repeat(BeliefChain.All(n), n)];

    [Fact]
    public void Absent_agent_keeps_its_old_belief_and_others_know_it()
    {
        var (v, f, basket, box) = Setup("sally", "anne");
        var t = new PerspectiveTracker(v, 2);
        t.Observe(new BeliefEvent(f, basket, 0b11, AllSee(2)));
        t.Observe(new BeliefEvent(f, box, 0b10, AllSee(2))); // sally away: only anne witnesses
        Assert.Equal(basket, t.Belief([0], f));
        Assert.Equal(box, t.Belief([1], f));
        Assert.Equal(basket, t.Belief([1, 0], f)); // anne believes sally believes basket
        Assert.Equal(basket, t.Belief([0, 1], f)); // sally still thinks anne thinks basket
    }

    [Fact]
    public void Nested_belief_needs_the_outer_agent_to_see_the_inner_one()
    {
        var (v, f, basket, _) = Setup("a", "b");
        var t = new PerspectiveTracker(v, 2);
        ulong[] sight = [0b01, 0b11]; // a does not see b; b sees a
        t.Observe(new BeliefEvent(f, basket, 0b11, sight));
        Assert.Equal(basket, t.Belief([0], f));
        Assert.Equal(-1, t.Belief([0, 1], f));
        Assert.Equal(basket, t.Belief([1, 0], f));
    }

    [Fact]
    public void Depth_four_chain_is_tracked_and_depth_limit_respected()
    {
        var (v, f, basket, box) = Setup("a", "b", "c", "d", "e");
        var t = new PerspectiveTracker(v, 4);
        t.Observe(new BeliefEvent(f, basket, BeliefChain.All(5), AllSee(5)));
        t.Observe(new BeliefEvent(f, box, 0b00111, AllSee(5))); // d and e miss the move
        Assert.Equal(box, t.Belief([0, 1, 2], f));
        Assert.Equal(basket, t.Belief([0, 1, 2, 3], f));
        Assert.Equal(basket, t.Belief([3, 2, 1, 0], f));
        Assert.Equal(-1, t.Belief([0, 1, 2, 3, 4], f));
    }

    [Fact]
    public void A_store_fed_the_change_log_holds_exactly_the_current_beliefs()
    {
        var (v, f, basket, box) = Setup("sally", "anne");
        var store = new InMemoryBeliefStore();
        var log = new List<BeliefChange>();
        var t = new PerspectiveTracker(v, 2) { ChangeLog = log };
        t.Observe(new BeliefEvent(f, basket, 0b11, AllSee(2)));
        t.Observe(new BeliefEvent(f, box, 0b10, AllSee(2)));
        // anne's own belief moved from basket to box: its old fact was retracted before the new one was asserted
        Assert.Equal(BeliefChange.Retract(Term.Parse("believes(anne, at(marble, basket))")), log[^2]);
        Assert.Equal(BeliefChange.Assert(Term.Parse("believes(anne, at(marble, box))")), log[^1]);
        store.Apply(log);
        Assert.True(store.Contains(Term.Parse("believes(anne, believes(sally, at(marble, basket)))")));
        Assert.False(store.Contains(Term.Parse("believes(anne, at(marble, basket))")));
        Assert.True(store.Contains(Term.Parse("believes(anne, at(marble, box))")));
        Assert.Equal(4, store.Count);
        var whereSally = store.Query(Term.Parse("believes(sally, at(marble, X))")).Single();
        Assert.Equal(Term.Parse("believes(sally, at(marble, basket))"), whereSally);
        log.Clear();
        t.Clear();
        store.Apply(log);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Ground_truth_replay_agrees_with_incremental_tracker_on_random_streams()
    {
        var v = new BeliefVocabulary();
        for (int i = 0; i < 4; i++) v.Agent("a" + i);
        var fluents = Enumerable.Range(0, 3).Select(i => v.Fluent("at", new Atom("o" + i))).ToArray();
        var values = Enumerable.Range(0, 4).Select(i => v.Value("c" + i)).ToArray();
        var rng = new Random(7);
        var history = new List<BeliefEvent>();
        var t = new PerspectiveTracker(v, 3);
        for (int i = 0; i < 300; i++)
        {
            var sight = Enumerable.Range(0, 4).Select(_ => (ulong)rng.Next(16)).ToArray();
            var e = new BeliefEvent(fluents[rng.Next(3)], values[rng.Next(4)], (ulong)rng.Next(16), sight);
            history.Add(e);
            t.Observe(e);
        }
        var truth = BeliefGroundTruth.FromHistory(v, 3, history);
        int compared = 0;
        foreach (var chain in BeliefChain.Enumerate(4, 3))
            foreach (var fl in fluents)
            {
                Assert.Equal(truth.Belief(chain, fl), t.Belief(chain, fl));
                compared++;
            }
        Assert.Equal((4 + 12 + 24) * 3, compared);
        Assert.Equal(truth.Beliefs().Count(), t.Beliefs().Count());
    }

    [Fact]
    public void Invalid_depth_is_rejected()
    {
        var v = new BeliefVocabulary();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerspectiveTracker(v, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerspectiveTracker(v, BeliefChain.MaxDepth + 1));
    }
}
