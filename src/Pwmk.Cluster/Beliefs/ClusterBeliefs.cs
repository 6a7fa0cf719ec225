using System.Collections.Concurrent;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Cluster.Beliefs;

/// <summary>A belief change the cluster could not make or confirm (a member or the storage is unreachable): retry later.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The cluster's belief store as one member's API sees it: a change goes to the partition of its agent (world facts to the
/// world partition) and is acknowledged once that partition has written it to the cluster's storage; a query is planned
/// (<see cref="QueryPlan"/>), the facts it can reach are fetched from the partitions it needs (one partition when its agent
/// is bound; every agent's, side by side, when not), and it runs here on a store holding just those facts, with the same
/// engine and limits as a single process. Its answers are the single process's answers; their order is the single
/// process's when one partition is involved, and otherwise that of the partitions taken world first, then agents in
/// ordinal order of their names (each in its own assertion order). A query that needs one partition whose activation is on
/// this member runs on that partition's own store (<see cref="LocalPartitions"/>): no call, no transfer, no store to build.
/// <para>
/// On a member whose partitions are kept in a journal (<see cref="IPartitionJournal"/>: the one-member cluster, where every
/// partition is on this member) the journal is the partitions' storage and their order: changes are committed to it here,
/// in the order given (a partition grain there would only pass them on), and every query runs on the journal's store,
/// which holds every partition's durable facts: the single process's answers, in its order.
/// </para>
/// </summary>
public sealed class ClusterBeliefs
{
    private readonly IGrainFactory grains;
    private readonly Func<BeliefStore> newStore;
    private readonly LocalPartitions local;
    private readonly Task siloActive;

    internal ClusterBeliefs(IGrainFactory grains, LocalPartitions local, Task? siloActive = null)
    {
        this.grains = grains;
        this.local = local;
        this.siloActive = siloActive ?? Task.CompletedTask;
        newStore = local.NewStore;
    }

    private readonly ConcurrentDictionary<string, bool> _registered = new(StringComparer.Ordinal);

    /// <summary>Most stores kept for reuse (built from fetched facts; a store is reused only for the very same facts).</summary>
    internal const int StoresKept = 32;

    /// <summary>Largest fetch (in facts) whose store is kept: larger ones are built per query, so the kept stores stay small.</summary>
    internal const int LargestKept = 4096;

    // building a store (a Prolog engine, its program, the facts) costs milliseconds; a query that fetches exactly the facts
    // an earlier one fetched (repeated point queries on an unchanged partition) reuses that store: same facts, same order,
    // same answers
    private readonly ConcurrentDictionary<string, BeliefStore> _stores = new(StringComparer.Ordinal);

    private IBeliefDirectoryGrain Directory => grains.GetGrain<IBeliefDirectoryGrain>(0);

    /// <summary>Asserts or retracts one fact; returns once it is durable.</summary>
    /// <exception cref="ClusterUnavailableException">the partition or the storage could not be reached</exception>
    public async Task<FactOutcome> ChangeAsync(BeliefChange change)
    {
        var outcomes = await ApplyAsync([change]).ConfigureAwait(false);
        return outcomes[0];
    }

