using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Pwmk.Core.Beliefs;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Persistence;

/// <summary>When the journal is flushed to disk (fsync) relative to the acknowledgement of a change.</summary>
public enum FsyncPolicy
{
    /// <summary>fsync before the change is applied and acknowledged: an acknowledged change survives a crash of the process, of the OS and a power loss.</summary>
    Always,

    /// <summary>Written to the OS before the acknowledgement, fsynced within the batch interval: survives a crash of the process; a power loss may lose the last interval.</summary>
    Batched,

    /// <summary>Written to the OS before the acknowledgement, never fsynced by PWMK (the OS writes back when it likes): survives a crash of the process only.</summary>
    Never,
}

/// <summary>Outcome of one change: whether the store changed, or the error the store raised (the store is then unchanged).</summary>
internal readonly record struct ChangeOutcome(bool Changed, int FactCount, BeliefStoreException? Error);

/// <summary>The journal could not be written (disk full, read-only or failing state directory): nothing was applied.</summary>
internal sealed class StateUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Settings of <see cref="DurableBeliefStore"/>.</summary>
internal sealed record DurabilityOptions
{
    /// <summary>State directory; null or empty: no durability (changes are applied in memory only).</summary>
    public string? Directory { get; init; }

    /// <summary>fsync policy of API changes.</summary>
    public FsyncPolicy Fsync { get; init; } = FsyncPolicy.Always;

    /// <summary>Longest time a batched (simulation, or API under <see cref="FsyncPolicy.Batched"/>) record stays written but not fsynced.</summary>
    public TimeSpan BatchInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Records after which a snapshot is taken and the journal compacted.</summary>
    public int SnapshotEvery { get; init; } = 20_000;
}

/// <summary>What startup recovery found and did.</summary>
internal sealed class RecoveryReport
{
    public long SnapshotLsn { get; set; }
    public string? Snapshot { get; set; }
    public int RejectedSnapshots { get; set; }
    public long ReplayedRecords { get; set; }
    public long FailedRecords { get; set; }
    public long TruncatedBytes { get; set; }
    public long NextLsn { get; set; }
    public bool ImportedLegacy { get; set; }
    public List<string> Problems { get; } = [];

    public override string ToString() =>
        $"snapshot {(Snapshot ?? "none")} (LSN {SnapshotLsn}), {ReplayedRecords} journal records replayed" +
        (FailedRecords > 0 ? $" ({FailedRecords} rejected by the store as when first applied)" : "") +
        (RejectedSnapshots > 0 ? $", {RejectedSnapshots} corrupt snapshot(s) set aside" : "") +
        (TruncatedBytes > 0 ? $", {TruncatedBytes} bytes of damaged journal tail truncated" : "") +
        (ImportedLegacy ? ", imported beliefs.pl" : "") + $"; next LSN {NextLsn}";
}

/// <summary>
/// The server's belief store made durable with a write-ahead journal and snapshots in the state directory.
/// <para>
/// Every change goes through <see cref="CommitAsync"/>: a single commit thread takes the waiting changes in arrival
/// order, gives each the next LSN, appends their records to the journal in one write, fsyncs when one of them needs it
/// (<see cref="FsyncPolicy"/>; several concurrent requests share one fsync), then applies them to the
/// <see cref="BeliefStore"/> in LSN order and completes them. So a change is acknowledged only after its record is in
/// the journal, and the journal's order is the store's order. When the write or fsync fails the journal is cut back to
/// its last whole record and the changes fail with <see cref="StateUnavailableException"/> without being applied.
/// </para>
/// <para>
/// Every <see cref="DurabilityOptions.SnapshotEvery"/> records (and at graceful shutdown) the store's program text is
/// taken at a batch boundary, a new journal segment is started, and the snapshot is written atomically in the
/// background; then all snapshots but the two newest are deleted, and every segment whose records are all covered by
/// the older of the two. Recovery (<see cref="Open"/>): newest snapshot that passes its checks (a damaged one is renamed
/// <c>*.corrupt</c> and the previous one used), then the journal records after it, in LSN order; a damaged record ends
/// the replay: at the tail of the last segment (a torn write) the segment is truncated to its last whole record.
/// </para>
/// </summary>
internal sealed partial class DurableBeliefStore : IDisposable
{
    private sealed class Pending(BeliefChange[] changes, bool sync, bool simulation)
    {
        public readonly BeliefChange[] Changes = changes;
        public readonly bool Sync = sync;
        public readonly bool Simulation = simulation;
        public readonly TaskCompletionSource<ChangeOutcome[]> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private const int MaxBatch = 512;
    private readonly DurabilityOptions _opt;
    private readonly ILogger _log;
    private readonly BlockingCollection<Pending> _queue = new(new ConcurrentQueue<Pending>(), 100_000);
    private readonly Thread? _thread;
    private StateDirectoryLock? _lock;
    private readonly List<(string Path, long Good)> _deferredTruncations = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private FileStream? _segment;
    private long _goodLength;
    private long _nextLsn = 1;
    private long _recordsSinceSnapshot;
    private long _lastSnapshotLsn;
    private long _unsyncedSince = -1;
    private Task _snapshotTask = Task.CompletedTask;
    private volatile string? _fault;
    private int _disposed;

