using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Beliefs;

public class InMemoryBeliefStoreTests
{
    [Fact]
    public void Assert_retract_and_query_with_shared_variables()
    {
        var s = new InMemoryBeliefStore();
        Assert.True(s.Assert(Term.Parse("believes(a, believes(b, at(x, y)))")));
        Assert.False(s.Assert(Term.Parse("believes(a, believes(b, at(x, y)))")));
        s.Assert(Term.Parse("believes(b, at(x, z))"));
        s.Assert(Term.Parse("same(p, p)"));
        s.Assert(Term.Parse("same(p, q)"));
        Assert.Single(s.Query(Term.Parse("believes(a, believes(B, at(x, Where)))")));
        Assert.Equal(2, s.Query(Term.Parse("believes(_, _)")).Count());
        Assert.Single(s.Query(Term.Parse("same(X, X)")));
        Assert.True(s.Retract(Term.Parse("believes(b, at(x, z))")));
        Assert.False(s.Retract(Term.Parse("believes(b, at(x, z))")));
        Assert.Single(s.Query(Term.Parse("believes(_, _)")));
    }

    [Fact]
    public void Non_ground_facts_are_rejected()
    {
        var s = new InMemoryBeliefStore();
        Assert.Throws<ArgumentException>(() => s.Assert(Term.Parse("believes(a, at(x, Y))")));
    }
}