    /// <summary>
    /// Applies changes in order, grouped by partition (each partition's changes in one durable write). With
    /// <paramref name="background"/> (the background simulation's writes) a journaled partition acknowledges them by the
    /// journal's looser policy for those (written, fsynced within its batch interval).
    /// </summary>
    /// <exception cref="ClusterUnavailableException">a partition or the storage could not be reached</exception>
    public async Task<FactOutcome[]> ApplyAsync(IReadOnlyList<BeliefChange> changes, bool background = false)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (local.Journal is { } journal) return await CommitAsync(journal, changes, background).ConfigureAwait(false);
        var byPartition = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < changes.Count; i++)
        {
            var key = BeliefPartitions.Of(changes[i].Fact);
            if (!byPartition.TryGetValue(key, out var list)) byPartition[key] = list = [];
            list.Add(i);
        }
        var result = new FactOutcome[changes.Count];
        try
        {
            // the silo may still be starting beside the web server: a change waits for it rather than failing
            await siloActive.ConfigureAwait(false);
            await RegisterAsync(byPartition.Keys, changes).ConfigureAwait(false);
            var calls = byPartition.Select(async kv =>
            {
                var batch = kv.Value.Select(i => new FactChange(changes[i].Kind == BeliefChangeKind.Assert, changes[i].Fact.ToString())).ToArray();
                var outcomes = await grains.GetGrain<IBeliefPartitionGrain>(kv.Key).Apply(batch).ConfigureAwait(false);
                for (int j = 0; j < outcomes.Length; j++) result[kv.Value[j]] = outcomes[j];
            });
            await Task.WhenAll(calls).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (ArgumentException or ClusterUnavailableException))
        {
            throw Unconfirmed(e);
        }
        return result;
    }

    /// <summary>A journaled member's changes: committed to the journal in order, once partitions of an earlier version are in it.</summary>
    private async Task<FactOutcome[]> CommitAsync(IPartitionJournal journal, IReadOnlyList<BeliefChange> changes, bool background)
    {
        try
        {
            await local.Imported.ConfigureAwait(false);
            return await journal.CommitAsync(changes, background).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (ArgumentException or ClusterUnavailableException))
        {
            throw Unconfirmed(e);
        }
    }

    private static ClusterUnavailableException Unconfirmed(Exception e) =>
        new("the cluster did not confirm the change (" + e.GetType().Name + ": " + e.Message + ")", e);

    /// <summary>Registers new agents and world predicates with the directory before their partitions are written.</summary>
    private async Task RegisterAsync(IEnumerable<string> partitions, IReadOnlyList<BeliefChange> changes)
    {
        var agents = partitions.Where(p => p != BeliefPartitions.World && !_registered.ContainsKey(p)).ToArray();
        var world = new List<string>();
        foreach (var c in changes)
        {
            if (c.Kind != BeliefChangeKind.Assert || BeliefPartitions.Of(c.Fact) != BeliefPartitions.World) continue;
            string p = c.Fact switch { Compound f => f.Functor + "/" + f.Arity, Atom a => a.Name + "/0", _ => "" };
            if (p.Length > 0 && !_registered.ContainsKey("#" + p)) world.Add(p);
        }
        if (agents.Length == 0 && world.Count == 0) return;
        await Directory.Register(agents, [.. world.Distinct()]).ConfigureAwait(false);
        foreach (var a in agents) _registered[a] = true;
        foreach (var p in world) _registered["#" + p] = true;
    }

    /// <summary>Runs a read-only query over the partitions it needs (see the type's summary for the order of its answers).</summary>
    /// <exception cref="BeliefStoreException">the query does not parse or would change the store</exception>
    /// <exception cref="PrologException">the query raised an error or passed a limit</exception>
    /// <exception cref="ClusterUnavailableException">a partition could not be reached</exception>
    public Task<QueryResult> QueryAsync(string query, QueryOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        // every partition of a journaled member is here, in the journal's store
        if (local.Journal is { } journal) return Task.FromResult(journal.Store.Query(query, options));
        return FetchAndQueryAsync(query, options, cancellationToken);
    }

    private async Task<QueryResult> FetchAndQueryAsync(string query, QueryOptions options, CancellationToken cancellationToken)
    {
        var plan = QueryPlan.Of(query);
        // an error the query raised there is its answer too, once the partition is known to be current (an unknown predicate,
        // say: it may be one the copy of the directory has not seen)
        if (OnePartition(plan) is { } only && local.TryQuery(only, query, options, out var here, out var error, out var view)
            && (local.Log is not { } log || await Current(log, only, view!, only == BeliefPartitions.World ? [] : plan.OtherPatterns.Keys).ConfigureAwait(false)))
        {
            if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            return here!;
        }
        var fetches = new List<(string Partition, Task<string[]> Facts)>();
        try
        {
            await siloActive.WaitAsync(cancellationToken).ConfigureAwait(false);
            DirectorySnapshot? dir = null;
            if (plan.Everything || plan.AllAgents || plan.OtherPatterns.Count > 0)
                dir = await Directory.Snapshot().WaitAsync(cancellationToken).ConfigureAwait(false);
            IEnumerable<string> agents = plan.Everything || plan.AllAgents ? dir!.Agents : plan.Agents;
            string[] beliefPatterns = plan.Everything ? [] : QueryPlan.Texts(plan.BeliefPatterns);
            foreach (var agent in agents.Order(StringComparer.Ordinal))
                fetches.Add((agent, grains.GetGrain<IBeliefPartitionGrain>(agent).Facts(beliefPatterns)));
            if (dir is not null)
            {
                var world = plan.Everything ? [] : plan.OtherPatterns.Where(kv => dir.WorldPredicates.Contains(kv.Key)).SelectMany(kv => QueryPlan.Texts(kv.Value)).ToArray();
                if (plan.Everything || world.Length > 0)
                    fetches.Insert(0, (BeliefPartitions.World, grains.GetGrain<IBeliefPartitionGrain>(BeliefPartitions.World).Facts(world)));
            }
            await Task.WhenAll(fetches.Select(f => f.Facts)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new ClusterUnavailableException("a belief partition did not answer (" + e.GetType().Name + ": " + e.Message + ")", e);
        }
        return StoreOf(fetches.Select(f => f.Facts.Result)).Query(query, options);
    }

    /// <summary>
    /// The one partition <paramref name="plan"/> needs, when that is known without a call (the directory's activation is on
    /// this member): one bound agent and no world predicate, or world predicates and no agent; else null.
    /// </summary>
    private string? OnePartition(QueryPlan plan)
    {
        if (plan.Everything || plan.AllAgents || local.Directory is not { } dir) return null;
        bool world = plan.OtherPatterns.Keys.Any(dir.WorldPredicates.Contains);
        return (plan.Agents.Count, world) switch
        {
            (1, false) => plan.Agents.Min,
            (0, true) => BeliefPartitions.World,
            _ => null,
        };
    }

    /// <summary>
    /// True when the activation behind <paramref name="view"/> holds the version of <paramref name="partition"/> that Redis
    /// holds now, read after the query ran: no other activation has written it since this one read it, so what the query
    /// read was the partition's durable state when it ran. And none of <paramref name="predicates"/> (what the query names
    /// beside its agent's beliefs, none of them a world predicate in this member's copy of the directory) is a world
    /// predicate in Redis: a second directory activation may have registered one the copy has not seen, whose facts the
    /// query would then miss. Else the query is asked through the grains (whose directory reads Redis).
    /// </summary>
    private static async Task<bool> Current(RedisPartitionLog log, string partition, PartitionView view, IReadOnlyCollection<string> predicates)
    {
        try
        {
            var (version, world) = await log.CheckAsync(partition, predicates).ConfigureAwait(false);
            return version == view.LogVersion && !world;
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>A store holding <paramref name="facts"/> in this order (kept, or built and kept).</summary>
    private BeliefStore StoreOf(IEnumerable<string[]> facts)
    {
        var parts = facts.ToList();
        bool keep = parts.Sum(p => p.Length) <= LargestKept;
        // every fact and partition prefixed by its length: two different fetches never make the same key
        string? key = keep ? string.Concat(parts.Select(p => $"{p.Length}[{string.Concat(p.Select(f => $"{f.Length}:{f}"))}]")) : null;
        if (key is not null && _stores.TryGetValue(key, out var kept)) return kept;
        var store = newStore();
        var changes = new List<BeliefChange>();
        foreach (var part in parts)
            foreach (var f in part) changes.Add(BeliefChange.Assert(TermReader.ParseTerm(f, OperatorTable.Default)));
        store.Apply(changes);
        if (key is null) return store;
        if (_stores.Count >= StoresKept) _stores.Clear(); // bounded: a changing workload rebuilds, as without the cache
        _stores.TryAdd(key, store);
        return store;
    }
}
