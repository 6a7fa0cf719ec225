using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pwmk.Core.Perspective;

namespace Pwmk.Core.Environments;

/// <summary>
/// Base class of partially observable multi-agent environments (PettingZoo parallel API).
/// A subclass sets the world up in <see cref="OnReset"/>, applies joint actions in <see cref="OnStep"/>,
/// fills each agent's observation vector in <see cref="FillObservation"/>, draws itself in
/// <see cref="Render"/>, and reports every change it makes with <see cref="Emit"/> together with the
/// agents that witnessed it. The base class feeds those events to a <see cref="PerspectiveTracker"/>,
/// keeps the history for <see cref="GetBeliefGroundTruth"/>, and hands each agent its witnessed events.
/// Everything is deterministic given the seed of <see cref="Reset"/>.
/// </summary>
public abstract class PerspectiveEnv
{
    internal static ActivitySource Activity => CoreDiagnostics.Source;

    /// <summary>
    /// Name of the span of one step. Start it from ActivitySource "Pwmk" around a whole simulation step and the
    /// environment annotates it (<c>env.type</c>, <c>env.num_agents</c>, <c>env.step</c>) instead of nesting its own.
    /// </summary>
    public const string StepSpanName = "env_step";
    internal static Meter Meter => CoreDiagnostics.Meter;
    // witnessed events, summed here and read when a listener collects (no per-step measurement call)
    private static long s_eventCount;
    private static readonly ObservableCounter<long> s_events = Meter.CreateObservableCounter("pwmk.perspective.events",
        () => Interlocked.Read(ref s_eventCount), description: "witnessed events tracked");

    private readonly Dictionary<string, int> _index = [];
    private readonly List<BeliefEvent> _history = [];
    private readonly List<BeliefEvent> _stepEvents = [];
    private readonly int[] _actions;
    private readonly float[] _returns;
    private readonly StepResult _result;
    private bool _needsReset = true;

    /// <param name="agents">Agent names (distinct, at most 64).</param>
    /// <param name="beliefDepth">Nesting depth k of tracked beliefs (1..10).</param>
    /// <param name="trackBeliefs">When false, events are still emitted but no tracker runs.</param>
    protected PerspectiveEnv(IReadOnlyList<string> agents, int beliefDepth = 2, bool trackBeliefs = true)
    {
        ArgumentNullException.ThrowIfNull(agents);
        if (agents.Count == 0) throw new ArgumentException("an environment needs at least one agent", nameof(agents));
        Vocabulary = new BeliefVocabulary();
        for (int i = 0; i < agents.Count; i++)
        {
            if (!_index.TryAdd(agents[i], i)) throw new ArgumentException($"duplicate agent name '{agents[i]}'", nameof(agents));
            Vocabulary.Agent(agents[i]);
        }
        Agents = agents;
        BeliefDepth = beliefDepth;
        Tracker = trackBeliefs ? new PerspectiveTracker(Vocabulary, beliefDepth) : null;
        _actions = new int[agents.Count];
        _returns = new float[agents.Count];
        _result = new StepResult(agents, _index);
        Sight = new ulong[agents.Count];
    }

    /// <summary>Agent names; agent ids are their positions in this list.</summary>
    public IReadOnlyList<string> Agents { get; }

    /// <summary>Agents, fluents and values of this world's beliefs.</summary>
    public BeliefVocabulary Vocabulary { get; }

    /// <summary>Nesting depth k of tracked beliefs.</summary>
    public int BeliefDepth { get; }

    /// <summary>The tracker fed with every event (null when tracking is off).</summary>
    public PerspectiveTracker? Tracker { get; }

    /// <summary>When true (default) every event is kept for <see cref="GetBeliefGroundTruth"/>.</summary>
    public bool RecordHistory { get; set; } = true;

    /// <summary>Events since the last reset (when <see cref="RecordHistory"/> is on).</summary>
    public IReadOnlyList<BeliefEvent> History => _history;

    /// <summary>Steps taken since the last reset.</summary>
    public int StepCount { get; private set; }

    /// <summary>The random source seeded by <see cref="Reset"/>, made on first use (a world that draws nothing, as a
    /// replayed ToMi story, does not pay for seeding one).</summary>
    protected Random Rng => _rng ??= new Random(_seed);

