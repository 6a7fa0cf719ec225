namespace Pwmk.Logic.Tests.Solving;

/// <summary>Regression: a goal whose first candidate clause fails in its head must still try the other clauses.</summary>
public class FirstClauseFailsTests
{
    [Theory]
    [InlineData("p(a, 2)", true)]
    [InlineData("p(a, 3)", true)]
    [InlineData("p(_, 3)", true)]
    [InlineData("p(a, 4)", false)]
    [InlineData("\\+ p(a, 3)", false)]
    [InlineData("findall(x, p(a, 3), L), L == [x]", true)]
    [InlineData("forall(member(X, [1, 2, 3]), p(a, X))", true)]
    public void Later_clauses_are_tried_when_the_first_head_fails(string goal, bool expected)
    {
        var e = new PrologEngine();
        Assert.True(e.Consult("p(a, 1).\np(a, 2).\np(a, 3).\n").Ok);
        Assert.Equal(expected, e.Prove(goal));
    }
}
