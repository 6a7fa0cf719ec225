using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;
using Pwmk.Server.Persistence;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Simulation;

/// <summary>
/// The server's belief store as the background simulation's agents see it: reads go to the store (its query interface),
/// belief changes go through the agents' belief partitions (<see cref="DurableBeliefStore.SimulationRoute"/>), which
/// commit them to the journal (batched fsync), and are applied before the next step reads them.
/// <para>
/// The simulation owns the beliefs of its agents: when it starts (fresh or resumed) it withdraws every belief of those
/// agents left in the store (by an earlier run, or written through the API), then the store follows its tracker change by
/// change. While the journal cannot be written (disk full, read-only state directory) the changes wait here, in order, and
/// go out with the next step's once it can; the simulation keeps running meanwhile (its agents then read a store that
/// lags behind what they saw) and <see cref="Failing"/> says so. Waiting changes are compacted to the last change of each
/// fact (a store of ground facts is a set, so that is the same end state).
/// </para>
/// </summary>
internal sealed class SimulationBeliefs(DurableBeliefStore durable, ILogger log) : IBeliefStore
{
    private const int CompactAbove = 100_000;
    private readonly List<BeliefChange> _waiting = [];
    private IBeliefStore Store => durable.Store;

    /// <summary>True while belief changes cannot be journaled and wait in memory.</summary>
    public bool Failing { get; private set; }

    /// <summary>Changes waiting for the journal.</summary>
    public int Waiting => _waiting.Count;

    public bool Contains(Term fact) => Store.Contains(fact);

    public IEnumerable<Term> Query(Term pattern) => Store.Query(pattern);

    public int Count => Store.Count;

    public async ValueTask ApplyAsync(IReadOnlyList<BeliefChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        _waiting.AddRange(changes);
        try
        {
            var commit = durable.SimulationRoute is { } route ? route(_waiting) : durable.CommitAsync(_waiting, simulation: true);
            await commit.WaitAsync(cancellationToken).ConfigureAwait(false);
            _waiting.Clear();
            if (Failing) log.BeliefsJournaledAgain();
            Failing = false;
        }
        catch (Exception e) when (e is StateUnavailableException or ClusterUnavailableException)
        {
            if (!Failing) log.BeliefsWaiting(e.Message, _waiting.Count);
            Failing = true;
            if (_waiting.Count > CompactAbove) Compact();
        }
    }

    /// <summary>Withdraws every belief of <paramref name="agents"/> from the store (the simulation owns them).</summary>
    public async Task WithdrawBeliefsOfAsync(IEnumerable<string> agents)
    {
        var retract = new List<BeliefChange>();
        foreach (var agent in agents)
            foreach (var fact in Store.Query(new Compound("believes", new Atom(agent), new Variable("_"))))
                retract.Add(BeliefChange.Retract(fact));
        if (retract.Count == 0) return;
        log.WithdrawingBeliefs(retract.Count);
        await ApplyAsync(retract).ConfigureAwait(false);
    }

    private void Compact()
    {
        var last = new Dictionary<Term, int>();
        for (int i = 0; i < _waiting.Count; i++) last[_waiting[i].Fact] = i;
        var kept = new List<BeliefChange>(last.Count);
        for (int i = 0; i < _waiting.Count; i++)
            if (last[_waiting[i].Fact] == i) kept.Add(_waiting[i]);
        _waiting.Clear();
        _waiting.AddRange(kept);
    }
}
