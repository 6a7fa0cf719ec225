using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using StackExchange.Redis;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Terms;

namespace Pwmk.Cluster.Beliefs;

/// <summary>A belief change sent to a partition: the fact as Prolog text (<c>writeq</c> form) and whether it is asserted.</summary>
[GenerateSerializer, Immutable, Alias("pwmk.fact-change")]
public sealed record FactChange([property: Id(0)] bool Assert, [property: Id(1)] string Fact);

/// <summary>What a change did: whether the partition changed, its fact count after, or why the store refused it.</summary>
[GenerateSerializer, Immutable, Alias("pwmk.fact-outcome")]
public sealed record FactOutcome([property: Id(0)] bool Changed, [property: Id(1)] int FactCount, [property: Id(2)] string? Error,
    [property: Id(3)] int Line = 0, [property: Id(4)] int Column = 0);

/// <summary>
/// One partition of the cluster's belief store: the <c>believes(Agent, _)</c> facts of one agent (the grain's key is the
/// agent, written as Prolog text), or the world facts (key <see cref="BeliefPartitions.World"/>).
/// </summary>
[Alias("pwmk.belief-partition")]
public interface IBeliefPartitionGrain : IGrainWithStringKey
{
    /// <summary>Applies the changes in order; returns once they are written to the cluster's grain storage.</summary>
    [Alias("apply")]
    Task<FactOutcome[]> Apply(FactChange[] changes);

    /// <summary>
    /// A journaled partition's change (a member with an <see cref="IPartitionJournal"/>): commits the changes to the journal in
    /// order and returns once they are durable (<paramref name="background"/>: by the background simulation's policy). Calls
    /// interleave, so several share one fsync; the journal keeps the order in which this partition sent them.
    /// </summary>
    [Alias("commit"), AlwaysInterleave]
    Task<FactOutcome[]> Commit(FactChange[] changes, bool background);

    /// <summary>
    /// The partition's facts that unify with one of <paramref name="patterns"/> (each Prolog text, its variables its own),
    /// in the partition's order (assertion order within a predicate); every fact when no pattern is given.
    /// </summary>
    [Alias("facts"), ReadOnly]
    Task<string[]> Facts(string[] patterns);
}

/// <summary>Partition keys.</summary>
public static class BeliefPartitions
{
    /// <summary>Key of the partition that holds the world facts (no agent can be written this way: it is not a Prolog term).</summary>
    public const string World = "#world";

    /// <summary>The belief predicate's name.</summary>
    public const string Believes = "believes";

    /// <summary>The partition a fact belongs to: the agent of a <c>believes/2</c> fact, else the world partition.</summary>
    public static string Of(Term fact) =>
        fact is Compound { Functor: Believes, Arity: 2 } c ? c.Args[0].ToString() : World;
}

/// <summary>
/// Persisted state of a partition as grain state: its facts as the store's own program text (a local cluster's partitions
/// without a journal; partitions of a Redis cluster written before they were kept in <see cref="RedisPartitionLog"/>).
/// </summary>
[GenerateSerializer, Alias("pwmk.partition-state")]
public sealed class PartitionState
{
    /// <summary>The facts, as <see cref="BeliefStore.ToProgramText"/> writes them.</summary>
    [Id(0)] public string Program { get; set; } = "";
}