    private Random? _rng;
    private int _seed;

    /// <summary>Who sees whom right now: Sight[a] is a mask of agent ids. Replace (do not mutate) when it changes.</summary>
    protected ulong[] Sight { get; set; }

    public int AgentId(string agent) =>
        _index.TryGetValue(agent, out int i) ? i : throw new ArgumentException($"unknown agent '{agent}'", nameof(agent));

    public abstract Space ObservationSpace(string agent);
    public abstract DiscreteSpace ActionSpace(string agent);

    /// <summary>Starts a new episode; returns each agent's first observation and infos.</summary>
    public StepResult Reset(int seed)
    {
        using var span = Activity.StartActivity("pwmk.env.reset");
        _seed = seed;
        _rng = null;
        StepCount = 0;
        _history.Clear();
        Tracker?.Clear();
        _stepEvents.Clear();
        OnReset();
        _needsReset = false;
        Array.Clear(_returns);
        Array.Clear(_result.Rewards.Items);
        Array.Clear(_result.Terminations.Items);
        Array.Clear(_result.Truncations.Items);
        return Finish();
    }

    /// <summary>Applies one joint action (agents missing from the map take action 0, "no-op").</summary>
    public StepResult Step(IReadOnlyDictionary<string, int> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        Array.Clear(_actions);
        foreach (var (agent, action) in actions)
        {
            int id = AgentId(agent);
            if (!ActionSpace(agent).Contains(action))
                throw new ArgumentOutOfRangeException(nameof(actions), action, $"action {action} of agent '{agent}' is outside {ActionSpace(agent)}");
            _actions[id] = action;
        }
        return StepCore(_actions);
    }

    /// <summary>Applies one joint action given by agent id (allocation-free path).</summary>
    public StepResult Step(ReadOnlySpan<int> actions)
    {
        if (actions.Length != Agents.Count) throw new ArgumentException($"expected {Agents.Count} actions, got {actions.Length}", nameof(actions));
        for (int i = 0; i < actions.Length; i++)
            if (!ActionSpace(Agents[i]).Contains(actions[i]))
                throw new ArgumentOutOfRangeException(nameof(actions), actions[i], $"action {actions[i]} of agent '{Agents[i]}' is outside {ActionSpace(Agents[i])}");
        return StepCore(actions);
    }

    private System.Diagnostics.Metrics.Histogram<double>? _stepDuration;

