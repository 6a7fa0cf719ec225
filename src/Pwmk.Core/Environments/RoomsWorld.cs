using System.Text;
using Pwmk.Logic.Terms;

using Pwmk.Core.Perspective;

namespace Pwmk.Core.Environments;

/// <summary>
/// Rooms holding containers holding objects. Agents enter and exit rooms, move objects between
/// containers, peek into containers and tell each other where things are.
/// <para>Perspective rules: agents in the same room see each other (and nobody else); agents outside
/// every room see nobody. Entering or exiting is witnessed by the agent and everyone in the room;
/// entering also shows everyone then in the room where the room's objects are. A move is witnessed
/// by everyone in the room. A peek shows the peeker alone what the container holds. The
/// narrator's <see cref="Place"/> is witnessed by everyone in the container's room.</para>
/// <para>Agents talk, truthfully or not: <c>tell(listener, object, container)</c> is private (a listener in the same
/// room hears it, nobody else learns of it), <c>claim(object, container)</c> is public (everyone in the room hears it,
/// and knows who heard it and who trusts the speaker). <see cref="PerspectiveEnv.Trust"/> decides who believes the
/// speaker and <see cref="PerspectiveEnv.Communication"/> which belief chains take what was said (by default Hi-ToM's
/// R3 and R4: a trusting listener comes to believe it, and the speaker believes he does; the speaker's own belief
/// never changes).</para>
/// <para>Fluents: <c>at(Object)</c> with a container as value, <c>in(Agent)</c> with a room or
/// <c>nowhere</c>. Actions are indices into <see cref="ActionTable"/>; <see cref="Act"/> takes a
/// <see cref="RoomsAction"/> directly. Impossible actions are no-ops, or errors when
/// <see cref="StrictActions"/> is set.</para>
/// </summary>
public sealed class RoomsWorld : PerspectiveEnv
{
    private readonly RoomsLayout _layout;
    private readonly Dictionary<string, int> _roomIds = [], _containerIds = [], _objectIds = [];
    private readonly int[] _containerRoom;
    private readonly int[] _objectContainer;
    private readonly int[] _agentRoom;
    private readonly int[] _fAt, _fIn, _vContainer, _vRoom;
    private readonly int _vNowhere;
    private readonly List<RoomsAction> _actions = [];
    private readonly Dictionary<RoomsAction, int> _actionIds = [];
    private readonly DiscreteSpace _actionSpace;
    private readonly BoxSpace _obsSpace;
    private readonly int[] _joint;

