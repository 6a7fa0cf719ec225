using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;

namespace Pwmk.Cluster.Tests;

/// <summary>
/// Belief partitions of a Redis cluster (a real <c>redis-server</c>, persisted as docs/CLUSTER.md asks: append-only file,
/// fsync always; this process one member): each change is appended to the partition's log in Redis; after a member's
/// restart every partition holds exactly its acknowledged facts in their order, also once its log was compacted; a writer
/// that missed a change (a second activation) cannot write over it, and no query answers from it; no query misses a world
/// predicate a second directory activation registered; a partition kept as whole program text by an earlier version is
/// read once into its log.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RedisPartitionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-redis-partitions-").FullName;
    private readonly RedisServer _redis;

    public RedisPartitionsTests() => _redis = new RedisServer(_dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always");

    private ClusterSettings Settings => ClusterSettings.Parse($"redis://127.0.0.1:{_redis.Port}", Loopback.FreePort(), Loopback.FreePort(), out _)!;

    private async Task<IHost> Start()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.AddPwmkCluster(Settings, () => new BeliefStore());
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task Stop(IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }

    private static IBeliefPartitionGrain Partition(IHost host, string key) => host.Services.GetRequiredService<IGrainFactory>().GetGrain<IBeliefPartitionGrain>(key);

    /// <summary>
    /// <paramref name="query"/>'s answer, asked again while the cluster refuses it (a partition being replaced), for up to
    /// 30 s; and how many times it was refused.
    /// </summary>
    private static async Task<(QueryResult Answer, int Refused)> AnswerOnceCurrent(ClusterBeliefs beliefs, string query)
    {
        var deadline = Stopwatch.StartNew();
        for (int refused = 0; ; refused++)
        {
            try { return (await beliefs.QueryAsync(query, LocalClusterTestBase.QueryOptions), refused); }
            catch (ClusterUnavailableException) when (deadline.Elapsed < TimeSpan.FromSeconds(30)) { }
        }
    }

    /// <summary>The facts of <paramref name="partition"/> after <paramref name="changes"/> in one process, in its order.</summary>
    private static string[] Expected(IEnumerable<BeliefChange> changes, string partition)
    {
        var single = new BeliefStore();
        single.Apply([.. changes.Where(c => BeliefPartitions.Of(c.Fact) == partition)]);
        return [.. BeliefPartitionGrain.Facts(single)];
    }

    [Fact]
    public async Task Changes_survive_a_member_restart_in_order_also_after_a_compaction()
    {
        var changes = BeliefWorkload.Changes(seed: 21, count: 300, agents: 3);
        // one partition grows past a compaction: a batch of 1,100 facts, then some of them retracted and others added
        var many = Enumerable.Range(0, 1100).Select(i => BeliefChange.Assert(BeliefWorkload.Parse($"believes(agent_9, at(thing_{i}, room_{i % 4}))"))).ToList();
        var after = Enumerable.Range(0, 60).Select(i => i % 2 == 0
            ? BeliefChange.Retract(BeliefWorkload.Parse($"believes(agent_9, at(thing_{i * 7}, room_{i * 7 % 4}))"))
            : BeliefChange.Assert(BeliefWorkload.Parse($"believes(agent_9, at(late_{i}, room_0))"))).ToList();
        var first = await Start();
        try
        {
            var beliefs = first.Services.GetRequiredService<ClusterBeliefs>();
            foreach (var c in changes) await beliefs.ChangeAsync(c);
            await beliefs.ApplyAsync(many);
            foreach (var c in after) Assert.True((await beliefs.ChangeAsync(c)).Changed);
            // the compaction runs after the write that made it due: wait until Redis holds the snapshot
            var log = first.Services.GetRequiredService<RedisPartitionLog>();
            var deadline = Stopwatch.StartNew();
            RedisPartitionLog.Stored? stored;
            while ((stored = await log.LoadAsync("agent_9"))!.Base == 0 && deadline.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(10);
            Assert.True(stored.Base >= 1100, $"no compaction: snapshot at version {stored.Base}");
            Assert.Equal(stored.Version - stored.Base, stored.Changes.Count);
            Assert.True(stored.Changes.Count <= after.Count, $"{stored.Changes.Count} changes kept after the snapshot");
        }
        finally
        {
            await Stop(first);
        }

        var second = await Start();
        try
        {
            var all = changes.Concat(many).Concat(after).ToList();
            foreach (var partition in BeliefWorkload.Agents(3).Append("agent_9").Append(BeliefPartitions.World))
                Assert.Equal(Expected(all, partition), await Partition(second, partition).Facts([]));
            var single = new BeliefStore();
            single.Apply(all);
            var beliefs = second.Services.GetRequiredService<ClusterBeliefs>();
            foreach (var (query, bound) in BeliefWorkload.Queries(seed: 4, count: 100, agents: 3))
            {
                var expected = single.Query(query, LocalClusterTestBase.QueryOptions).Solutions.Select(s => s.ToString()).ToList();
                var actual = (await beliefs.QueryAsync(query, LocalClusterTestBase.QueryOptions)).Solutions.Select(s => s.ToString()).ToList();
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
    public async Task A_writer_that_missed_a_change_cannot_write_over_it()
    {
        var host = await Start();
        try
        {
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            var basket = BeliefChange.Assert(BeliefWorkload.Parse("believes(sally, at(marble, basket))"));
            await beliefs.ChangeAsync(basket);
            var log = host.Services.GetRequiredService<RedisPartitionLog>();
            long seen = (await log.LoadAsync("sally"))!.Version;

            // a second activation (on another member during a membership change) writes first, at the version both saw
            Assert.Equal(seen + 1, await log.AppendAsync("sally", seen, ["+believes(sally, at(marble, box))"]));
            // the same version again (a third writer, or the second one's stale retry): refused, nothing written
            await Assert.ThrowsAsync<InconsistentStateException>(() => log.AppendAsync("sally", seen, ["+believes(sally, at(marble, drawer))"]));

            // this member's activation still holds the older version: its write is refused, not lost over the other's
            var cupboard = BeliefChange.Assert(BeliefWorkload.Parse("believes(sally, at(marble, cupboard))"));
            await Assert.ThrowsAsync<ClusterUnavailableException>(() => beliefs.ChangeAsync(cupboard));
            var stored = (await log.LoadAsync("sally"))!;
            Assert.Equal(seen + 1, stored.Version);
            Assert.DoesNotContain(stored.Changes, c => c.Contains("cupboard", StringComparison.Ordinal) || c.Contains("drawer", StringComparison.Ordinal));

            // the refused activation is gone; the next one reads Redis, so the change is kept and the retry lands after it
            var deadline = Stopwatch.StartNew();
            FactOutcome? retried = null;
            while (retried is null && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                try { retried = await beliefs.ChangeAsync(cupboard); }
                catch (ClusterUnavailableException) when (deadline.Elapsed < TimeSpan.FromSeconds(30)) { }
            }
            Assert.True(retried!.Changed);
            Assert.Equal(["believes(sally,at(marble,basket))", "believes(sally,at(marble,box))", "believes(sally,at(marble,cupboard))"],
                (await Partition(host, "sally").Facts([])).Select(f => f.Replace(" ", "", StringComparison.Ordinal)));
        }
        finally
        {
            await Stop(host);
        }
    }

    [Fact]
    public async Task A_query_never_answers_from_an_activation_that_another_has_overtaken()
    {
        var host = await Start();
        try
        {
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            await beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("believes(sally, at(marble, basket))")));
            await beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("believes(anne, at(ball, box))")));
            string[] Places(QueryResult r) => [.. r.Solutions.Select(x => x["X"].ToString()!).Order(StringComparer.Ordinal)];
            // the bound query reads this member's activation directly, the unbound one gathers every partition
            Assert.Equal(["basket"], Places(await beliefs.QueryAsync("believes(sally, at(marble, X))", LocalClusterTestBase.QueryOptions)));
            Assert.Equal(["basket"], Places(await beliefs.QueryAsync("believes(A, at(marble, X))", LocalClusterTestBase.QueryOptions)));

            // a second activation (on another member during a membership change) writes; this member's still holds the older version
            var log = host.Services.GetRequiredService<RedisPartitionLog>();
            long seen = (await log.LoadAsync("sally"))!.Version;
            Assert.Equal(seen + 1, await log.AppendAsync("sally", seen, ["+believes(sally, at(marble, drawer))"]));

            // neither query answers from the overtaken activation: each is refused (retry) until a current one answers
            foreach (var query in new[] { "believes(sally, at(marble, X))", "believes(A, at(marble, X))" })
            {
                var (answer, refused) = await AnswerOnceCurrent(beliefs, query);
                Assert.Equal(["basket", "drawer"], Places(answer));
                if (query.Contains("sally", StringComparison.Ordinal)) Assert.True(refused > 0, "the overtaken activation was not refused");
            }
        }
        finally
        {
            await Stop(host);
        }
    }

    [Fact]
    public async Task A_query_never_misses_a_world_predicate_that_another_directory_activation_registered()
    {
        var host = await Start();
        try
        {
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            await beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("believes(sally, at(marble, basket))")));
            await beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("size(marble, small)")));
            // this member holds the directory and sally's partition: a query of sally's beliefs alone reads them here
            Assert.Single((await beliefs.QueryAsync("believes(sally, at(marble, X))", LocalClusterTestBase.QueryOptions)).Solutions);
            const string query = "believes(sally, at(marble, X)), colour(box, C)";

            // a second activation of the directory (on another member during a membership change) registers colour/2, as
            // every activation registers a world predicate, and a world fact of it is written: this member's copy of the
            // directory has not seen it
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(ClusterHosting.Storage);
            var id = grains.GetGrain<IBeliefDirectoryGrain>(0).GetGrainId();
            var directory = new GrainState<DirectoryState>(new DirectoryState());
            await storage.ReadStateAsync("directory", id, directory);
            var log = host.Services.GetRequiredService<RedisPartitionLog>();
            await log.AddWorldPredicatesAsync(["colour/2"]);
            (directory.State ??= new DirectoryState()).WorldPredicates.Add("colour/2");
            await storage.WriteStateAsync("directory", id, directory);
            long world = (await log.LoadAsync(BeliefPartitions.World))?.Version ?? 0;
            await log.AppendAsync(BeliefPartitions.World, world, ["+colour(box, red)"]);

            // the query that named colour/2 beside one agent's beliefs answers with the new fact, never without it
            var solution = Assert.Single((await AnswerOnceCurrent(beliefs, query)).Answer.Solutions);
            Assert.Equal(("basket", "red"), (solution["X"].ToString(), solution["C"].ToString()));
        }
        finally
        {
            await Stop(host);
        }
    }

    [Fact]
    public async Task A_partition_an_earlier_version_kept_as_program_text_is_read_into_its_log_once()
    {
        const string program = "believes(anne, at(ball, room_1)).\nbelieves(anne, at(key, room_2)).\nbelieves(anne, at(ball, room_3)).\n";
        var host = await Start();
        try
        {
            // what the earlier version wrote: the partition's grain state in Orleans' Redis grain storage, its whole text
            var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(ClusterHosting.Storage);
            var id = Partition(host, "anne").GetGrainId();
            await storage.WriteStateAsync("partition", id, new GrainState<PartitionState>(new PartitionState { Program = program }));

            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            await beliefs.ChangeAsync(BeliefChange.Assert(BeliefWorkload.Parse("believes(anne, at(coin, room_0))")));
            string[] expected = ["believes(anne,at(ball,room_1))", "believes(anne,at(key,room_2))", "believes(anne,at(ball,room_3))", "believes(anne,at(coin,room_0))"];
            Assert.Equal(expected, (await Partition(host, "anne").Facts([])).Select(f => f.Replace(" ", "", StringComparison.Ordinal)));
            var stored = (await host.Services.GetRequiredService<RedisPartitionLog>().LoadAsync("anne"))!;
            Assert.Equal((1L, 0L, 1), (stored.Version, stored.Base, stored.Changes.Count));
            var old = new GrainState<PartitionState>(new PartitionState());
            await storage.ReadStateAsync("partition", id, old);
            Assert.Equal("", old.State?.Program ?? "");
            await Stop(host);

            host = await Start();
            Assert.Equal(expected, (await Partition(host, "anne").Facts([])).Select(f => f.Replace(" ", "", StringComparison.Ordinal)));
        }
        finally
        {
            await Stop(host);
        }
    }

    public void Dispose()
    {
        _redis.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