    private StepResult StepCore(ReadOnlySpan<int> actions)
    {
        if (_needsReset) throw new InvalidOperationException("call Reset before Step");
        if (_result.Done) throw new InvalidOperationException("the episode is over; call Reset");
        // A caller that groups a whole simulation step (agents deciding, the transition, belief updates) under its
        // own "env_step" span gets that span annotated; otherwise the step is its own span.
        var outer = System.Diagnostics.Activity.Current;
        bool reuse = outer is { OperationName: StepSpanName } && outer.Source.Name == Activity.Name;
        using var own = reuse ? null : Activity.StartActivity(StepSpanName);
        var span = reuse ? outer : own;
        var stepDuration = _stepDuration ??= EnvTelemetry.StepDuration(EnvType, Agents.Count);
        long start = span is not null || stepDuration.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        StepCount++;
        Array.Clear(_result.Rewards.Items);
        OnStep(actions, _result.Rewards.Items, _result.Terminations.Items, _result.Truncations.Items);
        var result = Finish();
        var rewards = _result.Rewards.Items;
        for (int i = 0; i < rewards.Length; i++) _returns[i] += rewards[i];
        if (span is not null)
        {
            span.SetTag("env.type", EnvType);
            span.SetTag("env.num_agents", Agents.Count);
            span.SetTag("env.step", StepCount);
        }
        if (start != 0) stepDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds);
        if (result.Done && EnvTelemetry.EpisodeEnabled)
        {
            bool success = Array.IndexOf(_result.Terminations.Items, true) >= 0;
            EnvTelemetry.RecordEpisode(EnvType, success, StepCount, Agents, _returns);
        }
        return result;
    }

    /// <summary>The environment's kind for telemetry labels (its type name, <c>RoomsWorld</c>, <c>HideAndSeek</c>...).</summary>
    protected internal virtual string EnvType => GetType().Name;

    /// <summary>What every agent should believe (to <see cref="BeliefDepth"/>) from what it witnessed, by replaying the history.</summary>
    public BeliefGroundTruth GetBeliefGroundTruth() => BeliefGroundTruth.FromHistory(Vocabulary, BeliefDepth, _history);

    /// <summary>Draws the world as text: everything, or only what <paramref name="agent"/> sees (the rest hidden).</summary>
    public abstract string Render(string? agent = null);

    /// <summary>
    /// Draws an <paramref name="n"/> x <paramref name="n"/> grid row by row: <paramref name="cell"/> gives each cell's
    /// character, and cells the viewer cannot see (when <paramref name="visible"/> is given) are '?'.
    /// </summary>
    private protected static string RenderGrid(int n, bool[]? visible, Func<int, char> cell)
    {
        var sb = new System.Text.StringBuilder(n * (n + 1));
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                int c = y * n + x;
                sb.Append(visible is not null && !visible[c] ? '?' : cell(c));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The action <paramref name="agent"/> takes when no policy decides, from what it believes: the environment's own
    /// documented heuristic (by default a random action). Deterministic given <paramref name="rng"/>.
    /// </summary>
    public virtual int HeuristicAction(int agent, IAgentBeliefs beliefs, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return ActionSpace(Agents[agent]).Sample(rng);
    }

    /// <summary>
    /// What <paramref name="agent"/> pursues in a simulation of this environment, given what it believes, as a goal for
    /// the epistemic planner (PWMK goal syntax, e.g. <c>believes(agent_1, at(key, blue_box))</c>); null when it has
    /// nothing to plan for now (the default).
    /// </summary>
    public virtual string? AgentGoal(int agent, IAgentBeliefs beliefs) => null;

    /// <summary>Sets the world up from <see cref="Rng"/> and emits the initial sightings.</summary>
    protected abstract void OnReset();

    /// <summary>Applies joint actions by agent id; writes rewards, terminations, truncations.</summary>
    protected abstract void OnStep(ReadOnlySpan<int> actions, float[] rewards, bool[] terminations, bool[] truncations);

    /// <summary>Writes one agent's observation vector (cleared beforehand).</summary>
    protected abstract void FillObservation(int agent, float[] vector);

    /// <summary>
    /// Reports a change or sighting of a fluent's value witnessed by <paramref name="witnesses"/>, seen
    /// under the current <see cref="Sight"/>. Events emitted between steps (narration) reach the
    /// witnesses' observations at the next step.
    /// </summary>
    protected void Emit(int fluent, int value, ulong witnesses) => Record(new BeliefEvent(fluent, value, witnesses, Sight));

    /// <summary>Who trusts whom when an agent speaks (common knowledge among the hearers); default: every listener trusts every speaker.</summary>
    public ITrustPolicy Trust
    {
        get;
        set => field = value ?? throw new ArgumentNullException(nameof(value), "a trust policy is required (ITrustPolicy.Nobody: nobody believes what is said)");
    } = ITrustPolicy.Everyone;

    /// <summary>Which belief chains take what is said; default <see cref="CommunicationRules.Faithful"/> (Hi-ToM's R3, R4).</summary>
    public CommunicationRules Communication
    {
        get;
        set => field = value ?? throw new ArgumentNullException(nameof(value), "communication rules are required");
    } = CommunicationRules.Faithful;

    /// <summary>
    /// Reports a claim, true or not: <paramref name="speaker"/> says the fluent has the value, heard by
    /// <paramref name="hearers"/> (the speaker included); publicly (every hearer knows who heard it) or privately.
    /// <see cref="Trust"/> decides who believes the speaker, <see cref="Communication"/> which chains take it.
    /// </summary>
    protected void EmitClaim(int speaker, int fluent, int value, ulong hearers, bool isPublic)
    {
        hearers |= 1UL << speaker;
        var claim = new ClaimEvent(speaker, fluent, value, hearers, Trust.Trusting(speaker, hearers) & hearers & ~(1UL << speaker), isPublic);
        Record(BeliefEvent.Of(claim, Communication));
    }

    private void Record(in BeliefEvent e)
    {
        if (_simulated is not null)
        {
            _simulated.Add(e);
            return;
        }
        _stepEvents.Add(e);
        if (RecordHistory) _history.Add(e);
        Tracker?.Observe(e);
    }

    // ---- Planning support: the epistemic planner steps a copy of the world (a simulator) through the
    // subclass's own OnStep and reads the events it emits, so its witness prediction is the
    // environment's own perspective rule. Subclasses opt in by overriding the members below.

    private List<BeliefEvent>? _simulated;
    private float[]? _simRewards;
    private bool[]? _simTerminations, _simTruncations;
    private int[]? _simJoint;

    /// <summary>A copy of this world (layout and current state) with belief tracking off, for planning.</summary>
    internal virtual PerspectiveEnv CreateSimulator() =>
        throw new NotSupportedException($"{EnvType} does not support planning (it has no simulator)");

    /// <summary>The dynamic state of the world (positions, holders...) as a flat array.</summary>
    internal virtual int[] SaveWorld() => throw new NotSupportedException($"{EnvType} does not support planning");

    /// <summary>Restores a state of <see cref="SaveWorld"/> and the matching <see cref="Sight"/>.</summary>
    private protected virtual void LoadWorldCore(int[] state) => throw new NotSupportedException($"{EnvType} does not support planning");

    /// <summary>The true value id of a fluent now, or -1 when it has none (an object not placed yet).</summary>
    internal virtual int TrueValue(int fluent) => throw new NotSupportedException($"{EnvType} does not support planning");

    /// <summary>Actions worth planning with (no no-op), by index in the action space, with their names.</summary>
    internal virtual IReadOnlyList<(int Action, string Name)> PlanningActions() =>
        throw new NotSupportedException($"{EnvType} does not support planning");

    /// <summary>Restores a saved state; events a subclass emits while restoring are dropped.</summary>
    internal void LoadWorld(int[] state)
    {
        var saved = _simulated;
        _simulated = [];
        try
        {
            LoadWorldCore(state);
        }
        finally
        {
            _simulated = saved;
        }
    }

    /// <summary>
    /// One step in which only <paramref name="agent"/> acts (the others take action 0), without tracker,
    /// history or step counting; returns the events the step emitted (with witnesses and sight) and
    /// whether it ended the episode.
    /// </summary>
    internal List<BeliefEvent> SimulateStep(int agent, int action, out bool terminated)
    {
        _simJoint ??= new int[Agents.Count];
        _simRewards ??= new float[Agents.Count];
        _simTerminations ??= new bool[Agents.Count];
        _simTruncations ??= new bool[Agents.Count];
        Array.Clear(_simJoint);
        Array.Clear(_simTerminations);
        _simJoint[agent] = action;
        var events = new List<BeliefEvent>();
        var saved = _simulated;
        _simulated = events;
        try
        {
            OnStep(_simJoint, _simRewards, _simTerminations, _simTruncations);
        }
        finally
        {
            _simulated = saved;
        }
        terminated = Array.IndexOf(_simTerminations, true) >= 0;
        return events;
    }

    private StepResult Finish()
    {
        var obs = _result.Observations.Items;
        for (int a = 0; a < obs.Length; a++)
        {
            var o = obs[a];
            if (o is null)
            {
                int size = ObservationSpace(Agents[a]) is BoxSpace b ? b.Size : 1;
                obs[a] = o = new Observation(this, a, Agents[a], size);
                _result.Infos.Items[a] = new Dictionary<string, object>();
            }
            Array.Clear(o.Vector);
            FillObservation(a, o.Vector);
            o.EventList.Clear();
            ulong bit = 1UL << a;
            foreach (var e in _stepEvents)
                if ((e.Witnesses & bit) != 0) o.EventList.Add(e);
        }
        if (_stepEvents.Count > 0) Interlocked.Add(ref s_eventCount, _stepEvents.Count);
        _stepEvents.Clear();
        _result.StepCount = StepCount;
        return _result;
    }
}