    private DurableBeliefStore(BeliefStore store, DurabilityOptions opt, ILogger log, StateDirectoryLock? dirLock)
    {
        Store = store;
        _opt = opt;
        _log = log;
        _lock = dirLock;
        if (opt.Directory is not null)
        {
            _thread = new Thread(CommitLoop) { IsBackground = true, Name = "pwmk-journal" };
        }
    }

    /// <summary>True while the state directory cannot be written at all (opened read-only): changes are refused.</summary>
    public bool ReadOnly => _lock is null && _thread is not null;

    /// <summary>The store; read it freely, change it only through <see cref="CommitAsync"/>.</summary>
    public BeliefStore Store { get; }

    /// <summary>The state directory (full path), or null without durability.</summary>
    public string? Directory => _opt.Directory;

    /// <summary>fsync policy of API changes.</summary>
    public FsyncPolicy Fsync => _opt.Fsync;

    /// <summary>What recovery found at start-up.</summary>
    public RecoveryReport Recovery { get; private set; } = new();

    /// <summary>
    /// Why commits fail now, or null when they succeed: the journal cannot be written, a commit failed, or the store
    /// refused changes of the simulation (which it makes itself, so a refusal means the store is broken). Cleared by the
    /// next commit of the same kind that succeeds.
    /// </summary>
    public string? Fault => _fault ?? _commitFault ?? _storeFault;

    private volatile string? _commitFault;
    private volatile string? _storeFault;

    /// <summary>Applies a pending commit and notes whether the store refused changes of the simulation.</summary>
    private ChangeOutcome[] ApplyNoting(Pending p)
    {
        var outcomes = Apply(p.Changes);
        if (!p.Simulation) return outcomes;
        int refused = 0;
        BeliefStoreException? first = null;
        foreach (var o in outcomes)
            if (o.Error is { } e)
            {
                refused++;
                first ??= e;
            }
        if (refused == 0)
        {
            if (_storeFault is not null) _log.LogInformation("the belief store accepts the simulation's changes again");
            _storeFault = null;
        }
        else
        {
            if (_storeFault is null) _log.LogError("the belief store refused {Count} of the simulation's changes: {Message}", refused, first!.Message);
            _storeFault = $"the store refused {refused} of the simulation's last {outcomes.Length} changes (first: {first!.Message})";
        }
        return outcomes;
    }

    /// <summary>LSN of the last record written.</summary>
    public long LastLsn => Interlocked.Read(ref _nextLsn) - 1;

    /// <summary>Test seam: when set and returning a message, journal writes fail with that message (as with a full disk).</summary>
    internal Func<string?>? InjectWriteFault { get; set; }

    /// <summary>
    /// Locks the state directory (see <see cref="StateDirectoryLock"/>), recovers the store from it and starts the commit
    /// thread. Without a directory the store is only in memory. Throws <see cref="InvalidOperationException"/> when the
    /// directory is locked or cannot be used.
    /// </summary>
    public static DurableBeliefStore Open(BeliefStore store, DurabilityOptions options, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Directory)) return new DurableBeliefStore(store, options, log, null);
        string dir = Path.GetFullPath(options.Directory);
        options = options with { Directory = dir };
        StateDirectoryLock? dirLock;
        string? readOnly = null;
        try
        {
            System.IO.Directory.CreateDirectory(dir);
            dirLock = StateDirectoryLock.Acquire(dir);
        }
        catch (Exception e) when (StateDirectoryLock.IsNotWritable(e))
        {
            // a read-only (or not ours to write) state directory: serve what it holds, refuse changes until it can be written
            if (!System.IO.Directory.Exists(dir)) throw new InvalidOperationException($"cannot use the state directory {dir}: {e.Message}", e);
            dirLock = null;
            readOnly = e.Message;
        }
        catch (IOException e) when (e is not StateDirectoryInUseException)
        {
            throw new InvalidOperationException($"cannot use the state directory {dir}: {e.Message}", e);
        }
        catch (StateDirectoryInUseException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        var d = new DurableBeliefStore(store, options, log, dirLock);
        try
        {
            d.Recover(readOnly is not null);
            if (readOnly is null) d.OpenSegment(d._nextLsn);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            d.Dispose();
            throw new InvalidOperationException($"cannot recover the state in {dir}: {e.Message}", e);
        }
        if (readOnly is not null)
        {
            d._fault = $"the state directory {dir} cannot be written ({readOnly}); changes are refused until it can be";
            log.StateDirectoryReadOnly(d._fault, store.FactCount);
        }
        d._thread!.Start();
        return d;
    }

