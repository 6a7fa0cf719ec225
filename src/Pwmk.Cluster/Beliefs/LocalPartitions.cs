using System.Collections.Concurrent;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;

namespace Pwmk.Cluster.Beliefs;

/// <summary>
/// The belief partitions (and the directory) whose activations live on this member, so the router can answer a query that
/// needs one of them on that partition's own store, without a grain call, a fact transfer or building a store. Writes
/// still go through the grain; a read on the store counts only when no change of the partition was in progress while it
/// ran (<see cref="PartitionView"/>), so it never sees a change that is not yet durable, and (on a Redis member) when the
/// activation still holds the version Redis holds, so it never answers from an activation another one has overtaken. On a member with a journal
/// (<see cref="Journal"/>) every partition lives in the journal's store, which holds only durable changes, and changes are
/// committed to the journal directly.
/// </summary>
internal sealed class LocalPartitions(Func<BeliefStore> newStore, IPartitionJournal? journal = null, RedisPartitionLog? log = null, bool importPending = false)
{
    /// <summary>The journal this member's partitions are kept in (a one-member cluster), or null (grain storage).</summary>
    public IPartitionJournal? Journal { get; } = journal;

    private readonly TaskCompletionSource _imported = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes once partitions an earlier version kept as grain state are in the journal (<see cref="PartitionImport"/>;
    /// at once when there is nothing to import): a change committed to the journal waits for it, so it lands after them.
    /// </summary>
    public Task Imported => importPending ? _imported.Task : Task.CompletedTask;

    /// <summary>Called by <see cref="PartitionImport"/> when it has finished (or failed: changes then fail with its error).</summary>
    public void ImportEnded(Exception? failure = null)
    {
        if (failure is null) _imported.TrySetResult();
        else _imported.TrySetException(failure);
    }

    /// <summary>The Redis log this member's partitions are kept in (a Redis cluster), or null.</summary>
    public RedisPartitionLog? Log { get; } = log;

    private readonly ConcurrentDictionary<string, PartitionView> _views = new(StringComparer.Ordinal);
    private volatile LocalDirectory? _directory;

    /// <summary>A new, empty store with the host's limits (a partition's store).</summary>
    public BeliefStore NewStore() => newStore();

    /// <summary>The directory as its activation on this member last made durable, or null when it lives elsewhere.</summary>
    public LocalDirectory? Directory => _directory;

    public void Publish(DirectorySnapshot? snapshot) => _directory = snapshot is null ? null : new LocalDirectory(snapshot);

    public void Add(string partition, PartitionView view) => _views[partition] = view;

    public void Remove(string partition, PartitionView view)
    {
        view.Close();
        _views.TryRemove(new KeyValuePair<string, PartitionView>(partition, view));
    }

    /// <summary>
    /// Runs <paramref name="query"/> on the store of <paramref name="partition"/> when its activation is on this member and
    /// no change of it is in progress before or during the run; false (no result) otherwise. Its answer is
    /// <paramref name="result"/>, or <paramref name="error"/> when the query raised a Prolog error (thrown by the caller once
    /// it trusts the run). <paramref name="view"/> is the activation's view, whose <see cref="PartitionView.LogVersion"/> a
    /// Redis member checks against Redis before it trusts the run (see <see cref="ClusterBeliefs"/>).
    /// </summary>
    public bool TryQuery(string partition, string query, QueryOptions options, out QueryResult? result, out PrologException? error, out PartitionView? view)
    {
        result = null;
        error = null;
        if (!_views.TryGetValue(partition, out view)) return false;
        long before = view.Version;
        if ((before & 1) != 0) return false;
        QueryResult? r = null;
        PrologException? e = null;
        try
        {
            r = view.Store.Query(query, options);
        }
        catch (PrologException x)
        {
            e = x;
        }
        if (view.Version != before) return false;
        (result, error) = (r, e);
        return true;
    }
}

/// <summary>The directory's snapshot with its world predicates as a set.</summary>
internal sealed class LocalDirectory(DirectorySnapshot snapshot)
{
    public DirectorySnapshot Snapshot { get; } = snapshot;
    public HashSet<string> WorldPredicates { get; } = new(snapshot.WorldPredicates, StringComparer.Ordinal);
}

/// <summary>
/// A partition activation's store as readers on this member see it, with a version that is odd while a change is in
/// progress (applied but not yet durable, or being undone) and moves on with every change: a read that saw the same even
/// version before and after it ran saw only durable state. A closed view (the activation is gone) stays odd.
/// </summary>
internal sealed class PartitionView(BeliefStore store)
{
    private long _version;

    public BeliefStore Store { get; } = store;

    public long Version => Interlocked.Read(ref _version);

    /// <summary>The version of the partition's Redis log this activation holds (set while a change is in progress).</summary>
    public long LogVersion
    {
        get => Interlocked.Read(ref _logVersion);
        set => Interlocked.Exchange(ref _logVersion, value);
    }

    private long _logVersion;

    public void BeginChange() => Interlocked.Increment(ref _version);

    public void EndChange() => Interlocked.Increment(ref _version);

    public void Close() => Interlocked.Exchange(ref _version, 1);
}
