using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Agents;

/// <summary>
/// An agent with nested beliefs (what it believes, what it believes others believe, ... to <c>tomDepth</c>) and a policy
/// choosing its actions. Its policies read those beliefs through a belief store's query interface
/// (<see cref="Store"/>, <see cref="IBeliefStore"/>):
/// <list type="bullet">
/// <item>given a store (as a simulation does: one perspective tracker feeds it the beliefs of every chain, from the events
/// each agent witnessed), the agent reads its own chains there; <see cref="UpdateBeliefs"/> only records the observation;</item>
/// <item>without one, the agent keeps its own mind: a tracker of the chains that start with itself, fed by the events of
/// the observations it receives, writes into a private <see cref="InMemoryBeliefStore"/>.</item>
/// </list>
/// With an <see cref="IToMPolicy"/> (for example <see cref="PlanningPolicy"/>) that policy decides, or returns -1 to leave
/// the decision to the environment's built-in heuristic (<see cref="PerspectiveEnv.HeuristicAction"/>). Everything is
/// deterministic given <c>seed</c>.
/// </summary>
public sealed class ToMAgent : IAgentBeliefs
{
    private static System.Diagnostics.ActivitySource Telemetry => CoreDiagnostics.Source;
    private readonly IBeliefStore? _shared;
    private PerspectiveEnv? _bound;
    private PerspectiveTracker? _mind;
    private InMemoryBeliefStore? _own;
    private readonly List<BeliefChange> _changes = [];
    private Random _rng;
    private readonly int _seed;

    /// <summary>An agent bound to an environment now; with <paramref name="beliefs"/> it reads its beliefs there.</summary>
    public ToMAgent(PerspectiveEnv env, string id, int tomDepth = 2, IToMPolicy? policy = null, int seed = 0, IBeliefStore? beliefs = null)
        : this(id, tomDepth, policy, seed)
    {
        ArgumentNullException.ThrowIfNull(env);
        _shared = beliefs;
        Bind(env);
    }

    /// <summary>An agent with a mind of its own that binds to the environment of the first observation it receives.</summary>
    public ToMAgent(string id, int tomDepth = 2, IToMPolicy? policy = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (tomDepth < 1 || tomDepth > BeliefChain.MaxDepth)
            throw new ArgumentOutOfRangeException(nameof(tomDepth), tomDepth, $"ToM depth must be between 1 and {BeliefChain.MaxDepth}");
        Id = id;
        TomDepth = tomDepth;
        Policy = policy;
        _seed = seed;
        _rng = new Random(seed);
    }

    private void Bind(PerspectiveEnv env)
    {
        _bound = env;
        AgentId = env.AgentId(Id);
        if (_shared is null)
        {
            _own = new InMemoryBeliefStore();
            _mind = new PerspectiveTracker(env.Vocabulary, TomDepth, perspectiveOf: AgentId) { ChangeLog = _changes };
        }
        _rng = new Random(_seed ^ (AgentId * 7919));
    }

    /// <summary>The agent's name.</summary>
    public string Id { get; }

    /// <summary>The agent's id in its environment (-1 before it is bound).</summary>
    public int AgentId { get; private set; } = -1;

    /// <summary>Deepest nesting of the beliefs it reasons with.</summary>
    public int TomDepth { get; }

    /// <summary>The policy that decides first, if any.</summary>
    public IToMPolicy? Policy { get; }

    /// <summary>The environment the agent acts in.</summary>
    public PerspectiveEnv Environment => _bound ?? throw new InvalidOperationException($"agent '{Id}' has not received an observation yet");

    /// <summary>The store its beliefs are read from: the one it was given, or its own mind's.</summary>
    public IBeliefStore Store => _shared ?? _own ?? throw new InvalidOperationException($"agent '{Id}' has not received an observation yet");

    /// <summary>The last observation received.</summary>
    public Observation? LastObservation { get; private set; }

    /// <summary>Records an observation; an agent with a mind of its own folds its events into its nested beliefs.</summary>
    public void UpdateBeliefs(Observation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (_bound is null) Bind(observation.Environment);
        else if (!ReferenceEquals(_bound, observation.Environment)) throw new ArgumentException($"observation from another environment given to '{Id}'", nameof(observation));
        if (observation.AgentId != AgentId) throw new ArgumentException($"observation of '{observation.Agent}' given to '{Id}'", nameof(observation));
        LastObservation = observation;
        if (_mind is null || observation.Events.Count == 0) return;
        using var span = Telemetry.StartActivity("belief_update");
        span?.SetTag("component", "tom_agent");
        span?.SetTag("agent.id", Id);
        span?.SetTag("events", observation.Events.Count);
        foreach (var e in observation.Events) _mind.Observe(e);
        _own!.Apply(_changes);
        _changes.Clear();
    }

    /// <summary>The value id that the chain (outermost first; it must start with this agent) believes the fluent has, or -1.</summary>
    public int Belief(ReadOnlySpan<int> chain, int fluent) => BeliefQueries.ValueOf(Store, Environment.Vocabulary, chain, fluent);

    /// <inheritdoc/>
    public int BelievedValue(ReadOnlySpan<int> others, int fluent)
    {
        Span<int> chain = stackalloc int[others.Length + 1];
        chain[0] = AgentId;
        others.CopyTo(chain[1..]);
        return Belief(chain, fluent);
    }

    /// <summary>What this agent believes the fluent's value is (through <paramref name="others"/>: what it believes they believe), or null.</summary>
    public Term? Believes(int fluent, params string[] others)
    {
        var ids = new int[others.Length];
        for (int i = 0; i < others.Length; i++) ids[i] = Environment.AgentId(others[i]);
        return this.BelievedTerm(Environment.Vocabulary, fluent, ids);
    }

    /// <summary>Chooses the next action (an index in the agent's action space): the policy's, else the environment's heuristic.</summary>
    public int ActWithTom()
    {
        if (Policy is not null)
        {
            int chosen = Policy.ChooseAction(this);
            if (chosen >= 0) return chosen;
        }
        return Environment.HeuristicAction(AgentId, this, _rng);
    }
}