    // ------------------------------------------------------------------ changes

    /// <summary>
    /// Journals then applies <paramref name="changes"/> (in order, after every change committed before). The task ends
    /// when they are applied: for API changes (<paramref name="simulation"/> false) under <see cref="FsyncPolicy.Always"/>
    /// after their fsync; otherwise after their write, with an fsync within <see cref="DurabilityOptions.BatchInterval"/>
    /// (none under <see cref="FsyncPolicy.Never"/>). Faults with <see cref="StateUnavailableException"/> when the journal
    /// cannot be written (nothing is applied then).
    /// </summary>
    public Task<ChangeOutcome[]> CommitAsync(IReadOnlyList<BeliefChange> changes, bool simulation = false)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var p = new Pending([.. changes], !simulation && _opt.Fsync == FsyncPolicy.Always, simulation);
        if (_thread is null)
        {
            p.Done.SetResult(ApplyNoting(p));
            return p.Done.Task;
        }
        try
        {
            _queue.Add(p);
        }
        catch (InvalidOperationException)
        {
            return Task.FromException<ChangeOutcome[]>(new StateUnavailableException("the server is shutting down"));
        }
        return p.Done.Task;
    }

    /// <summary>Journals and applies one change (see <see cref="CommitAsync"/>).</summary>
    public async Task<ChangeOutcome> CommitOneAsync(BeliefChange change)
    {
        var r = await CommitAsync([change], simulation: false).ConfigureAwait(false);
        return r[0];
    }

    /// <summary>Applies one commit's changes so that queries see all of them or none (a change the store refuses is not applied).</summary>
    private ChangeOutcome[] Apply(BeliefChange[] changes) => Store.InOneCommit(() =>
    {
        var outcomes = new ChangeOutcome[changes.Length];
        for (int i = 0; i < changes.Length; i++)
        {
            try
            {
                bool changed = changes[i].Kind == BeliefChangeKind.Assert ? Store.AssertFact(changes[i].Fact) : Store.RetractFact(changes[i].Fact);
                outcomes[i] = new ChangeOutcome(changed, Store.FactCount, null);
            }
            catch (BeliefStoreException e)
            {
                outcomes[i] = new ChangeOutcome(false, Store.FactCount, e);
            }
        }
        return outcomes;
    });

    private void CommitLoop()
    {
        var batch = new List<Pending>(MaxBatch);
        while (true)
        {
            int wait = Timeout.Infinite;
            if (_unsyncedSince >= 0)
                wait = (int)Math.Max(0, _opt.BatchInterval.TotalMilliseconds - Stopwatch.GetElapsedTime(_unsyncedSince).TotalMilliseconds);
            Pending? first;
            bool got;
            try { got = _queue.TryTake(out first, wait); }
            catch (InvalidOperationException) { got = false; first = null; }
            if (!got)
            {
                if (_unsyncedSince >= 0) SyncQuietly();
                if (_queue.IsCompleted) break;
                continue;
            }
            batch.Add(first!);
            while (batch.Count < MaxBatch && _queue.TryTake(out var more)) batch.Add(more);
            try
            {
                Process(batch);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _log.JournalCommitFailed(e);
                _commitFault = "a journal commit failed: " + e.Message;
                foreach (var p in batch) p.Done.TrySetException(new StateUnavailableException("the journal failed: " + e.Message, e));
            }
            batch.Clear();
        }
        SyncQuietly();
    }

    private void Process(List<Pending> batch)
    {
        long lsn = _nextLsn;
        bool sync = false;
        _buffer.ResetWrittenCount();
        foreach (var p in batch)
        {
            sync |= p.Sync;
            foreach (var c in p.Changes) JournalFormat.Encode(_buffer, new JournalRecord(lsn++, (JournalOp)c.Kind, c.Fact.ToString()));
        }
        try
        {
            var fault = InjectWriteFault?.Invoke();
            if (fault is not null) throw new IOException(fault);
            if (_lock is null) BecomeWritable();
            if (_segment!.Length != _goodLength) _segment.SetLength(_goodLength);
            _segment.Position = _goodLength;
            _segment.Write(_buffer.WrittenSpan);
            if (sync || (_opt.Fsync != FsyncPolicy.Never && _unsyncedSince >= 0 && Stopwatch.GetElapsedTime(_unsyncedSince) >= _opt.BatchInterval))
            {
                _segment.Flush(flushToDisk: true);
                _unsyncedSince = -1;
            }
            else if (_opt.Fsync != FsyncPolicy.Never && _unsyncedSince < 0)
            {
                _unsyncedSince = Stopwatch.GetTimestamp();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            if (_segment is not null) CutBack();
            var message = $"the journal in {_opt.Directory} cannot be written ({e.Message}); the change was not applied";
            if (_fault is null) _log.StateDirectoryUnavailable(message);
            _fault = message;
            foreach (var p in batch) p.Done.TrySetException(new StateUnavailableException(message, e));
            return;
        }
        if (_fault is not null)
        {
            _log.StateDirectoryWritableAgain(_opt.Directory);
            _fault = null;
        }
        _goodLength += _buffer.WrittenCount;
        Interlocked.Exchange(ref _nextLsn, lsn);
        foreach (var p in batch) p.Done.TrySetResult(ApplyNoting(p));
        _commitFault = null;
        _recordsSinceSnapshot += batch.Sum(p => p.Changes.Length);
        if (_recordsSinceSnapshot >= _opt.SnapshotEvery && _snapshotTask.IsCompleted) StartSnapshot();
    }

    /// <summary>
    /// A directory opened read-only is tried again before each write: once it can be locked, the torn tail recovery left
    /// in place is cut, and a new journal segment starts, writes proceed.
    /// </summary>
    private void BecomeWritable()
    {
        string dir = _opt.Directory!;
        System.IO.Directory.CreateDirectory(dir);
        StateDirectoryLock dirLock;
        try
        {
            dirLock = StateDirectoryLock.Acquire(dir);
        }
        catch (StateDirectoryInUseException e)
        {
            throw new IOException(e.Message, e);
        }
        try
        {
            foreach (var (path, good) in _deferredTruncations) TruncateOrRemove(path, good);
            _deferredTruncations.Clear();
            OpenSegment(_nextLsn);
        }
        catch
        {
            dirLock.Dispose();
            throw;
        }
        _lock = dirLock;
        _log.JournalReopened(dir, _nextLsn);
    }

    /// <summary>After a failed write: drop whatever part of it reached the file, so the journal ends at its last whole record.</summary>
    private void CutBack()
    {
        try
        {
            if (_segment!.Length != _goodLength) _segment.SetLength(_goodLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // retried before the next write; until then nothing is appended after the damaged bytes
            _log.JournalCutFailed(_goodLength, e.Message);
        }
    }

    private void SyncQuietly()
    {
        if (_segment is null) return;
        try
        {
            _segment.Flush(flushToDisk: true);
            _unsyncedSince = -1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _log.JournalFsyncFailed(e.Message);
        }
    }

    // ------------------------------------------------------------------ shutdown

    /// <summary>
    /// Graceful shutdown: stops taking changes, commits those waiting, fsyncs the journal, writes a final snapshot and
    /// compacts, all within <paramref name="timeout"/>; returns false when it ran out of time (the journal is then still
    /// complete up to its last fsync, and recovery replays it).
    /// </summary>
    public bool Shutdown(TimeSpan timeout)
    {
        if (_thread is null || Interlocked.Exchange(ref _disposed, 1) == 1) return true;
        var deadline = Stopwatch.StartNew();
        _queue.CompleteAdding();
        if (!_thread.Join(timeout)) return false;
        if (!_snapshotTask.Wait(Remaining(timeout, deadline))) return false;
        if (_fault is null && _nextLsn - 1 != _lastSnapshotLsn)
        {
            long lsn = _nextLsn - 1;
            try
            {
                OpenSegment(lsn + 1);
                WriteSnapshot(lsn, Store.ToProgramText());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.FinalSnapshotSkipped(e.Message);
            }
        }
        _segment?.Dispose();
        _lock?.Dispose();
        return true;
    }

    /// <summary>Test seam: stops like a killed process would (no final fsync beyond what was done, no snapshot), releasing the lock.</summary>
    internal void Abandon()
    {
        if (_thread is null || Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _queue.CompleteAdding();
        _thread.Join();
        _snapshotTask.Wait();
        _segment?.Dispose();
        _lock?.Dispose();
    }

    private static TimeSpan Remaining(TimeSpan timeout, Stopwatch elapsed)
    {
        var left = timeout - elapsed.Elapsed;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public void Dispose()
    {
        if (_thread is null) return;
        if (Volatile.Read(ref _disposed) == 0) Shutdown(TimeSpan.FromSeconds(10));
        _segment?.Dispose();
        _lock?.Dispose();
        _queue.Dispose();
    }
}
