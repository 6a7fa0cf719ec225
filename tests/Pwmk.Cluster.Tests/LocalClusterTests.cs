using Microsoft.Extensions.DependencyInjection;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;

namespace Pwmk.Cluster.Tests;

/// <summary>
/// A one-member cluster in this process with its grain state on disk (<c>--cluster local</c>): what it acknowledged is
/// there after a restart, and a change the disk refuses is never seen by a query, not even one running while it fails.
/// </summary>
public sealed class LocalClusterTests : LocalClusterTestBase
{
    [Fact]
    public async Task Acknowledged_beliefs_are_there_after_a_restart_and_answer_as_one_store_does()
    {
        var single = new BeliefStore();
        var changes = BeliefWorkload.Changes(seed: 5, count: 200, agents: 4);
        single.Apply(changes);
        var first = await Start();
        var beliefs = first.Services.GetRequiredService<ClusterBeliefs>();
        for (int i = 0; i < changes.Count; i += 20) await beliefs.ApplyAsync(changes.Skip(i).Take(20).ToList());
        await Stop(first);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(StateDir, "cluster"), "*.grain"));

        var second = await Start();
        try
        {
            var again = second.Services.GetRequiredService<ClusterBeliefs>();
            foreach (var (query, bound) in BeliefWorkload.Queries(seed: 9, count: 200, agents: 4))
            {
                var expected = Answers(single.Query(query, Options));
                var actual = Answers(await again.QueryAsync(query, Options));
                if (bound) Assert.Equal(expected, actual);
                else Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
            }
        }
        finally
        {
            await Stop(second);
        }
    }

    [Fact]
    public async Task A_change_the_disk_refuses_is_not_acknowledged_and_no_query_sees_it()
    {
        var host = await Start();
        try
        {
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            await beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("believes(sally, at(marble, basket))")));
            Assert.Single((await beliefs.QueryAsync("believes(sally, at(marble, X))", Options)).Solutions);

            // the grain state folder becomes a file: every write of the partition fails
            var state = Path.Combine(StateDir, "cluster");
            Directory.Delete(state, recursive: true);
            await File.WriteAllTextAsync(state, "not a folder");
            using var stop = new CancellationTokenSource();
            int seen = 0, reads = 0, lost = 0;
            var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var reader = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var r = await beliefs.QueryAsync("believes(sally, at(marble, X))", Options);
                    if (r.Solutions.Count > 1) Interlocked.Increment(ref seen);
                    if (r.Solutions.Count == 0) Interlocked.Increment(ref lost);
                    reads++;
                    reading.TrySetResult();
                }
            });
            await reading.Task; // the refused writes below run while queries run (a loaded machine may start the reader late)
            for (int i = 0; i < 50; i++)
                await Assert.ThrowsAsync<ClusterUnavailableException>(() =>
                    beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse($"believes(sally, at(marble, box_{i}))"))));
            await stop.CancelAsync();
            await reader;
            Assert.True(reads > 0);
            Assert.Equal((0, 0), (seen, lost));
            Assert.Single((await beliefs.QueryAsync("believes(sally, at(marble, X))", Options)).Solutions);
        }
        finally
        {
            await Stop(host);
        }
    }
}
