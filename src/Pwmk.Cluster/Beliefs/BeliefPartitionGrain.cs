using Orleans.Concurrency;
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

/// <summary>Persisted state of a partition: its facts as the store's own program text.</summary>
[GenerateSerializer, Alias("pwmk.partition-state")]
public sealed class PartitionState
{
    /// <summary>The facts, as <see cref="BeliefStore.ToProgramText"/> writes them.</summary>
    [Id(0)] public string Program { get; set; } = "";
}

/// <summary>
/// A partition's facts in a <see cref="BeliefStore"/> (which validates them as the single-process store does), written
/// through to grain storage before a change is acknowledged. Calls run one at a time (read-only ones side by side), so a
/// read never sees a change that is not yet durable.
/// </summary>
internal sealed class BeliefPartitionGrain(
    [PersistentState("partition", ClusterHosting.Storage)] IPersistentState<PartitionState> state, LocalPartitions local) : Grain, IBeliefPartitionGrain
{
    private readonly BeliefStore _store = local.NewStore();
    private PartitionView? _view;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Program.Length > 0) _store.Consult(state.State.Program, "partition " + this.GetPrimaryKeyString());
        // readers on this member may now query the store directly (see LocalPartitions)
        _view = new PartitionView(_store);
        local.Add(this.GetPrimaryKeyString(), _view);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_view is not null) local.Remove(this.GetPrimaryKeyString(), _view);
        return Task.CompletedTask;
    }

    public async Task<FactOutcome[]> Apply(FactChange[] changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
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
        int count = _store.FactCount;
        for (int i = 0; i < outcomes.Length; i++) outcomes[i] = outcomes[i] with { FactCount = count };
        return outcomes;
    }

    private async Task ApplyDurably(FactChange[] changes, FactOutcome[] outcomes, List<BeliefChange> done)
    {
        for (int i = 0; i < changes.Length; i++)
        {
            var c = changes[i];
            try
            {
                var fact = Pwmk.Logic.Parsing.TermReader.ParseTerm(c.Fact, Pwmk.Logic.Parsing.OperatorTable.Default);
                bool changed = c.Assert ? _store.AssertFact(fact) : _store.RetractFact(fact);
                if (changed) done.Add(new BeliefChange(c.Assert ? BeliefChangeKind.Assert : BeliefChangeKind.Retract, fact));
                outcomes[i] = new FactOutcome(changed, 0, null);
            }
            catch (Exception e) when (e is BeliefStoreException or Pwmk.Logic.Parsing.SyntaxErrorException)
            {
                var (line, column) = e is BeliefStoreException b ? (b.Line, b.Column) : e is Pwmk.Logic.Parsing.SyntaxErrorException s ? (s.Line, s.Column) : (0, 0);
                outcomes[i] = new FactOutcome(false, 0, e.Message, line, column);
            }
        }
        if (done.Count > 0)
        {
            string before = state.State.Program;
            state.State.Program = _store.ToProgramText();
            try
            {
                await state.WriteStateAsync().ConfigureAwait(true);
            }
            catch
            {
                // not durable: undo, so what readers see is what storage holds
                state.State.Program = before;
                for (int i = done.Count - 1; i >= 0; i--)
                {
                    if (done[i].Kind == BeliefChangeKind.Assert) _store.RetractFact(done[i].Fact);
                    else _store.AssertFact(done[i].Fact);
                }
                throw;
            }
        }
    }

    public Task<string[]> Facts(string[] patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Length == 0) return Task.FromResult(AllFacts());
        // group the patterns by predicate; each group answered in the store's clause order
        var groups = new Dictionary<(string, int), List<Term>>();
        foreach (var p in patterns)
        {
            var t = Pwmk.Logic.Parsing.TermReader.ParseTerm(p, Pwmk.Logic.Parsing.OperatorTable.Default);
            var key = t switch { Compound c => (c.Functor, c.Arity), Atom a => (a.Name, 0), _ => ("", -1) };
            if (key.Item2 < 0) return Task.FromResult(AllFacts());
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
            var r = _store.Query(goal, [new("T", t)], s_all);
            foreach (var s in r.Solutions) result.Add(s.Bindings[0].Value.ToString());
        }
        return Task.FromResult(result.ToArray());
    }

    private static readonly QueryOptions s_all = new() { MaxSolutions = int.MaxValue, Timeout = TimeSpan.FromSeconds(30), MaxInferences = long.MaxValue };

    private string[] AllFacts() => [.. Facts(_store)];

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
