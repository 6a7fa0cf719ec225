namespace Pwmk.Logic.Tests.Sessions;

/// <summary>Queries share one memory budget: a query that would pass it stops with resource_error(memory), and gives back what it took.</summary>
public sealed class MemoryBudgetTests
{
    [Theory]
    [InlineData("length(L, 20000000)")]
    [InlineData("numlist(1, 5000000, L)")]
    [InlineData("findall(X-Y, (between(1, 3000000, X), Y = f(X, X)), L)")]
    [InlineData("length(L, 3000000), maplist(=(a), L), atomic_list_concat(L, A)")]
    [InlineData("between(1, inf, N), atom_number(A, N), atom_length(A, _), fail")]
    public void A_query_that_would_pass_the_budget_stops_and_gives_everything_back(string query)
    {
        var e = new PrologEngine();
        var budget = new MemoryBudget(48L << 20);
        var ex = Assert.Throws<PrologException>(() => e.QueryReadOnly(query, new QueryOptions { Memory = budget, Timeout = TimeSpan.FromSeconds(60) }));
        Assert.Equal("resource_error(memory)", ex.Formal.ToString());
        Assert.True(budget.Peak <= budget.Capacity);
        Assert.True(budget.InUse < 8L << 20, $"{budget.InUse} bytes still held after the query");
        // the engine answers the next query as before
        Assert.Equal("3", e.QueryReadOnly("length([a,b,c], N)", new QueryOptions { Memory = budget }).Solutions[0]["N"].ToString());
    }

    [Fact]
    public async Task Concurrent_queries_share_the_budget_and_it_holds()
    {
        var e = new PrologEngine();
        var budget = new MemoryBudget(160L << 20);
        var options = new QueryOptions { Memory = budget, Timeout = TimeSpan.FromSeconds(60) };
        var outcomes = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            // each needs about 80 MiB at its peak
            try { return e.QueryReadOnly("numlist(1, 2500000, L), sum_list(L, S)", options).Solutions[0]["S"].ToString(); }
            catch (PrologException x) { return x.Formal.ToString(); }
        })).ToArray();
        foreach (var o in await Task.WhenAll(outcomes).WaitAsync(TimeSpan.FromSeconds(120)))
            Assert.True(o is "3125001250000" or "resource_error(memory)", o);
        Assert.True(budget.Peak <= budget.Capacity);
        Assert.True(budget.InUse < 16L << 20, $"{budget.InUse} bytes still held");
    }
}