    public RoomsWorld(IReadOnlyList<string> agents, RoomsLayout layout, int beliefDepth = 4, bool trackBeliefs = true)
        : base(agents, beliefDepth, trackBeliefs)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.Rooms.Count == 0) throw new ArgumentException("a rooms world needs at least one room", nameof(layout));
        _layout = layout;
        var v = Vocabulary;
        _vRoom = new int[layout.Rooms.Count];
        for (int r = 0; r < layout.Rooms.Count; r++) { _roomIds[layout.Rooms[r]] = r; _vRoom[r] = v.Value(layout.Rooms[r]); }
        _vNowhere = v.Value("nowhere");
        _containerRoom = new int[layout.Containers.Count];
        _vContainer = new int[layout.Containers.Count];
        for (int c = 0; c < layout.Containers.Count; c++)
        {
            var (name, room) = layout.Containers[c];
            _containerIds[name] = c;
            _containerRoom[c] = _roomIds[room];
            _vContainer[c] = v.Value(name);
        }
        _objectContainer = new int[layout.Objects.Count];
        _fAt = new int[layout.Objects.Count];
        for (int o = 0; o < layout.Objects.Count; o++) { _objectIds[layout.Objects[o]] = o; _fAt[o] = v.Fluent("at", new Atom(layout.Objects[o])); }
        _agentRoom = new int[agents.Count];
        _fIn = new int[agents.Count];
        for (int a = 0; a < agents.Count; a++) _fIn[a] = v.Fluent("in", new Atom(agents[a]));
        _joint = new int[agents.Count];

        AddAction(RoomsAction.Noop);
        foreach (var r in layout.Rooms) AddAction(RoomsAction.Enter(r));
        AddAction(RoomsAction.Exit);
        foreach (var o in layout.Objects)
            foreach (var (c, _) in layout.Containers) AddAction(RoomsAction.Move(o, c));
        foreach (var (c, _) in layout.Containers) AddAction(RoomsAction.Peek(c));
        foreach (var l in agents)
            foreach (var o in layout.Objects)
                foreach (var (c, _) in layout.Containers) AddAction(RoomsAction.Tell(l, o, c));
        foreach (var o in layout.Objects)
            foreach (var (c, _) in layout.Containers) AddAction(RoomsAction.Claim(o, c));
        _actionSpace = new DiscreteSpace(_actions.Count);
        _obsSpace = new BoxSpace([layout.Rooms.Count + 1 + agents.Count + Math.Max(1, layout.Objects.Count * layout.Containers.Count)], 0f, 1f);
    }

    private void AddAction(RoomsAction a)
    {
        _actionIds[a] = _actions.Count;
        _actions.Add(a);
    }

    public RoomsLayout Layout => _layout;

    private readonly List<(string? Agent, RoomsAction Action, string? Room)> _episode = [];

    /// <summary>
    /// What happened since the reset, in order: (agent, action, room) for every action that took
    /// effect (an enter from another room is preceded by its exit; for exits the room left), and
    /// (null, move, null) for the narrator's placements. <c>TomiStories.FromEpisode</c> writes it as a ToMi story.
    /// </summary>
    public IReadOnlyList<(string? Agent, RoomsAction Action, string? Room)> Episode => _episode;

    /// <summary>Every action, indexed as in the action space.</summary>
    public IReadOnlyList<RoomsAction> ActionTable => _actions;

    /// <summary>When true, impossible actions throw <see cref="InvalidOperationException"/> instead of doing nothing.</summary>
    public bool StrictActions { get; set; }

    public override Space ObservationSpace(string agent) { AgentId(agent); return _obsSpace; }
    public override DiscreteSpace ActionSpace(string agent) { AgentId(agent); return _actionSpace; }

    /// <summary>Index of an action in <see cref="ActionTable"/>.</summary>
    public int ActionIndex(RoomsAction action) =>
        _actionIds.TryGetValue(action, out int i) ? i : throw new ArgumentException($"action {action} is not in this world's action table", nameof(action));

    /// <summary>Room the agent is in, or null.</summary>
    public string? RoomOf(string agent)
    {
        int r = _agentRoom[AgentId(agent)];
        return r < 0 ? null : _layout.Rooms[r];
    }

    /// <summary>Container that holds the object, or null when it is nowhere yet.</summary>
    public string? ContainerOf(string obj)
    {
        int c = _objectContainer[ObjectId(obj)];
        return c < 0 ? null : _layout.Containers[c].Name;
    }

    /// <summary>The belief fluent <c>at(obj)</c>.</summary>
    public int AtFluent(string obj) => _fAt[ObjectId(obj)];

    /// <summary>The belief fluent <c>in(agent)</c>.</summary>
    public int InFluent(string agent) => _fIn[AgentId(agent)];

    /// <summary>One agent acts while the others wait.</summary>
    public StepResult Act(string agent, RoomsAction action)
    {
        Array.Clear(_joint);
        _joint[AgentId(agent)] = ActionIndex(action);
        return Step(_joint);
    }

    /// <summary>The narrator puts (or reveals) an object in a container; everyone in that room sees it.</summary>
    public void Place(string obj, string container)
    {
        int o = ObjectId(obj), c = ContainerId(container);
        _objectContainer[o] = c;
        _episode.Add((null, RoomsAction.Move(obj, container), null));
        Emit(_fAt[o], _vContainer[c], InRoom(_containerRoom[c]));
    }

    private int ObjectId(string obj) => _objectIds.TryGetValue(obj, out int o) ? o : throw new ArgumentException($"unknown object '{obj}'", nameof(obj));
    private int ContainerId(string c) => _containerIds.TryGetValue(c, out int i) ? i : throw new ArgumentException($"unknown container '{c}'", nameof(c));

    protected override void OnReset()
    {
        Array.Fill(_agentRoom, -1);
        Array.Fill(_objectContainer, -1);
        _episode.Clear();
        UpdateSight();
        foreach (var (o, c) in _layout.InitialPlacement) Place(o, c);
    }

    protected override void OnStep(ReadOnlySpan<int> actions, float[] rewards, bool[] terminations, bool[] truncations)
    {
        for (int a = 0; a < actions.Length; a++)
        {
            var act = _actions[actions[a]];
            string? room = RoomOf(Agents[a]);
            string? why = Apply(a, act);
            if (why is null && act.Kind != RoomsActionKind.Noop)
            {
                if (act.Kind == RoomsActionKind.Enter && room is not null) _episode.Add((Agents[a], RoomsAction.Exit, room));
                _episode.Add((Agents[a], act, act.Kind == RoomsActionKind.Exit ? room : act.Room));
            }
            if (why is not null && StrictActions) throw new InvalidOperationException($"{Agents[a]} cannot {Describe(act)}: {why}");
        }
    }

    private static string Describe(RoomsAction a) => a.Kind switch
    {
        RoomsActionKind.Enter => $"enter the {a.Room}",
        RoomsActionKind.Exit => "exit",
        RoomsActionKind.Move => $"move the {a.Object} to the {a.Container}",
        RoomsActionKind.Peek => $"look inside the {a.Container}",
        RoomsActionKind.Tell => $"tell {a.Listener} that the {a.Object} is in the {a.Container}",
        RoomsActionKind.Claim => $"claim that the {a.Object} is in the {a.Container}",
        _ => "wait",
    };

    private string? Apply(int a, RoomsAction act)
    {
        int here = _agentRoom[a];
        switch (act.Kind)
        {
            case RoomsActionKind.Noop:
                return null;
            case RoomsActionKind.Enter:
                {
                    int r = _roomIds[act.Room!];
                    if (here == r) return $"already in the {act.Room}";
                    if (here >= 0) ExitRoom(a);
                    _agentRoom[a] = r;
                    UpdateSight();
                    ulong present = InRoom(r);
                    Emit(_fIn[a], _vRoom[r], present);
                    for (int o = 0; o < _objectContainer.Length; o++)
                    {
                        int c = _objectContainer[o];
                        if (c >= 0 && _containerRoom[c] == r) Emit(_fAt[o], _vContainer[c], present);
                    }
                    return null;
                }
            case RoomsActionKind.Exit:
                if (here < 0) return "not in any room";
                ExitRoom(a);
                return null;
            case RoomsActionKind.Move:
                {
                    int o = _objectIds[act.Object!], c = _containerIds[act.Container!];
                    int from = _objectContainer[o];
                    if (here < 0) return "not in any room";
                    if (from >= 0 && _containerRoom[from] != here) return $"the {act.Object} is not in this room";
                    if (_containerRoom[c] != here) return $"the {act.Container} is not in this room";
                    _objectContainer[o] = c;
                    Emit(_fAt[o], _vContainer[c], InRoom(here));
                    return null;
                }
            case RoomsActionKind.Peek:
                {
                    int c = _containerIds[act.Container!];
                    if (here < 0 || _containerRoom[c] != here) return $"the {act.Container} is not in this room";
                    for (int o = 0; o < _objectContainer.Length; o++)
                        if (_objectContainer[o] == c) Emit(_fAt[o], _vContainer[c], 1UL << a);
                    return null;
                }
            case RoomsActionKind.Tell:
                {
                    int l = AgentId(act.Listener!);
                    if (l == a) return "cannot tell oneself";
                    if (here < 0 || _agentRoom[l] != here) return $"{act.Listener} is not in the same room";
                    EmitClaim(a, _fAt[_objectIds[act.Object!]], _vContainer[_containerIds[act.Container!]], 1UL << l, isPublic: false);
                    return null;
                }
            case RoomsActionKind.Claim:
                if (here < 0) return "nobody can hear a claim outside every room";
                EmitClaim(a, _fAt[_objectIds[act.Object!]], _vContainer[_containerIds[act.Container!]], InRoom(here), isPublic: true);
                return null;
            default:
                return "unknown action";
        }
    }

    private void ExitRoom(int a)
    {
        int r = _agentRoom[a];
        ulong present = InRoom(r);
        Emit(_fIn[a], _vNowhere, present);
        _agentRoom[a] = -1;
        UpdateSight();
    }

    private ulong InRoom(int room)
    {
        ulong m = 0;
        for (int a = 0; a < _agentRoom.Length; a++) if (_agentRoom[a] == room && room >= 0) m |= 1UL << a;
        return m;
    }

    private void UpdateSight()
    {
        var sight = new ulong[_agentRoom.Length];
        for (int a = 0; a < sight.Length; a++) sight[a] = _agentRoom[a] >= 0 ? InRoom(_agentRoom[a]) : 1UL << a;
        Sight = sight;
    }

    internal override PerspectiveEnv CreateSimulator()
    {
        var sim = new RoomsWorld(Agents, _layout, BeliefDepth, trackBeliefs: false) { RecordHistory = false, Trust = Trust, Communication = Communication };
        sim.LoadWorld(SaveWorld());
        return sim;
    }

    /// <summary>Planning state: each agent's room (-1 outside), then each object's container (-1 nowhere).</summary>
    internal override int[] SaveWorld() => [.. _agentRoom, .. _objectContainer];

    private protected override void LoadWorldCore(int[] state)
    {
        state.AsSpan(0, _agentRoom.Length).CopyTo(_agentRoom);
        state.AsSpan(_agentRoom.Length, _objectContainer.Length).CopyTo(_objectContainer);
        _episode.Clear();
        UpdateSight();
    }

    internal override int TrueValue(int fluent)
    {
        int o = Array.IndexOf(_fAt, fluent);
        if (o >= 0) return _objectContainer[o] < 0 ? -1 : _vContainer[_objectContainer[o]];
        int a = Array.IndexOf(_fIn, fluent);
        if (a >= 0) return _agentRoom[a] < 0 ? _vNowhere : _vRoom[_agentRoom[a]];
        return -1;
    }

    /// <summary>Every action but the no-op, named like <c>enter(kitchen)</c>, <c>exit</c>, <c>move(key, blue_box)</c>,
    /// <c>peek(red_box)</c>, <c>tell(agent_1, key, red_box)</c>, <c>claim(key, red_box)</c>.</summary>
    internal override IReadOnlyList<(int Action, string Name)> PlanningActions()
    {
        var list = new List<(int, string)>();
        for (int i = 0; i < _actions.Count; i++)
        {
            var a = _actions[i];
            string? name = a.Kind switch
            {
                RoomsActionKind.Enter => $"enter({a.Room})",
                RoomsActionKind.Exit => "exit",
                RoomsActionKind.Move => $"move({a.Object}, {a.Container})",
                RoomsActionKind.Peek => $"peek({a.Container})",
                RoomsActionKind.Tell => $"tell({a.Listener}, {a.Object}, {a.Container})",
                RoomsActionKind.Claim => $"claim({a.Object}, {a.Container})",
                _ => null,
            };
            if (name is not null) list.Add((i, name));
        }
        return list;
    }

    protected override void FillObservation(int agent, float[] vector)
    {
        int r = _agentRoom[agent];
        int rooms = _layout.Rooms.Count, n = _agentRoom.Length, cs = _containerRoom.Length;
        vector[r < 0 ? rooms : r] = 1;
        if (r < 0) return;
        for (int b = 0; b < n; b++) if (_agentRoom[b] == r) vector[rooms + 1 + b] = 1;
        for (int o = 0; o < _objectContainer.Length; o++)
        {
            int c = _objectContainer[o];
            if (c >= 0 && _containerRoom[c] == r) vector[rooms + 1 + n + o * cs + c] = 1;
        }
    }

    public override string Render(string? agent = null)
    {
        int viewer = agent is null ? -1 : AgentId(agent);
        var sb = new StringBuilder();
        for (int r = 0; r < _layout.Rooms.Count; r++)
        {
            sb.Append(_layout.Rooms[r]).Append(": ");
            if (viewer >= 0 && _agentRoom[viewer] != r) { sb.Append("?\n"); continue; }
            var who = Enumerable.Range(0, _agentRoom.Length).Where(a => _agentRoom[a] == r).Select(a => Agents[a]);
            sb.Append("agents [").Append(string.Join(", ", who)).Append(']');
            for (int c = 0; c < _containerRoom.Length; c++)
            {
                if (_containerRoom[c] != r) continue;
                var held = Enumerable.Range(0, _objectContainer.Length).Where(o => _objectContainer[o] == c).Select(o => _layout.Objects[o]);
                sb.Append(' ').Append(_layout.Containers[c].Name).Append(" {").Append(string.Join(", ", held)).Append('}');
            }
            sb.Append('\n');
        }
        if (viewer < 0 || _agentRoom[viewer] < 0)
        {
            var outside = Enumerable.Range(0, _agentRoom.Length).Where(a => _agentRoom[a] < 0 && (viewer < 0 || a == viewer)).Select(a => Agents[a]);
            sb.Append("outside: agents [").Append(string.Join(", ", outside)).Append("]\n");
        }
        return sb.ToString();
    }

    // ---- agents' built-in behaviour and simulation goal

    /// <summary>
    /// The built-in heuristic: tell an agent in the same room where an object is when this agent believes that agent
    /// holds a false belief about it; else wait (action 0).
    /// </summary>
    public override int HeuristicAction(int agent, IAgentBeliefs beliefs, Random rng)
    {
        ArgumentNullException.ThrowIfNull(beliefs);
        return FalseBeliefNearby(agent, beliefs) is var (other, obj, value)
            ? ActionIndex(RoomsAction.Tell(Agents[other], obj, Vocabulary.ValueTerm(value).ToString()))
            : 0;
    }

    /// <summary>
    /// In a simulation an agent that believes another agent in its room holds a false belief about where an object is
    /// sets out to make it believe where the object is (the planner finds how: telling it, or showing it).
    /// </summary>
    public override string? AgentGoal(int agent, IAgentBeliefs beliefs)
    {
        ArgumentNullException.ThrowIfNull(beliefs);
        return FalseBeliefNearby(agent, beliefs) is var (other, obj, value)
            ? $"believes({Agents[other]}, at({obj}, {Vocabulary.ValueTerm(value)}))"
            : null;
    }

    /// <summary>The first agent in <paramref name="agent"/>'s room, object and value where it believes the other is wrong.</summary>
    private (int Other, string Object, int Value)? FalseBeliefNearby(int agent, IAgentBeliefs beliefs)
    {
        string? here = RoomOf(Agents[agent]);
        if (here is null) return null;
        for (int other = 0; other < Agents.Count; other++)
        {
            if (other == agent || RoomOf(Agents[other]) != here) continue;
            foreach (var obj in Layout.Objects)
            {
                int f = AtFluent(obj);
                int mine = beliefs.BelievedValue([], f);
                if (mine < 0) continue;
                int theirs = beliefs.BelievedValue([other], f);
                if (theirs >= 0 && theirs != mine) return (other, obj, mine);
            }
        }
        return null;
    }
}
