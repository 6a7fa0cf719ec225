using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;

namespace Pwmk.Cluster.Tests;

/// <summary>The cluster's belief store in one process (one member, grain state in memory) against a single store.</summary>
public sealed class ClusterBeliefsTests : IAsyncLifetime
{
    private IHost? _host;
    private ClusterBeliefs Beliefs => _host!.Services.GetRequiredService<ClusterBeliefs>();

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.AddPwmkLocalCluster(Loopback.FreePort(), Loopback.FreePort(), () => new BeliefStore());
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private static readonly QueryOptions s_options = new() { MaxSolutions = 10_000, Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Five_hundred_queries_answer_as_one_store_does()
    {
        var single = new BeliefStore();
        var changes = BeliefWorkload.Changes(seed: 7, count: 400, agents: 6);
        single.Apply(changes);
        // in batches, as a simulation step or an API client would send them
        for (int i = 0; i < changes.Count; i += 25) await Beliefs.ApplyAsync(changes.Skip(i).Take(25).ToList());
        int bound = 0, nonEmpty = 0;
        foreach (var (query, isBound) in BeliefWorkload.Queries(seed: 11, count: 500, agents: 6))
        {
            var expected = Answers(single.Query(query, s_options));
            var actual = Answers(await Beliefs.QueryAsync(query, s_options));
            if (isBound)
            {
                Assert.Equal(expected, actual);
                bound++;
            }
            else Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
            if (expected.Count > 0) nonEmpty++;
        }
        Assert.True(bound > 100, $"only {bound} bound queries");
        Assert.True(nonEmpty > 300, $"only {nonEmpty} queries had answers: the workload tests little");
    }

    [Fact]
    public async Task A_change_reports_what_it_did_and_bad_facts_are_refused()
    {
        var fact = BeliefWorkload.Parse("believes(sally, at(marble, basket))");
        Assert.True((await Beliefs.ChangeAsync(BeliefChange.Assert(fact))).Changed);
        Assert.False((await Beliefs.ChangeAsync(BeliefChange.Assert(fact))).Changed);
        var deep = BeliefWorkload.Parse(string.Concat(Enumerable.Repeat("believes(a, ", 40)) + "x" + new string(')', 40));
        var refused = await Beliefs.ChangeAsync(BeliefChange.Assert(deep));
        Assert.False(refused.Changed);
        Assert.NotNull(refused.Error);
        Assert.True((await Beliefs.ChangeAsync(BeliefChange.Retract(fact))).Changed);
        Assert.Empty((await Beliefs.QueryAsync("believes(sally, X)", s_options)).Solutions);
    }

    [Fact]
    public async Task Query_errors_are_the_single_store_errors()
    {
        var single = new BeliefStore();
        var e1 = Assert.Throws<BeliefStoreException>(() => single.Query("believes(X, "));
        var e2 = await Assert.ThrowsAsync<BeliefStoreException>(() => Beliefs.QueryAsync("believes(X, ", s_options));
        Assert.Equal(e1.Message, e2.Message);
        await Assert.ThrowsAsync<PrologException>(() => Beliefs.QueryAsync("X is foo + 1", s_options));
        // an error raised where one agent's partition is read directly (its activation is on this member): the same error
        var fact = BeliefWorkload.Parse("believes(sally, at(marble, basket))");
        single.Apply([BeliefChange.Assert(fact)]);
        await Beliefs.ChangeAsync(BeliefChange.Assert(fact));
        const string unknown = "believes(sally, at(marble, X)), colour(X, C)";
        var e3 = Assert.Throws<PrologException>(() => single.Query(unknown));
        var e4 = await Assert.ThrowsAsync<PrologException>(() => Beliefs.QueryAsync(unknown, s_options));
        Assert.Equal(e3.Message, e4.Message);
    }

    private static List<string> Answers(QueryResult r) => [.. r.Solutions.Select(s => s.ToString())];
}
