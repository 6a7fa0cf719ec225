using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Agents;

/// <summary>
/// An agent with its own nested beliefs (what it believes, what it believes others believe, ... to
/// <c>tomDepth</c>), built only from the events it witnessed, and a policy choosing its actions.
/// <para>With an <see cref="IToMPolicy"/> (for example <see cref="PlanningPolicy"/>) that policy decides, or
/// returns -1 to leave the decision to the built-in heuristic.
/// Otherwise the built-in heuristic: in a <see cref="RoomsWorld"/> it tells an agent in the same
/// room where an object is when it believes that agent holds a false belief about it (else waits);
/// in a <see cref="MultiAgentBoxWorld"/> it walks to the believed key, picks it up, opens the
/// believed door, then walks to the believed treasure, exploring at random while those are unknown;
/// anywhere else it acts at random. Everything is deterministic given <c>seed</c>.</para>
/// </summary>
public sealed class ToMAgent
{
    private static readonly System.Diagnostics.ActivitySource Telemetry = new("Pwmk");
    private PerspectiveEnv? _bound;
    private PerspectiveTracker? _beliefs;
    private Random _rng;
    private readonly int _seed;

    /// <summary>An agent bound to an environment now.</summary>
    public ToMAgent(PerspectiveEnv env, string id, int tomDepth = 2, IToMPolicy? policy = null, int seed = 0)
        : this(id, tomDepth, policy, seed)
    {
        ArgumentNullException.ThrowIfNull(env);
        Bind(env);
    }

    /// <summary>An agent that binds to the environment of the first observation it receives.</summary>
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

    /// <summary>The seed's form <c>ToMAgent(id, worldModel, tomDepth)</c>: an agent that carries a learned
    /// perspective world model, available to its policy (for example to predict observations before planning).</summary>
    public ToMAgent(string id, WorldModel.IWorldModel? worldModel, int tomDepth = 2, IToMPolicy? policy = null, int seed = 0)
        : this(id, tomDepth, policy, seed) => WorldModel = worldModel;

    /// <summary>The agent's learned world model, when one was given.</summary>
    public WorldModel.IWorldModel? WorldModel { get; }

    private void Bind(PerspectiveEnv env)
    {
        _bound = env;
        AgentId = env.AgentId(Id);
        _beliefs = new PerspectiveTracker(env.Vocabulary, TomDepth, perspectiveOf: AgentId);
        _rng = new Random(_seed ^ (AgentId * 7919));
    }

    public string Id { get; }
    public int AgentId { get; private set; } = -1;
    public int TomDepth { get; }
    public IToMPolicy? Policy { get; }
    public PerspectiveEnv Environment => _bound ?? throw new InvalidOperationException($"agent '{Id}' has not received an observation yet");

    /// <summary>This agent's mind: only chains starting with itself.</summary>
    public PerspectiveTracker Beliefs => _beliefs ?? throw new InvalidOperationException($"agent '{Id}' has not received an observation yet");

    /// <summary>The last observation received.</summary>
    public Observation? LastObservation { get; private set; }

    /// <summary>Folds the events of an observation into this agent's nested beliefs.</summary>
    public void UpdateBeliefs(Observation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (_bound is null) Bind(observation.Environment);
        else if (!ReferenceEquals(_bound, observation.Environment)) throw new ArgumentException($"observation from another environment given to '{Id}'", nameof(observation));
        if (observation.AgentId != AgentId) throw new ArgumentException($"observation of '{observation.Agent}' given to '{Id}'", nameof(observation));
        LastObservation = observation;
        using var span = observation.Events.Count > 0 ? Telemetry.StartActivity("belief_update") : null;
        span?.SetTag("component", "tom_agent");
        span?.SetTag("agent.id", Id);
        span?.SetTag("events", observation.Events.Count);
        foreach (var e in observation.Events) Beliefs.Observe(e);
    }

    /// <summary>What this agent believes the fluent's value is (null when it does not know).</summary>
    public Term? Believes(int fluent, params string[] others)
    {
        var chain = new int[others.Length + 1];
        chain[0] = AgentId;
        for (int i = 0; i < others.Length; i++) chain[i + 1] = Environment.AgentId(others[i]);
        int v = Beliefs.Belief(chain, fluent);
        return v < 0 ? null : Environment.Vocabulary.ValueTerm(v);
    }

    /// <summary>Chooses the next action (an index in the agent's action space).</summary>
    public int ActWithTom()
    {
        if (Policy is not null)
        {
            int chosen = Policy.ChooseAction(this);
            if (chosen >= 0) return chosen;
        }
        return Environment switch
        {
            RoomsWorld rooms => ActInRooms(rooms),
            MultiAgentBoxWorld box => ActInBoxWorld(box),
            _ => Environment.ActionSpace(Id).Sample(_rng),
        };
    }

    private int ActInRooms(RoomsWorld w)
    {
        string? here = w.RoomOf(Id);
        if (here is null || TomDepth < 2) return 0;
        foreach (var other in w.Agents)
        {
            if (other == Id || w.RoomOf(other) != here) continue;
            foreach (var obj in w.Layout.Objects)
            {
                int f = w.AtFluent(obj);
                var mine = Believes(f);
                if (mine is null) continue;
                var theirs = Believes(f, other);
                if (theirs is not null && !theirs.Equals(mine))
                    return w.ActionIndex(RoomsAction.Tell(other, obj, mine.ToString()));
            }
        }
        return 0;
    }

    private int ActInBoxWorld(MultiAgentBoxWorld w)
    {
        var v = Environment.Vocabulary;
        (int X, int Y)? Cell(string entity)
        {
            int f = v.FindFluent("pos", new Atom(entity));
            return f >= 0 && Believes(f) is Compound { Functor: "cell" } c ? ((int)((Integer)c.Args[0]).Value, (int)((Integer)c.Args[1]).Value) : null;
        }
        var me = Cell(Id);
        if (me is null) return 1 + _rng.Next(4);
        bool holding = Believes(v.FindFluent("pos", new Atom("key"))) is Atom a && a.Name == Id;
        bool doorOpen = Believes(v.FindFluent("open", new Atom("door"))) is Atom { Name: "true" };
        var key = Cell("key");
        var door = Cell("door");
        var treasure = Cell("treasure");
        if (!holding && !doorOpen && key is { } k)
            return k == me ? 5 : Toward(me.Value, k);
        if (holding && !doorOpen && door is { } d)
            return Math.Abs(d.X - me.Value.X) + Math.Abs(d.Y - me.Value.Y) == 1 ? 5 : Toward(me.Value, d);
        if (treasure is { } t && (doorOpen || door is null || SameSide(w, me.Value, t)))
            return Toward(me.Value, t);
        if (doorOpen && door is { } open && me.Value.X < w.GridSize / 2) return Toward(me.Value, open);
        return 1 + _rng.Next(4);
    }

    private static bool SameSide(MultiAgentBoxWorld w, (int X, int Y) a, (int X, int Y) b) => (a.X < w.GridSize / 2) == (b.X < w.GridSize / 2);

    private int Toward((int X, int Y) from, (int X, int Y) to)
    {
        int dx = to.X - from.X, dy = to.Y - from.Y;
        if (dx == 0 && dy == 0) return 0;
        bool horizontal = dy == 0 || (dx != 0 && _rng.Next(2) == 0);
        if (horizontal) return dx < 0 ? 3 : 4;
        return dy < 0 ? 1 : 2;
    }
}
