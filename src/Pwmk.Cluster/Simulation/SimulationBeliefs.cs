using Microsoft.Extensions.Logging;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Terms;

namespace Pwmk.Cluster.Simulation;

/// <summary>
/// The names a simulation's agents have in the cluster's belief partitions. The background simulation (the one a server
/// starts, <see cref="BackgroundId"/>) keeps its agents' own names (<c>believes(agent_0, ...)</c>), as plain serve always
/// wrote them; every other simulation's agents are named after the simulation (<c>csim_0a1b2c3d4e5f_agent_0</c>, the id with
/// '_' for '-'), everywhere its facts name them, so two simulations never write the same agent's partition.
/// </summary>
public static class SimulationNames
{
    /// <summary>The well-known id of the background simulation (one per cluster).</summary>
    public const string BackgroundId = "sim-1";

    /// <summary>The name <paramref name="agent"/> of simulation <paramref name="simulation"/> has in the belief partitions.</summary>
    public static string BeliefName(string simulation, string agent) =>
        simulation == BackgroundId ? agent : simulation.Replace('-', '_') + "_" + agent;
}

/// <summary>
/// The beliefs of a simulation's agents: they read their own store (what they saw, applied at once), and every change also
/// goes, in order, to the cluster's belief partitions (<see cref="ClusterBeliefs"/>, by the journal's batched policy for
/// simulation writes), under the agents' names there (<see cref="SimulationNames"/>), so the belief API answers about them
/// on any member. One path for every simulation, wherever it runs.
/// <para>
/// The simulation owns its agents' beliefs: when it starts (fresh or resumed) it withdraws every belief of those agents
/// left in the partitions (by an earlier run, or written through the API). While the partitions cannot take the changes
/// (journal not writable, storage unreachable) they wait here, in order, and go out with the next step's; the simulation
/// keeps running and <see cref="Failing"/> says so. Waiting changes are compacted to the last change of each fact (a store
/// of ground facts is a set, so that is the same end state).
/// </para>
/// </summary>
internal sealed class SimulationBeliefs(ClusterBeliefs cluster, string simulation, ILogger log) : ISimulationBeliefs
{
    private const int CompactAbove = 100_000;
    private readonly InMemoryBeliefStore _mind = new();
    private readonly List<BeliefChange> _waiting = [];
    private Dictionary<string, Atom>? _names;

    /// <summary>True while belief changes cannot be written to the partitions and wait in memory.</summary>
    public bool Failing { get; private set; }

    /// <summary>Changes waiting for the partitions.</summary>
    public int Waiting => _waiting.Count;

    public bool Contains(Term fact) => _mind.Contains(fact);

    public IEnumerable<Term> Query(Term pattern) => _mind.Query(pattern);

    public int Count => _mind.Count;

    /// <summary>Sets the simulation's agents (before its loop starts): their facts are renamed for the partitions when the simulation is not the background one.</summary>
    public void NameAgents(IEnumerable<string> agents)
    {
        if (simulation == SimulationNames.BackgroundId) return;
        _names = agents.ToDictionary(a => a, a => new Atom(SimulationNames.BeliefName(simulation, a)), StringComparer.Ordinal);
    }

    public async ValueTask ApplyAsync(IReadOnlyList<BeliefChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        _mind.Apply(changes);
        if (_names is null) _waiting.AddRange(changes);
        else foreach (var c in changes) _waiting.Add(new BeliefChange(c.Kind, Rename(c.Fact)));
        await SendAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        try
        {
            await cluster.ApplyAsync(_waiting, background: true).WaitAsync(cancellationToken).ConfigureAwait(false);
            _waiting.Clear();
            if (Failing) log.LogInformation("simulation {Id}: belief changes are written to the partitions again", simulation);
            Failing = false;
        }
        catch (ClusterUnavailableException e)
        {
            if (!Failing) log.LogError("simulation {Id}: belief changes cannot be written ({Reason}); {Count} wait in memory and go out with the next step's", simulation, e.Message, _waiting.Count);
            Failing = true;
            if (_waiting.Count > CompactAbove) Compact();
        }
    }

    /// <summary>
    /// Withdraws every belief of <paramref name="agents"/> from the partitions (the simulation owns them). While the
    /// partitions cannot be read it tries again, less and less often, until <paramref name="cancellationToken"/>: a simulation
    /// re-activated while the cluster's partitions move starts once they answer.
    /// </summary>
    public async Task WithdrawBeliefsOfAsync(IEnumerable<string> agents, CancellationToken cancellationToken = default)
    {
        var retract = new List<BeliefChange>();
        var options = new QueryOptions { MaxSolutions = int.MaxValue, Timeout = TimeSpan.FromSeconds(30) };
        var wait = TimeSpan.FromMilliseconds(250);
        foreach (var agent in agents)
        {
            var name = _names?.GetValueOrDefault(agent) ?? new Atom(agent);
            while (true)
            {
                try
                {
                    var found = await cluster.QueryAsync($"believes({name}, F)", options, cancellationToken).ConfigureAwait(false);
                    foreach (var s in found.Solutions) retract.Add(BeliefChange.Retract(new Compound("believes", name, s["F"])));
                    break;
                }
                catch (ClusterUnavailableException e)
                {
                    log.LogWarning("simulation {Id}: the beliefs its agents held before cannot be read ({Reason}); it starts once they can (next try in {Wait} ms)",
                        simulation, e.Message, wait.TotalMilliseconds);
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
            }
        }
        if (retract.Count == 0) return;
        log.LogInformation("simulation {Id}: withdrawing {Count} beliefs its agents held before it started", simulation, retract.Count);
        _waiting.AddRange(retract);
        await SendAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="fact"/> with the simulation's agents renamed wherever they occur. Recursion is bounded by the nesting
    /// of a simulation's facts (its ToM depth, validated small, plus the fluent), not by user data.
    /// </summary>
    private Term Rename(Term fact) => fact switch
    {
        Atom a when _names!.TryGetValue(a.Name, out var renamed) => renamed,
        Compound c => new Compound(c.Functor, [.. c.Args.Select(Rename)]),
        _ => fact,
    };

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
