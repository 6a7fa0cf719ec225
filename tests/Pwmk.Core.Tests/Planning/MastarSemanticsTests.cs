using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Tests.Planning;

/// <summary>Product update on small hand-checked cases.</summary>
public class MastarSemanticsTests
{
    private static MastarState Step(MastarProblem problem, MastarState state, string action) =>
        problem.Apply(state, action) ?? throw new Xunit.Sdk.XunitException($"'{action}' is not executable");

    [DataFact("epistemic")]
    public void CoinInTheBoxStepByStep()
    {
        var problem = MastarProblem.Load(EpistemicData.File("CoinBox/Coin_in_the_Box__pl_5.txt"));
        var s = problem.Initial;
        // Nobody knows the coin's side; a holds the key and is looking, b and c are not.
        Assert.True(problem.Holds(s, "(-B(a, tail)), (-B(a, (-tail)))"));
        Assert.True(problem.Holds(s, "C([a,b,c], has_key_a)"));
        Assert.Null(problem.Apply(s, "peek_a")); // the box is closed
        Assert.Null(problem.Apply(s, "open_b")); // b has no key

        s = Step(problem, s, "open_a");
        Assert.True(problem.Holds(s, "B(a, opened), opened"));
        // b and c were not looking: they still believe the box is closed (a false belief).
        Assert.True(problem.Holds(s, "B(b, -opened), B(c, -opened)"));
        Assert.True(problem.Holds(s, "B(a, B(b, -opened))"));

        s = Step(problem, s, "peek_a");
        Assert.True(problem.Holds(s, "B(a, tail)"));
        Assert.True(problem.Holds(s, "(-B(b, tail)), (-B(c, tail))"));

        s = Step(problem, s, "signal_a_b");
        Assert.True(problem.Holds(s, "B(b, looking_b), B(a, looking_b)"));
        Assert.True(problem.Holds(s, "B(c, -looking_b)")); // c was oblivious
        // b now sees the world as a does, except for what a alone learnt: b still thinks the box is closed.
        Assert.True(problem.Holds(s, "B(b, -opened)"));

        s = Step(problem, s, "signal_a_c");
        s = Step(problem, s, "shout_tail_a");
        Assert.True(problem.Holds(s, "C([a,b,c], tail)"));
        Assert.True(problem.Holds(s, "B(b, tail), B(c, tail), B(a, B(b, B(c, tail)))"));
    }

    private const string SenseDomain = """
        fluent p, q;
        action sense, tell, tell_q, flip;
        agent a, b, c;
        sense determines p;
        a observes sense;
        b aware_of sense;
        tell announces p;
        a observes tell;
        b observes tell;
        tell_q announces q;
        a observes tell_q;
        b observes tell_q;
        c observes tell_q;
        flip causes -p;
        a observes flip;
        initially p, -q;
        goal p;
        """;

    [Fact]
    public void SensingWithAPartialObserver()
    {
        var problem = MastarProblem.Parse(SenseDomain);
        var s = Step(problem, problem.Initial, "sense");
        Assert.True(problem.Holds(s, "B(a, p)"));
        // b saw a sense but not the value: b does not know p, but knows that a knows whether p.
        Assert.True(problem.Holds(s, "(-B(b, p)), (-B(b, (-p)))"));
        Assert.True(problem.Holds(s, "B(b, B(a, p) | B(a, (-p)))"));
        // c is oblivious: c still believes a does not know p, and a knows c believes that.
        Assert.True(problem.Holds(s, "B(c, (-B(a, p)))"));
        Assert.True(problem.Holds(s, "B(a, B(c, (-B(a, p))))"));
        Assert.False(problem.Holds(s, "C([a,b], B(a, p))"));
    }

    [Fact]
    public void AnnouncementGivesCommonKnowledgeOnlyAmongObservers()
    {
        var problem = MastarProblem.Parse(SenseDomain);
        var s = Step(problem, problem.Initial, "tell");
        Assert.True(problem.Holds(s, "C([a,b], p)"));
        Assert.True(problem.Holds(s, "E([a,b], B(a, p))"));
        Assert.False(problem.Holds(s, "C([a,b,c], p)"));
        Assert.True(problem.Holds(s, "(-B(c, p)), B(a, (-B(c, p)))"));
    }

    [Fact]
    public void AFalseAnnouncementTeachesTheTruth()
    {
        // tell_q announces q while q is false: full observers learn -q (the reference's rule).
        var problem = MastarProblem.Parse(SenseDomain);
        var s = Step(problem, problem.Initial, "tell_q");
        Assert.True(problem.Holds(s, "C([a,b,c], -q)"));
    }

    [Fact]
    public void OnticActionUnseenByOthersCreatesFalseBeliefs()
    {
        var problem = MastarProblem.Parse(SenseDomain + "\ninitially C([a,b,c], p);\n");
        var s = Step(problem, problem.Initial, "flip");
        Assert.True(problem.Holds(s, "B(a, -p), -p"));
        Assert.True(problem.Holds(s, "B(b, p), B(c, p), B(a, B(b, p))"));
        Assert.True(problem.Holds(s, "B(b, C([a,b,c], p))"));
    }

    [Fact]
    public void BisimilarStatesAreRecognisedAsEqual()
    {
        // Telling p twice changes nothing the second time: the contracted states are equal.
        var problem = MastarProblem.Parse(SenseDomain);
        var once = Step(problem, problem.Initial, "tell");
        var twice = Step(problem, once, "tell");
        Assert.True(once.SameAs(twice));
        Assert.Equal(once.Hash, twice.Hash);
        Assert.False(problem.Initial.SameAs(once));
    }
}
