using StackExchange.Redis;

namespace Pwmk.Cluster.Beliefs;

/// <summary>
/// Where a Redis cluster keeps its belief partitions: per partition, a hash (<c>version</c>: changes made so far;
/// <c>base</c>: the version its <c>snapshot</c>, program text, stands for) and a list of the changes after the snapshot,
/// one entry per change (<c>+</c> or <c>-</c> and the fact's text). A write appends its changes to the list only if the
/// partition is still at the version its writer last saw (one Lua script: atomic in Redis), so a second activation that
/// missed a change cannot write over it, and costs the size of the change, not of the partition. A compaction replaces
/// the snapshot and drops the changes it covers, in one script too; reading back is the snapshot and the changes after it.
/// Beside the partitions, a set of the world's predicates (<c>name/arity</c>) each registered before a fact of it was
/// first acknowledged: what a member's copy of the directory may not know yet.
/// </summary>
internal sealed class RedisPartitionLog(ConfigurationOptions options) : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() => ConnectionMultiplexer.ConnectAsync(options));

    /// <summary>The partition's state as Redis holds it: its snapshot (program text), then its changes after it, in order.</summary>
    internal sealed record Stored(long Version, long Base, string Snapshot, IReadOnlyList<string> Changes);

    /// <summary>A write whose expected version is not the partition's any more (another activation wrote in between).</summary>
    private static Orleans.Storage.InconsistentStateException Conflict(string partition, long expected, long actual) =>
        new($"partition {partition}: expected version {expected} in Redis, found {actual} (another activation wrote it); nothing was written",
            actual.ToString(System.Globalization.CultureInfo.InvariantCulture), expected.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private const string LoadScript = """
        local h = redis.call('HMGET', KEYS[1], 'version', 'base', 'snapshot')
        return {h[1] or '', h[2] or '0', h[3] or '', redis.call('LRANGE', KEYS[2], 0, -1)}
        """;

    // ARGV[1] the version the writer saw, ARGV[2..] the changes; the new version, or -1 - the version found
    private const string AppendScript = """
        local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
        if v ~= tonumber(ARGV[1]) then return -1 - v end
        for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
        redis.call('HSET', KEYS[1], 'version', v + #ARGV - 1)
        return v + #ARGV - 1
        """;

    // ARGV[1] the version the snapshot ARGV[2] stands for: kept only if newer than the current snapshot and not past the log
    private const string CompactScript = """
        local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
        local b = tonumber(redis.call('HGET', KEYS[1], 'base') or '0')
        local at = tonumber(ARGV[1])
        if at > v or at <= b then return 0 end
        redis.call('LTRIM', KEYS[2], at - b, -1)
        redis.call('HSET', KEYS[1], 'base', at, 'snapshot', ARGV[2])
        return 1
        """;

    // a partition an earlier version kept as whole program text (grain state) starts its log from it, once
    private const string ImportScript = """
        if redis.call('HEXISTS', KEYS[1], 'version') == 1 then return 0 end
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[1], 'version', 0, 'base', 0, 'snapshot', ARGV[1])
        return 1
        """;

    private static readonly RedisKey WorldPredicates = "pwmk/world-predicates";

    private static RedisKey[] Keys(string partition) => ["pwmk/partition/" + partition, "pwmk/partition/" + partition + "/changes"];

    private async Task<IDatabase> Db() => (await _connection.Value.ConfigureAwait(false)).GetDatabase();

    /// <summary>The partition as Redis holds it, read in one step; null when it has never been written.</summary>
    public async Task<Stored?> LoadAsync(string partition)
    {
        var r = (RedisResult[])(await (await Db().ConfigureAwait(false)).ScriptEvaluateAsync(LoadScript, Keys(partition)).ConfigureAwait(false))!;
        string version = (string)r[0]!;
        if (version.Length == 0) return null;
        var changes = ((RedisResult[])r[3]!).Select(e => (string)e!).ToArray();
        return new Stored(long.Parse(version, System.Globalization.CultureInfo.InvariantCulture), (long)r[1], (string)r[2]!, changes);
    }

    /// <summary>
    /// The partition's version in Redis now (changes made so far; 0 when it has never been written), and whether one of
    /// <paramref name="predicates"/> is a world predicate now
    /// (<see cref="AddWorldPredicatesAsync"/>), read in one round trip.
    /// </summary>
    public async Task<(long Version, bool World)> CheckAsync(string partition, IReadOnlyCollection<string> predicates)
    {
        // both sent at once (one round trip), each read after the caller's read ran
        var db = await Db().ConfigureAwait(false);
        var version = db.HashGetAsync(Keys(partition)[0], "version");
        var world = predicates.Count == 0 ? Task.FromResult<bool[]>([]) : db.SetContainsAsync(WorldPredicates, [.. predicates.Select(p => (RedisValue)p)]);
        var v = await version.ConfigureAwait(false);
        return (v.IsNull ? 0 : (long)v, (await world.ConfigureAwait(false)).Contains(true));
    }

    /// <summary>Adds <paramref name="predicates"/> (<c>name/arity</c>) to the world's predicates.</summary>
    public async Task AddWorldPredicatesAsync(IReadOnlyCollection<string> predicates)
    {
        if (predicates.Count == 0) return;
        await (await Db().ConfigureAwait(false)).SetAddAsync(WorldPredicates, [.. predicates.Select(p => (RedisValue)p)]).ConfigureAwait(false);
    }

    /// <summary>Appends <paramref name="changes"/> if the partition is at <paramref name="expected"/>; returns the new version.</summary>
    /// <exception cref="Orleans.Storage.InconsistentStateException">the partition is at another version: nothing was written</exception>
    public async Task<long> AppendAsync(string partition, long expected, IReadOnlyList<string> changes)
    {
        var args = new RedisValue[changes.Count + 1];
        args[0] = expected;
        for (int i = 0; i < changes.Count; i++) args[i + 1] = changes[i];
        long v = (long)await (await Db().ConfigureAwait(false)).ScriptEvaluateAsync(AppendScript, Keys(partition), args).ConfigureAwait(false);
        return v >= 0 ? v : throw Conflict(partition, expected, -1 - v);
    }

    /// <summary>Replaces the snapshot by <paramref name="snapshot"/>, the partition at <paramref name="version"/>, and drops the changes it covers.</summary>
    public async Task<bool> CompactAsync(string partition, long version, string snapshot) =>
        (long)await (await Db().ConfigureAwait(false)).ScriptEvaluateAsync(CompactScript, Keys(partition), [version, snapshot]).ConfigureAwait(false) == 1;

    /// <summary>Starts the partition's log from <paramref name="program"/> unless it has one; true when it did.</summary>
    public async Task<bool> ImportAsync(string partition, string program) =>
        (long)await (await Db().ConfigureAwait(false)).ScriptEvaluateAsync(ImportScript, Keys(partition), [program]).ConfigureAwait(false) == 1;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully) await _connection.Value.Result.DisposeAsync().ConfigureAwait(false);
    }
}