/// <summary>
/// A partition's facts in a <see cref="BeliefStore"/> (which validates them as the single-process store does). On a member
/// with a journal (<see cref="IPartitionJournal"/>, the one-member cluster) a change is committed to the journal and the
/// partition's facts are those of the journal's store (no copy of its own); otherwise the partition keeps its own store and
/// makes a change durable before acknowledging it: on a Redis cluster by appending it to the partition's log in Redis
/// (<see cref="RedisPartitionLog"/>: the write costs the change, not the partition), on a local cluster without a journal
/// by writing its whole program text to grain storage. Calls of such a partition run one at a time (read-only ones side by
/// side), so a read never sees a change that is not yet durable.
/// </summary>
/// <remarks>
/// Not Orleans' <c>JournaledGrain</c> (event sourcing with the CustomStorage provider), which would give the append and the
/// version check: its tentative state is a deep copy of the confirmed state, made again after every confirmed change (one
/// copy of the whole partition per write, the O(n) this log removes), and its state must be a serializable value, which a
/// <see cref="BeliefStore"/> is not.
/// </remarks>
internal sealed partial class BeliefPartitionGrain(
    [PersistentState("partition", ClusterHosting.Storage)] IPersistentState<PartitionState> state, LocalPartitions local,
    ILogger<BeliefPartitionGrain> logger) : Grain, IBeliefPartitionGrain
{
    private readonly IPartitionJournal? _journal = local.Journal;
    private readonly RedisPartitionLog? _log = local.Journal is null ? local.Log : null;
    private readonly BeliefStore? _own = local.Journal is null ? local.NewStore() : null;
    private PartitionView? _view;

    /// <summary>Redis log: the partition's version this activation holds, the version of the snapshot in Redis, a compaction running.</summary>
    private long _version, _base;
    private bool _compacting;

    /// <summary>Changes in a partition's Redis log after its snapshot before a compaction is due (at least; or the partition's fact count).</summary>
    internal const int CompactAfter = 1024;

    private BeliefStore Store => _journal?.Store ?? _own!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_journal is not null)
        {
            // facts an earlier version kept in this partition's grain state move into the journal once
            if (state.State.Program.Length > 0) await ImportAsync().ConfigureAwait(true);
            return; // every read on this member reads the journal's store (see ClusterBeliefs)
        }
        if (_log is not null) await LoadAsync(_log).ConfigureAwait(true);
        else if (state.State.Program.Length > 0) _own!.Consult(state.State.Program, "partition " + this.GetPrimaryKeyString());
        // readers on this member may now query the store directly (see LocalPartitions)
        _view = new PartitionView(_own!) { LogVersion = _version };
        local.Add(this.GetPrimaryKeyString(), _view);
    }

    /// <summary>
    /// Reads the partition from its Redis log: the snapshot, then the changes after it, in order. A partition an earlier
    /// version kept as grain state (whole program text) starts its log from that text, once; the grain state is then
    /// cleared (a crash in between clears it at the next activation: the log exists, so the text is not imported again).
    /// </summary>
    private async Task LoadAsync(RedisPartitionLog log)
    {
        string key = this.GetPrimaryKeyString();
        var stored = await log.LoadAsync(key).ConfigureAwait(true);
        if (stored is null && state.State.Program.Length > 0)
        {
            await log.ImportAsync(key, state.State.Program).ConfigureAwait(true);
            stored = await log.LoadAsync(key).ConfigureAwait(true);
        }
        if (state.RecordExists) await state.ClearStateAsync().ConfigureAwait(true);
        if (stored is null) return;
        var store = _own!;
        if (stored.Snapshot.Length > 0) store.Consult(stored.Snapshot, "partition " + key);
        foreach (var entry in stored.Changes)
        {
            var fact = Pwmk.Logic.Parsing.TermReader.ParseTerm(entry[1..], Pwmk.Logic.Parsing.OperatorTable.Default);
            if (entry[0] == '+') store.AssertFact(fact);
            else store.RetractFact(fact);
        }
        (_version, _base) = (stored.Version, stored.Base);
    }

    /// <summary>Commits the facts of the partition's grain state to the journal, then clears that state.</summary>
    private async Task ImportAsync()
    {
        var facts = new BeliefStore();
        facts.Consult(state.State.Program, "partition " + this.GetPrimaryKeyString());
        var changes = Facts(facts).Select(f => BeliefChange.Assert(Pwmk.Logic.Parsing.TermReader.ParseTerm(f, Pwmk.Logic.Parsing.OperatorTable.Default))).ToList();
        var outcomes = await _journal!.CommitAsync(changes, background: false).ConfigureAwait(true);
        if (outcomes.FirstOrDefault(o => o.Error is not null) is { } refused)
            throw new InvalidOperationException($"partition {this.GetPrimaryKeyString()}: the journal refused a fact of its earlier grain state: {refused.Error}");
        await state.ClearStateAsync().ConfigureAwait(true);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_view is not null) local.Remove(this.GetPrimaryKeyString(), _view);
        return Task.CompletedTask;
    }

    public async Task<FactOutcome[]> Apply(FactChange[] changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (_journal is not null) return await Commit(changes, background: false).ConfigureAwait(true);
        var outcomes = new FactOutcome[changes.Length];
        var done = new List<BeliefChange>();
        // direct readers ignore what they read from now until the change is durable (or undone)
        _view?.BeginChange();
        try
        {
            await ApplyDurably(changes, outcomes, done).ConfigureAwait(true);
        }
        finally
        {
            _view?.EndChange();
        }
        int count = _own!.FactCount;
        for (int i = 0; i < outcomes.Length; i++) outcomes[i] = outcomes[i] with { FactCount = count };
        return outcomes;
    }

    public async Task<FactOutcome[]> Commit(FactChange[] changes, bool background)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (_journal is null) throw new InvalidOperationException("this member keeps its partitions in grain storage, not in a journal: use Apply");
        var outcomes = new FactOutcome[changes.Length];
        var parsed = new List<BeliefChange>(changes.Length);
        var at = new List<int>(changes.Length);
        for (int i = 0; i < changes.Length; i++)
        {
            if (Parse(changes[i], out var fact) is { } bad)
            {
                outcomes[i] = bad;
                continue;
            }
            parsed.Add(new BeliefChange(changes[i].Assert ? BeliefChangeKind.Assert : BeliefChangeKind.Retract, fact!));
            at.Add(i);
        }
        if (parsed.Count == 0) return outcomes;
        // the journal orders this call's changes before those of any call that starts after this line
        var committed = await _journal.CommitAsync(parsed, background).ConfigureAwait(true);
        for (int j = 0; j < at.Count; j++) outcomes[at[j]] = committed[j];
        return outcomes;
    }

    /// <summary>The fact of <paramref name="change"/>, or an outcome naming its syntax error.</summary>
    private static FactOutcome? Parse(FactChange change, out Term? fact)
    {
        try
        {
            fact = Pwmk.Logic.Parsing.TermReader.ParseTerm(change.Fact, Pwmk.Logic.Parsing.OperatorTable.Default);
            return null;
        }
        catch (Pwmk.Logic.Parsing.SyntaxErrorException e)
        {
            fact = null;
            return new FactOutcome(false, 0, e.Message, e.Line, e.Column);
        }
    }

    private async Task ApplyDurably(FactChange[] changes, FactOutcome[] outcomes, List<BeliefChange> done)
    {
        var store = _own!;
        for (int i = 0; i < changes.Length; i++)
        {
            var c = changes[i];
            if (Parse(c, out var fact) is { } bad)
            {
                outcomes[i] = bad;
                continue;
            }
            try
            {
                bool changed = c.Assert ? store.AssertFact(fact!) : store.RetractFact(fact!);
                if (changed) done.Add(new BeliefChange(c.Assert ? BeliefChangeKind.Assert : BeliefChangeKind.Retract, fact!));
                outcomes[i] = new FactOutcome(changed, 0, null);
            }
            catch (BeliefStoreException e)
            {
                outcomes[i] = new FactOutcome(false, 0, e.Message, e.Line, e.Column);
            }
        }
        if (done.Count > 0 && _log is not null) await AppendAsync(_log, done).ConfigureAwait(true);
        else if (done.Count > 0)
        {
            string before = state.State.Program;
            state.State.Program = store.ToProgramText();
            try
            {
                await state.WriteStateAsync().ConfigureAwait(true);
            }
            catch
            {
                // not durable: undo, so what readers see is what storage holds
                state.State.Program = before;
                Undo(done);
                throw;
            }
        }
    }

    /// <summary>Takes back <paramref name="done"/> (applied to the store, not made durable), last first.</summary>
    private void Undo(List<BeliefChange> done)
    {
        for (int i = done.Count - 1; i >= 0; i--)
        {
            if (done[i].Kind == BeliefChangeKind.Assert) _own!.RetractFact(done[i].Fact);
            else _own!.AssertFact(done[i].Fact);
        }
    }

    /// <summary>
    /// Appends the changes to the partition's Redis log, if no other activation wrote since this one's last write. On any
    /// failure the changes are undone and the activation goes away (a write whose answer was lost may be in Redis: the next
    /// activation reads what Redis holds).
    /// </summary>
    private async Task AppendAsync(RedisPartitionLog log, List<BeliefChange> done)
    {
        var entries = done.Select(c => (c.Kind == BeliefChangeKind.Assert ? "+" : "-") + c.Fact.ToString()).ToList();
        try
        {
            _version = await log.AppendAsync(this.GetPrimaryKeyString(), _version, entries).ConfigureAwait(true);
            if (_view is not null) _view.LogVersion = _version; // inside the change's window: readers see both or neither
        }
        catch
        {
            Undo(done);
            DeactivateOnIdle();
            throw;
        }
        if (!_compacting && _version - _base >= Math.Max(CompactAfter, _own!.FactCount)) _ = CompactAsync(log, _version, _own.ToProgramText());
    }

    /// <summary>
    /// Replaces the partition's snapshot in Redis by <paramref name="program"/> (the partition at <paramref name="version"/>)
    /// and drops the changes it covers. Runs after the write that made it due is acknowledged; it is due only once the log
    /// holds as many changes as the partition has facts, so its cost, spread over those writes, stays constant per write.
    /// A failure leaves the log as it was (it is retried after the next write).
    /// </summary>
    private async Task CompactAsync(RedisPartitionLog log, long version, string program)
    {
        _compacting = true;
        try
        {
            if (await log.CompactAsync(this.GetPrimaryKeyString(), version, program).ConfigureAwait(true)) _base = Math.Max(_base, version);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            CompactionFailed(logger, this.GetPrimaryKeyString(), e);
        }
        finally
        {
            _compacting = false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "partition {Partition}: compacting its Redis log failed (retried after its next write)")]
    private static partial void CompactionFailed(ILogger logger, string partition, Exception e);

    public async Task<string[]> Facts(string[] patterns)
    {
        var facts = FactsNow(patterns);
        // a Redis cluster's partition answers only while it holds the version Redis holds: during a membership change a
        // second activation may have written (its writes refused this one's); this one then goes, and the next is current
        if (_log is not null && (await _log.CheckAsync(this.GetPrimaryKeyString(), []).ConfigureAwait(true)).Version is var stored && stored != _version)
        {
            DeactivateOnIdle();
            throw new InvalidOperationException($"partition {this.GetPrimaryKeyString()} is at version {_version}, Redis holds {stored} (another activation wrote it); it is being replaced");
        }
        return facts;
    }

    private string[] FactsNow(string[] patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Length == 0) return AllFacts();
        // group the patterns by predicate; each group answered in the store's clause order
        var groups = new Dictionary<(string, int), List<Term>>();
        foreach (var p in patterns)
        {
            var t = Pwmk.Logic.Parsing.TermReader.ParseTerm(p, Pwmk.Logic.Parsing.OperatorTable.Default);
            var key = t switch { Compound c => (c.Functor, c.Arity), Atom a => (a.Name, 0), _ => ("", -1) };
            if (key.Item2 < 0) return AllFacts();
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(t);
        }
        var result = new List<string>();
        foreach (var ((name, arity), list) in groups)
        {
            Term general = arity == 0 ? new Atom(name) : new Compound(name, Enumerable.Range(0, arity).Select(i => (Term)new Variable("A" + i)).ToArray());
            var t = new Variable("T");
            Term alternatives = new Compound("=", t, list[^1]);
            for (int i = list.Count - 2; i >= 0; i--) alternatives = new Compound(";", new Compound("=", t, list[i]), alternatives);
            var goal = new Compound(",", new Compound("=", t, general),
                new Compound(",", new Compound("catch", new Compound("call", t), new Variable("_"), new Atom("fail")), new Compound("once", alternatives)));
            var r = Store.Query(goal, [new("T", t)], s_all);
            foreach (var s in r.Solutions)
                if (Mine(s.Bindings[0].Value)) result.Add(s.Bindings[0].Value.ToString());
        }
        return [.. result];
    }

    private static readonly QueryOptions s_all = new() { MaxSolutions = int.MaxValue, Timeout = TimeSpan.FromSeconds(30), MaxInferences = long.MaxValue };

    private string[] AllFacts() =>
        [.. Facts(Store).Where(f => Mine(Pwmk.Logic.Parsing.TermReader.ParseTerm(f, Pwmk.Logic.Parsing.OperatorTable.Default)))];

    /// <summary>True when <paramref name="fact"/> is this partition's (the journal's store holds every partition's facts).</summary>
    private bool Mine(Term fact) => _journal is null || BeliefPartitions.Of(fact) == this.GetPrimaryKeyString();

    /// <summary>Every fact of <paramref name="store"/>: its beliefs, then its world facts, each in clause order.</summary>
    internal static IEnumerable<string> Facts(BeliefStore store)
    {
        var reader = new Pwmk.Logic.Parsing.TermReader(store.ToProgramText(), Pwmk.Logic.Parsing.OperatorTable.Default);
        var lines = new List<string>();
        while (reader.ReadClause() is { } clause)
            if (clause.Term is not Compound { Functor: ":-", Arity: 1 }) lines.Add(clause.Term.ToString());
        return lines;
    }
}
