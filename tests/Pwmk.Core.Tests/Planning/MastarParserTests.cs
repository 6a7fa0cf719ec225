using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Tests.Planning;

public class MastarParserTests
{
    private const string Header = "fluent p, q;\naction act;\nagent a, b;\n";

    private static MastarSyntaxException Reject(string text) =>
        Assert.Throws<MastarSyntaxException>(() => MastarProblem.Parse(text, "t.txt"));

    [Fact]
    public void UndeclaredFluentIsNamedWithLineAndColumn()
    {
        var e = Reject(Header + "act causes r;\ninitially p, q;\ngoal p;\n");
        Assert.Equal(4, e.Line);
        Assert.Equal(12, e.Column);
        Assert.Contains("undeclared fluent 'r'", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("t.txt:4:12:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingSemicolonIsReported()
    {
        var e = Reject(Header + "initially p, q;\ngoal p\n");
        Assert.Contains("missing ';'", e.Message, StringComparison.Ordinal);
        Assert.Equal(5, e.Line);
    }

    [Fact]
    public void BareNegatedBeliefIsRejectedWithAHint()
    {
        var e = Reject(Header + "executable act if -B(a, p);\ninitially p, q;\ngoal p;\n");
        Assert.Equal(4, e.Line);
        Assert.Equal(19, e.Column);
        Assert.Contains("(-B(...))", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BeliefAfterAFluentConjunctIsRejectedAsTheReferenceDoes()
    {
        var e = Reject(Header + "executable act if p, B(a, q);\ninitially p, q;\ngoal p;\n");
        Assert.Equal(4, e.Line);
        Assert.Equal(22, e.Column);
    }

    [Fact]
    public void UnexpectedCharacterAndUnknownAgentAreReported()
    {
        var e1 = Reject(Header + "initially p & q;\ngoal p;\n");
        Assert.Equal((4, 13), (e1.Line, e1.Column));
        var e2 = Reject(Header + "c observes act;\ninitially p, q;\ngoal p;\n");
        Assert.Contains("undeclared agent 'c'", e2.Message, StringComparison.Ordinal);
        var e3 = Reject(Header + "act causes p;\nact announces q;\ninitially p, q;\ngoal p;\n");
        Assert.Contains("one type", e3.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnstatedFluentsOfTheActualWorldFollowTheReferenceRuleWithANote()
    {
        // The case: q is never stated; the reference planners take the last allowed world, so q is false.
        var problem = MastarProblem.Parse("fluent p, q;\naction a;\nagent x;\nexecutable a;\na causes q;\nx observes a;\ninitially p;\ngoal q;\n", "t.txt");
        Assert.True(problem.Holds(problem.Initial, "p, -q"));
        var note = Assert.Single(problem.Notes);
        Assert.Contains("1 fluent unstated: taken as -q", note, StringComparison.Ordinal);
        var plan = MastarPlanner.Solve(problem);
        Assert.Equal(["a"], plan.Actions);
        Assert.Equal(problem.Notes, plan.Notes);
        // Common knowledge can force what the actual-world lines leave out: (p | q) with p false makes q true, and
        // the order is by name, not by declaration (b_first is decided before z_last).
        var forced = MastarProblem.Parse("fluent z_last, b_first;\naction a;\nagent x;\ninitially C([x], z_last | b_first);\ngoal b_first;\n", "t.txt");
        Assert.True(forced.Holds(forced.Initial, "-b_first, z_last"));
        Assert.Contains("taken as -b_first, z_last", Assert.Single(forced.Notes), StringComparison.Ordinal);
        // A fully stated problem has no note.
        Assert.Empty(MastarProblem.Parse(Header + "initially p, -q;\ngoal p;\n").Notes);
    }

    [Fact]
    public void UnderspecifiedInputGetsAClearMessage()
    {
        Assert.Contains("no goal given", Reject(Header + "initially p, q;\n").Message, StringComparison.Ordinal);
        var none = Reject(Header + "initially p, -p;\ngoal p;\n");
        Assert.Contains("no world satisfies", none.Message, StringComparison.Ordinal);
        Assert.Equal(4, none.Line);
        Assert.Contains("no agent declared", Reject("fluent p;\naction act;\ninitially p;\ngoal p;\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedFormulaHitsTheDepthLimitNotTheStack()
    {
        var deep = string.Concat(Enumerable.Repeat("B(a, ", 5000)) + "p" + new string(')', 5000);
        var e = Reject(Header + $"goal {deep};\ninitially p, q;\n");
        Assert.Contains("nested deeper", e.Message, StringComparison.Ordinal);
    }

    [DataFact("epistemic")]
    public void BenchmarkWithUndeclaredFluentIsRejected()
    {
        var path = EpistemicData.File("CoinBox_Rich/Coin_in_the_Box__pl_5.txt");
        var e = Assert.Throws<MastarSyntaxException>(() => MastarProblem.Load(path));
        Assert.Contains("undeclared fluent 'at_4'", e.Message, StringComparison.Ordinal);
        Assert.True(e.Line > 1);
    }

    [Fact]
    public void ParenthesisedNegationFollowsTheReferenceReading()
    {
        // Initially nothing is known about p and q: both ignorant. Actual: p true, q false.
        var problem = MastarProblem.Parse(Header + "initially p, -q;\ngoal p;\n");
        var s = problem.Initial;
        // Where a belief formula may start, (-p, q) is not(p and q) ...
        Assert.True(problem.Holds(s, "(-p, q)"));
        // ... but after a fluent ',' the rest is fluent-only: p, (-p, q) = p and (not p) and q.
        Assert.False(problem.Holds(s, "p, (-p, q)"));
        // Exclusive or in common knowledge, as the CC files write it.
        Assert.True(problem.Holds(s, "(p, -q) | (-p, q)"));
    }

    [Fact]
    public void CommonKnowledgeOfExclusiveOrShapesTheInitialWorlds()
    {
        var problem = MastarProblem.Parse(Header + "initially p, -q;\ninitially C([a,b], (p,-q) | (-p,q));\ngoal p;\n");
        Assert.Equal(2, problem.InitialWorldCount);
        Assert.True(problem.Holds(problem.Initial, "C([a,b], (p, -q) | (-p, q))"));
        Assert.False(problem.Holds(problem.Initial, "B(a, p)"));
    }
}
