namespace Pwmk.Cluster.Beliefs;

/// <summary>What the cluster's belief store holds partitions for: every agent ever written, and the world facts' predicates.</summary>
[GenerateSerializer, Immutable, Alias("pwmk.directory-snapshot")]
public sealed record DirectorySnapshot([property: Id(0)] string[] Agents, [property: Id(1)] string[] WorldPredicates);

/// <summary>
/// The directory of belief partitions (one grain, key 0): a scatter-gather asks it which agents' partitions exist. An
/// agent is registered before its first belief is written, so a query that follows an acknowledged write finds it.
/// </summary>
[Alias("pwmk.belief-directory")]
public interface IBeliefDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds agents (partition keys) and world predicates (<c>name/arity</c>); returns once that is durable.</summary>
    [Alias("register")]
    Task Register(string[] agents, string[] worldPredicates);

    /// <summary>
    /// The agents, in ordinal order, and the world predicates; on a Redis cluster as storage holds them now (read there:
    /// not what this activation last saw). One at a time, so each read starts after the calls before it.
    /// </summary>
    [Alias("snapshot")]
    Task<DirectorySnapshot> Snapshot();

    /// <summary>Forgets every agent and world predicate (their partitions' facts have moved into a journal; see <see cref="PartitionImport"/>).</summary>
    [Alias("clear")]
    Task Clear();
}

/// <summary>Persisted state of the directory.</summary>
[GenerateSerializer, Alias("pwmk.directory-state")]
public sealed class DirectoryState
{
    /// <summary>Partition keys of agents.</summary>
    [Id(0)] public SortedSet<string> Agents { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Predicates (<c>name/arity</c>) the world partition has held.</summary>
    [Id(1)] public SortedSet<string> WorldPredicates { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class BeliefDirectoryGrain(
    [PersistentState("directory", ClusterHosting.Storage)] IPersistentState<DirectoryState> state, LocalPartitions local) : Grain, IBeliefDirectoryGrain
{
    private DirectorySnapshot? _snapshot;

    // the router on this member reads the durable snapshot without a call (see LocalPartitions)
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // on a Redis cluster the world predicates are also a set in Redis, which a member's router checks its copy against;
        // registered there before they are written here (Register), and filled here from what an earlier version registered
        if (local.Log is { } log) await log.AddWorldPredicatesAsync(state.State.WorldPredicates).ConfigureAwait(true);
        local.Publish(Current());
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        local.Publish(null);
        return Task.CompletedTask;
    }

    public async Task Register(string[] agents, string[] worldPredicates)
    {
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(worldPredicates);
        if (local.Log is { } log) await log.AddWorldPredicatesAsync(worldPredicates).ConfigureAwait(true);
        bool added = false;
        foreach (var a in agents) added |= state.State.Agents.Add(a);
        foreach (var p in worldPredicates) added |= state.State.WorldPredicates.Add(p);
        if (!added) return;
        _snapshot = null;
        await state.WriteStateAsync().ConfigureAwait(true);
        local.Publish(Current());
    }

    public async Task<DirectorySnapshot> Snapshot()
    {
        // on a Redis cluster, read from storage, not from this activation: during a membership change a second activation
        // may have registered agents this one has not seen, and a scatter-gather must reach every partition (a member alone
        // in its process has no second activation, and its reads need no storage)
        if (local.Log is null) return Current();
        string? etag = state.Etag;
        await state.ReadStateAsync().ConfigureAwait(true);
        if (state.Etag != etag)
        {
            _snapshot = null;
            local.Publish(Current());
        }
        return Current();
    }

    public async Task Clear()
    {
        if (!state.RecordExists) return;
        await state.ClearStateAsync().ConfigureAwait(true);
        state.State = new DirectoryState();
        _snapshot = null;
        local.Publish(Current());
    }

    private DirectorySnapshot Current() => _snapshot ??= new DirectorySnapshot([.. state.State.Agents], [.. state.State.WorldPredicates]);
}
