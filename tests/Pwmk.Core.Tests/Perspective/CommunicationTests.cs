using Pwmk.Core.Perspective;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Perspective;

public class CommunicationTests
{
    private static (BeliefVocabulary V, int F, int Old, int Said) Setup(int agents)
    {
        var v = new BeliefVocabulary();
        for (int i = 0; i < agents; i++) v.Agent("a" + i);
        return (v, v.Fluent("at", new Atom("key")), v.Value("box"), v.Value("bag"));
    }

    private static ulong[] AllSee(int n) => [.. Enumerable.Repeat(BeliefChain.All(n), n)];

    [Fact]
    public void Exit_order_trust_follows_R2()
    {
        var t = new ExitOrderTrust();
        Assert.True(t.Trusts(0, 1)); // before any chapter everyone trusts everyone
        t.BeginChapter([2, 0, 1]); // 2 leaves first, then 0, then 1
        Assert.True(t.Trusts(2, 0));
        Assert.True(t.Trusts(0, 1));
        Assert.False(t.Trusts(1, 0)); // 1 saw more than 0
        Assert.True(t.Trusts(3, 1)); // 3 was not in the chapter
        Assert.False(t.Trusts(0, 3)); // a listener in the chapter never trusts a speaker outside it
        Assert.False(t.Trusts(1, 1));
        Assert.Equal(0b1101UL, t.Trusting(1, 0b1111)); // 0, 2, 3 trust 1
        Assert.Throws<ArgumentException>(() => t.BeginChapter([1, 1]));
    }

    [Fact]
    public void A_public_claim_reaches_only_chains_of_hearers()
    {
        var (v, f, old, said) = Setup(4);
        var t = new PerspectiveTracker(v, 3);
        t.Observe(new BeliefEvent(f, old, BeliefChain.All(4), AllSee(4)));
        // agents 0, 1, 2 hear agent 0; agent 3 is elsewhere; everyone trusts
        var claim = new ClaimEvent(0, f, said, 0b0111, 0b0110, Public: true);
        t.Hear(claim, CommunicationRules.Faithful);
        Assert.Equal(said, t.Belief([1], f));
        Assert.Equal(said, t.Belief([2, 1], f));
        Assert.Equal(said, t.Belief([1, 2, 0], f));
        Assert.Equal(old, t.Belief([0], f));
        Assert.Equal(old, t.Belief([3], f));
        Assert.Equal(old, t.Belief([3, 1], f)); // 3 did not hear it
        Assert.Equal(old, t.Belief([1, 3], f));
    }

    [Theory]
    [InlineData("faithful")]
    [InlineData("generator")]
    public void Tracker_applies_a_claim_to_exactly_the_chains_its_rules_name(string name)
    {
        var rules = name == "faithful" ? CommunicationRules.Faithful : CommunicationRules.HitomGenerator;
        var rng = new Random(3);
        for (int round = 0; round < 200; round++)
        {
            int n = rng.Next(2, 7);
            var (v, f, old, said) = Setup(n);
            int root = rng.Next(3) == 0 ? rng.Next(n) : -1;
            var t = new PerspectiveTracker(v, 4, perspectiveOf: root);
            t.Observe(new BeliefEvent(f, old, BeliefChain.All(n), AllSee(n)));
            int speaker = rng.Next(n);
            ulong hearers = ((ulong)rng.NextInt64() & BeliefChain.All(n)) | (1UL << speaker);
            var claim = new ClaimEvent(speaker, f, said, hearers, (ulong)rng.NextInt64() & hearers & ~(1UL << speaker), rng.Next(2) == 0);
            t.Hear(claim, rules);
            foreach (var chain in BeliefChain.Enumerate(n, 4))
            {
                int expected = root >= 0 && chain[0] != root ? -1 : rules.Takes(claim, chain) ? said : old;
                Assert.Equal(expected, t.Belief(chain, f));
            }
        }
    }
}
