using Pwmk.Cluster.Beliefs;

namespace Pwmk.Cluster.Tests;

public sealed class QueryPlanTests
{
    [Fact]
    public void A_bound_agent_needs_its_partition_only()
    {
        var p = QueryPlan.Of("believes(agent_0, believes(agent_1, at(key, R)))");
        Assert.Equal(["agent_0"], p.Agents);
        Assert.False(p.AllAgents);
        Assert.False(p.Everything);
    }

    [Theory]
    [InlineData("believes(X, at(key, R))")]
    [InlineData("believes(agent_0, at(key, R)), believes(Y, at(key, R))")]
    public void An_unbound_agent_needs_every_agent(string query) => Assert.True(QueryPlan.Of(query).AllAgents);

    [Theory]
    [InlineData("G =.. [believes, A, B], G")]
    [InlineData("X = believes, Y =.. [X, a, b], call(Y)")]
    [InlineData("goal(G), G")]
    [InlineData("current_predicate(believes/2)")]
    [InlineData("atom_codes(B, \"believes\"), G =.. [B, a, x]")]
    [InlineData("believes(a, ")]
    public void A_query_that_can_build_its_goals_needs_everything(string query) => Assert.True(QueryPlan.Of(query).Everything);

    [Fact]
    public void Deep_queries_are_planned_without_recursion()
    {
        string q = string.Concat(Enumerable.Repeat("believes(a, ", 50_000)) + "x" + new string(')', 50_000);
        Assert.Equal(["a"], QueryPlan.Of(q).Agents);
    }
}
