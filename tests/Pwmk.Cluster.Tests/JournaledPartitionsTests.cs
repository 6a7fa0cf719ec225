using Microsoft.Extensions.DependencyInjection;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;

namespace Pwmk.Cluster.Tests;

/// <summary>
/// A one-member cluster whose belief partitions are kept in a journal (what plain <c>pwmk serve</c> is): changes reach the
/// journal in order (it is the partitions' storage), and queries answer exactly as one store does (same order); a change the
/// journal refuses is not acknowledged and no query sees it; partitions an earlier version kept as grain files move into
/// the journal once, at start-up, before any change is committed.
/// </summary>
public sealed class JournaledPartitionsTests : LocalClusterTestBase
{
    [Fact]
    public async Task Changes_reach_the_journal_in_order_and_queries_answer_as_one_store_in_its_order()
    {
        var single = new BeliefStore();
        var changes = BeliefWorkload.Changes(seed: 11, count: 300, agents: 4);
        var journal = new MemoryJournal();
        var host = await Start(journal);
        try
        {
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            // one change per call, as the API sends them
            for (int i = 0; i < changes.Count; i++)
            {
                var c = changes[i];
                bool expected = c.Kind == BeliefChangeKind.Assert ? single.AssertFact(c.Fact) : single.RetractFact(c.Fact);
                var outcomes = await beliefs.ApplyAsync([c], background: i % 2 == 0);
                Assert.Equal(expected, outcomes[0].Changed);
            }
            Assert.Equal(changes, journal.Log.Select(l => l.Change));
            Assert.Equal(changes.Count / 2, journal.Log.Count(l => l.Background));
            foreach (var (query, _) in BeliefWorkload.Queries(seed: 3, count: 200, agents: 4))
                Assert.Equal(Answers(single.Query(query, Options)), Answers(await beliefs.QueryAsync(query, Options)));
            // a partition answers its own facts only, though the journal's store holds them all
            var partition = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IBeliefPartitionGrain>("agent_1");
            var facts = await partition.Facts([]);
            Assert.NotEmpty(facts);
            Assert.All(facts, f => Assert.StartsWith("believes(agent_1,", f, StringComparison.Ordinal));
            Assert.Equal(single.Query("believes(agent_1, B)", Options).Solutions.Count, facts.Length);
        }
        finally
        {
            await Stop(host);
        }
    }

    [Fact]
    public async Task A_batch_over_several_partitions_is_committed_in_its_order()
    {
        var changes = BeliefWorkload.Changes(seed: 12, count: 300, agents: 4);
        var journal = new MemoryJournal();
        var host = await Start(journal);
        try
        {
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            for (int i = 0; i < changes.Count; i += 25) await beliefs.ApplyAsync(changes.Skip(i).Take(25).ToList(), background: true);
            Assert.Equal(changes, journal.Log.Select(l => l.Change));
            Assert.All(journal.Log, l => Assert.True(l.Background));
        }
        finally
        {
            await Stop(host);
        }
    }

    [Fact]
    public async Task A_change_the_journal_refuses_is_not_acknowledged_and_no_query_sees_it()
    {
        var journal = new MemoryJournal();
        var host = await Start(journal);
        try
        {
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            await beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("believes(sally, at(marble, basket))")));
            journal.Failing = true;
            var e = await Assert.ThrowsAsync<ClusterUnavailableException>(() =>
                beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("believes(sally, at(marble, box))"))));
            Assert.Contains("the journal cannot be written", e.Message, StringComparison.Ordinal);
            Assert.Single((await beliefs.QueryAsync("believes(sally, at(marble, X))", Options)).Solutions);
            journal.Failing = false;
            Assert.True((await beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("believes(sally, at(marble, box))")))).Changed);
            Assert.Equal(2, (await beliefs.QueryAsync("believes(sally, at(marble, X))", Options)).Solutions.Count);
        }
        finally
        {
            await Stop(host);
        }
    }

    [Fact]
    public async Task Partitions_an_earlier_version_kept_as_grain_files_move_into_the_journal_once()
    {
        var changes = BeliefWorkload.Changes(seed: 5, count: 200, agents: 3);
        var single = new BeliefStore();
        single.Apply(changes);
        var old = await Start(); // partitions as grain state files, as --cluster local wrote them before
        await old.Services.GetRequiredService<ClusterBeliefs>().ApplyAsync(changes);
        await Stop(old);
        var folder = Path.Combine(StateDir, "cluster");
        Assert.True(Directory.GetFiles(folder, "*.grain").Length > 3);

        var journal = new MemoryJournal();
        var host = await Start(journal);
        try
        {
            Assert.Equal(single.FactCount, journal.Store.FactCount);
            Assert.Empty(Directory.GetFiles(folder, "*.grain")); // every partition's file and the directory's are gone
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            foreach (var (query, bound) in BeliefWorkload.Queries(seed: 9, count: 100, agents: 3))
                Assert.Equal(Answers(single.Query(query, Options)).Order(StringComparer.Ordinal),
                    Answers(await beliefs.QueryAsync(query, Options)).Order(StringComparer.Ordinal));
        }
        finally
        {
            await Stop(host);
        }
        int imported = journal.Log.Count;
        var again = await Start(journal);
        await Stop(again);
        Assert.Equal(imported, journal.Log.Count); // nothing left to import
    }

    [Fact]
    public async Task A_change_made_as_the_member_starts_lands_after_the_partitions_an_earlier_version_left_and_no_grain_is_activated_for_it()
    {
        var fact = BeliefWorkload.Parse("believes(sally, at(marble, basket))");
        var old = await Start(); // an earlier version's partitions, as grain state files
        await old.Services.GetRequiredService<ClusterBeliefs>().ApplyAsync([BeliefChange.Assert(fact), BeliefChange.Assert(BeliefWorkload.Parse("believes(anne, at(marble, box))"))]);
        await Stop(old);

        var journal = new MemoryJournal();
        var host = Build(journal);
        try
        {
            // asked for before the host has started (its import of those files is still to run): it waits for the import, so
            // the retraction lands after the imported fact and the fact stays retracted
            var retract = host.Services.GetRequiredService<ClusterBeliefs>().ApplyAsync([BeliefChange.Retract(fact)]);
            Assert.False(retract.IsCompleted);
            await host.StartAsync();
            Assert.True((await retract)[0].Changed);
            Assert.Equal(fact, journal.Log[^1].Change.Fact);
            Assert.Empty((await host.Services.GetRequiredService<ClusterBeliefs>().QueryAsync("believes(sally, X)", Options)).Solutions);
            Assert.Single((await host.Services.GetRequiredService<ClusterBeliefs>().QueryAsync("believes(anne, X)", Options)).Solutions);
            // a journaled member's changes go to the journal directly: the partitions activated were the import's two only
            await host.Services.GetRequiredService<ClusterBeliefs>().ApplyAsync([BeliefChange.Assert(BeliefWorkload.Parse("believes(bob, at(ball, box))"))]);
            var management = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            var partitions = (await management.GetDetailedGrainStatistics()).Where(g => g.GrainType.Contains("BeliefPartition", StringComparison.Ordinal))
                .Select(g => g.GrainId.Key.ToString()).Order(StringComparer.Ordinal);
            Assert.Equal(["anne", "sally"], partitions);
        }
        finally
        {
            await Stop(host);
        }
    }
}
