using Pwmk.Logic.Terms;

using Pwmk.Core.Perspective;

namespace Pwmk.Core.Environments;

/// <summary>
/// A walled grid split in two by an inner wall with a locked door. Agents push boxes, pick up the
/// key, open the door with it and reach the treasure behind it. An agent sees the cells within
/// <c>viewRadius</c> (Chebyshev distance) that no wall or closed door hides.
/// <para>Actions: 0 no-op, 1 up, 2 down, 3 left, 4 right, 5 interact (pick up the key on one's cell,
/// or open an adjacent closed door while holding the key). Moving into a box pushes it when the
/// cell behind it is free. Reward 1 to the agent that reaches the treasure (the episode then
/// terminates); episodes are truncated after <c>maxSteps</c>.</para>
/// <para>Observation: a flat vector, first an egocentric (2r+1)x(2r+1)x8 window (row-major, channels
/// visible, wall, closed door, open door, box, key, treasure, agent; cells the agent cannot see are all
/// zero), then the agent's own cell as a one-hot x (gridSize values) and a one-hot y (gridSize values):
/// an agent knows where it stands, so the absolute cell of what it sees is its own cell plus the
/// offset in the window.</para>
/// <para>Beliefs: fluents <c>pos(E)</c> (value <c>cell(X,Y)</c>, or the holder for the key) for every
/// agent, box, the key, the door and the treasure, and <c>open(door)</c>. Each step every entity is sighted
/// by the agents that see its cell.</para>
/// </summary>
public sealed class MultiAgentBoxWorld : PerspectiveEnv
{
    public const int Channels = 8;
    private const int Noop = 0, Interact = 5;
    private static readonly int[] s_dx = [0, 0, 0, -1, 1], s_dy = [0, -1, 1, 0, 0];

    private readonly int _n, _radius, _numBoxes, _maxSteps, _window;
    private readonly bool[] _wall, _opaque;
    private readonly bool[][] _visible;
    private readonly int[] _agentPos, _boxPos;
    private int _door, _keyPos, _keyHolder, _treasure;
    private bool _doorOpen;
    private readonly BoxSpace _obsSpace;
    private readonly DiscreteSpace _actSpace = new(6);
    private readonly int[] _fAgent, _fBox, _cellValue, _holderValue;
    private readonly int _fKey, _fTreasure, _fDoor, _fDoorPos, _vOpen, _vClosed;

    public MultiAgentBoxWorld(int gridSize = 10, int numAgents = 2, int numBoxes = 3, int viewRadius = 2, int maxSteps = 200, int beliefDepth = 2, bool trackBeliefs = true)
        : base(Names(numAgents), beliefDepth, trackBeliefs)
    {
        if (gridSize < 6 || gridSize > 64) throw new ArgumentOutOfRangeException(nameof(gridSize), gridSize, "grid size must be between 6 and 64");
        if (numBoxes < 0 || numBoxes > gridSize) throw new ArgumentOutOfRangeException(nameof(numBoxes), numBoxes, "between 0 and gridSize boxes");
        if (numAgents > gridSize) throw new ArgumentOutOfRangeException(nameof(numAgents), numAgents, "at most gridSize agents");
        if (viewRadius < 0) throw new ArgumentOutOfRangeException(nameof(viewRadius), viewRadius, "view radius must not be negative");
        if (maxSteps < 1) throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps, "at least one step");
        _n = gridSize;
        _radius = viewRadius;
        _numBoxes = numBoxes;
        _maxSteps = maxSteps;
        _window = 2 * viewRadius + 1;
        int cells = gridSize * gridSize;
        _wall = new bool[cells];
        _opaque = new bool[cells];
        _visible = new bool[numAgents][];
        for (int a = 0; a < numAgents; a++) _visible[a] = new bool[cells];
        _agentPos = new int[numAgents];
        _boxPos = new int[numBoxes];
        _obsSpace = new BoxSpace([WindowSize + 2 * gridSize], 0f, 1f);
        var v = Vocabulary;
        _cellValue = new int[cells];
        for (int c = 0; c < cells; c++) _cellValue[c] = v.Value(new Compound("cell", new Integer(c % _n), new Integer(c / _n)));
        _holderValue = new int[numAgents];
        _fAgent = new int[numAgents];
        for (int a = 0; a < numAgents; a++)
        {
            _fAgent[a] = v.Fluent("pos", new Atom(Agents[a]));
            _holderValue[a] = v.Value(Agents[a]);
        }
        _fBox = new int[numBoxes];
        for (int b = 0; b < numBoxes; b++) _fBox[b] = v.Fluent("pos", new Atom("box" + b));
        _fKey = v.Fluent("pos", new Atom("key"));
        _fTreasure = v.Fluent("pos", new Atom("treasure"));
        _fDoor = v.Fluent("open", new Atom("door"));
        _fDoorPos = v.Fluent("pos", new Atom("door"));
        _vOpen = v.Value("true");
        _vClosed = v.Value("false");
    }

    private static string[] Names(int n)
    {
        if (n < 1 || n > 64) throw new ArgumentOutOfRangeException(nameof(n), n, "between 1 and 64 agents");
        return [.. Enumerable.Range(0, n).Select(i => "agent_" + i)];
    }

    public int GridSize => _n;
    public int ViewRadius => _radius;

    /// <summary>Values of the egocentric window at the start of the observation ((2r+1)^2 x <see cref="Channels"/>);
    /// the own cell's one-hot x and y follow.</summary>
    public int WindowSize => _window * _window * Channels;

    /// <summary>Channels per cell of <see cref="FillLabelledView"/>: visible, wall, closed door, open door, key,
    /// treasure, then one per box and one per agent.</summary>
    internal int LabelledChannels => 6 + _boxPos.Length + _agentPos.Length;

    /// <summary>Values written by <see cref="FillLabelledView"/>.</summary>
    internal int LabelledViewSize => _window * _window * LabelledChannels + 2 * _n;

    /// <summary>
    /// The observation of <paramref name="agent"/> with the boxes and agents it sees told apart (which box, which
    /// agent), as the environment's sightings assume: the same egocentric window (row-major,
    /// <see cref="LabelledChannels"/> per cell, cells it cannot see all zero) followed by its own cell as one-hot x
    /// and one-hot y.
    /// </summary>
    internal void FillLabelledView(int agent, Span<float> view)
    {
        if (view.Length != LabelledViewSize) throw new ArgumentException($"the view needs {LabelledViewSize} values, got {view.Length}", nameof(view));
        view.Clear();
        FillWindow(agent, view, labelled: true);
    }

    /// <summary>
    /// Writes the egocentric window of <paramref name="agent"/> (cells it cannot see stay zero) and its own cell as
    /// one-hot x and y: the observation's channels, or with <paramref name="labelled"/> those of the labelled view
    /// (one channel per box and per agent).
    /// </summary>
    private void FillWindow(int agent, Span<float> dst, bool labelled)
    {
        int ch = labelled ? LabelledChannels : Channels, boxes = _boxPos.Length;
        int cx = _agentPos[agent] % _n, cy = _agentPos[agent] / _n;
        var vis = _visible[agent];
        for (int wy = 0; wy < _window; wy++)
            for (int wx = 0; wx < _window; wx++)
            {
                int x = cx + wx - _radius, y = cy + wy - _radius;
                if (x < 0 || y < 0 || x >= _n || y >= _n) continue;
                int c = y * _n + x;
                if (!vis[c]) continue;
                int o = (wy * _window + wx) * ch;
                dst[o] = 1;
                if (_wall[c]) dst[o + 1] = 1;
                if (c == _door) dst[o + (_doorOpen ? 3 : 2)] = 1;
                int b = BoxAt(c), a = AgentAt(c);
                bool key = _keyHolder < 0 && c == _keyPos, treasure = c == _treasure;
                if (labelled)
                {
                    if (key) dst[o + 4] = 1;
                    if (treasure) dst[o + 5] = 1;
                    if (b >= 0) dst[o + 6 + b] = 1;
                    if (a >= 0) dst[o + 6 + boxes + a] = 1;
                }
                else
                {
                    if (b >= 0) dst[o + 4] = 1;
                    if (key) dst[o + 5] = 1;
                    if (treasure) dst[o + 6] = 1;
                    if (a >= 0) dst[o + 7] = 1;
                }
            }
        int at = _window * _window * ch;
        dst[at + cx] = 1;
        dst[at + _n + cy] = 1;
    }

    public override Space ObservationSpace(string agent) { AgentId(agent); return _obsSpace; }
    public override DiscreteSpace ActionSpace(string agent) { AgentId(agent); return _actSpace; }

    /// <summary>True when agent <paramref name="agent"/> sees cell (x, y) now.</summary>
    public bool CanSee(int agent, int x, int y) => _visible[agent][y * _n + x];

    /// <summary>Current cell index (y * size + x) of an agent.</summary>
    public int AgentCell(int agent) => _agentPos[agent];

    protected override void OnReset()
    {
        int n = _n, mid = n / 2;
        Array.Clear(_wall);
        for (int i = 0; i < n; i++)
        {
            _wall[i] = _wall[(n - 1) * n + i] = _wall[i * n] = _wall[i * n + n - 1] = true;
            _wall[i * n + mid] = true;
        }
        _door = (1 + Rng.Next(n - 2)) * n + mid;
        _wall[_door] = false;
        _doorOpen = false;
        var free = new List<int>();
        for (int y = 1; y < n - 1; y++)
            for (int x = 1; x < n - 1; x++)
                if (!_wall[y * n + x] && !(y == _door / n && Math.Abs(x - mid) == 1)) free.Add(y * n + x);
        var left = free.Where(c => c % n < mid).ToList();
        var right = free.Where(c => c % n > mid).ToList();
        _treasure = Take(right);
        _keyPos = Take(left);
        _keyHolder = -1;
        for (int a = 0; a < _agentPos.Length; a++) _agentPos[a] = Take(left.Count > 0 ? left : right);
        for (int b = 0; b < _boxPos.Length; b++) _boxPos[b] = Take(left.Count > 1 ? left : right);
        UpdateSight();
        EmitSightings();
    }

    private int Take(List<int> cells)
    {
        if (cells.Count == 0) throw new InvalidOperationException("the grid is too small for its agents and boxes");
        int i = Rng.Next(cells.Count);
        int c = cells[i];
        cells.RemoveAt(i);
        return c;
    }

    protected override void OnStep(ReadOnlySpan<int> actions, float[] rewards, bool[] terminations, bool[] truncations)
    {
        bool found = false;
        for (int a = 0; a < _agentPos.Length; a++)
        {
            int act = actions[a];
            if (act == Noop) continue;
            if (act == Interact) { DoInteract(a); continue; }
            int p = _agentPos[a];
            int t = Move(p, act);
            if (t < 0 || Blocked(t) || AgentAt(t) >= 0) continue;
            int box = BoxAt(t);
            if (box >= 0)
            {
                int t2 = Move(t, act);
                if (t2 < 0 || Blocked(t2) || AgentAt(t2) >= 0 || BoxAt(t2) >= 0 || t2 == _treasure || (_keyHolder < 0 && t2 == _keyPos)) continue;
                _boxPos[box] = t2;
            }
            _agentPos[a] = t;
            if (t == _treasure) { rewards[a] += 1f; found = true; }
        }
        UpdateSight();
        EmitSightings();
        for (int a = 0; a < terminations.Length; a++)
        {
            terminations[a] = found;
            truncations[a] = !found && StepCount >= _maxSteps;
        }
    }

    private void DoInteract(int a)
    {
        int p = _agentPos[a];
        if (_keyHolder < 0 && _keyPos == p) { _keyHolder = a; return; }
        if (_keyHolder == a && !_doorOpen)
            for (int d = 1; d <= 4; d++)
                if (Move(p, d) == _door) { _doorOpen = true; return; }
    }

    private int Move(int cell, int dir)
    {
        int x = cell % _n + s_dx[dir], y = cell / _n + s_dy[dir];
        return x < 0 || y < 0 || x >= _n || y >= _n ? -1 : y * _n + x;
    }

    private bool Blocked(int c) => _wall[c] || (c == _door && !_doorOpen);

    private int AgentAt(int c)
    {
        for (int a = 0; a < _agentPos.Length; a++) if (_agentPos[a] == c) return a;
        return -1;
    }

    private int BoxAt(int c)
    {
        for (int b = 0; b < _boxPos.Length; b++) if (_boxPos[b] == c) return b;
        return -1;
    }

    private void UpdateSight()
    {
        for (int c = 0; c < _opaque.Length; c++) _opaque[c] = _wall[c];
        if (!_doorOpen) _opaque[_door] = true;
        int count = _agentPos.Length;
        var sight = new ulong[count];
        for (int a = 0; a < count; a++) GridSight.Fill(_n, _opaque, _agentPos[a], _radius, _visible[a]);
        for (int a = 0; a < count; a++)
            for (int b = 0; b < count; b++)
                if (_visible[a][_agentPos[b]]) sight[a] |= 1UL << b;
        Sight = sight;
    }

    private ulong Seers(int cell)
    {
        ulong m = 0;
        for (int a = 0; a < _visible.Length; a++) if (_visible[a][cell]) m |= 1UL << a;
        return m;
    }

    private void EmitSightings()
    {
        for (int a = 0; a < _agentPos.Length; a++) Emit(_fAgent[a], _cellValue[_agentPos[a]], Seers(_agentPos[a]));
        for (int b = 0; b < _boxPos.Length; b++) Emit(_fBox[b], _cellValue[_boxPos[b]], Seers(_boxPos[b]));
        if (_keyHolder >= 0) Emit(_fKey, _holderValue[_keyHolder], Seers(_agentPos[_keyHolder]));
        else Emit(_fKey, _cellValue[_keyPos], Seers(_keyPos));
        Emit(_fTreasure, _cellValue[_treasure], Seers(_treasure));
        Emit(_fDoor, _doorOpen ? _vOpen : _vClosed, Seers(_door));
        Emit(_fDoorPos, _cellValue[_door], Seers(_door));
    }

    internal override PerspectiveEnv CreateSimulator()
    {
        var sim = new MultiAgentBoxWorld(_n, _agentPos.Length, _numBoxes, _radius, _maxSteps, BeliefDepth, trackBeliefs: false) { RecordHistory = false };
        _wall.CopyTo(sim._wall, 0);
        sim._door = _door;
        sim._treasure = _treasure;
        sim.LoadWorld(SaveWorld());
        return sim;
    }

    /// <summary>Planning state: agent cells, box cells, key cell, key holder (-1 none), door open (0/1).</summary>
    internal override int[] SaveWorld() => [.. _agentPos, .. _boxPos, _keyPos, _keyHolder, _doorOpen ? 1 : 0];

    private protected override void LoadWorldCore(int[] state)
    {
        int n = _agentPos.Length, b = _boxPos.Length;
        state.AsSpan(0, n).CopyTo(_agentPos);
        state.AsSpan(n, b).CopyTo(_boxPos);
        _keyPos = state[n + b];
        _keyHolder = state[n + b + 1];
        _doorOpen = state[n + b + 2] != 0;
        UpdateSight();
    }

    internal override int TrueValue(int fluent)
    {
        int a = Array.IndexOf(_fAgent, fluent);
        if (a >= 0) return _cellValue[_agentPos[a]];
        int b = Array.IndexOf(_fBox, fluent);
        if (b >= 0) return _cellValue[_boxPos[b]];
        if (fluent == _fKey) return _keyHolder >= 0 ? _holderValue[_keyHolder] : _cellValue[_keyPos];
        if (fluent == _fTreasure) return _cellValue[_treasure];
        if (fluent == _fDoor) return _doorOpen ? _vOpen : _vClosed;
        if (fluent == _fDoorPos) return _cellValue[_door];
        return -1;
    }

    private static readonly string[] s_actionNames = ["noop", "up", "down", "left", "right", "interact"];

    internal override IReadOnlyList<(int Action, string Name)> PlanningActions() =>
        [.. Enumerable.Range(1, 5).Select(i => (i, s_actionNames[i]))];

    protected override void FillObservation(int agent, float[] vector) => FillWindow(agent, vector, labelled: false);

    public override string Render(string? agent = null) =>
        RenderGrid(_n, agent is null ? null : _visible[AgentId(agent)], c =>
        {
            int a = AgentAt(c);
            return a >= 0 ? (a < 10 ? (char)('0' + a) : 'A')
                : _wall[c] ? '#'
                : c == _door ? (_doorOpen ? '/' : 'D')
                : BoxAt(c) >= 0 ? 'B'
                : _keyHolder < 0 && c == _keyPos ? 'k'
                : c == _treasure ? 'T' : '.';
        });

    // ---- agents' built-in behaviour and simulation goal

    /// <summary>
    /// The built-in heuristic: walk to the believed key and pick it up, open the believed door, then walk to the believed
    /// treasure, exploring at random while those are unknown.
    /// </summary>
    public override int HeuristicAction(int agent, IAgentBeliefs beliefs, Random rng)
    {
        ArgumentNullException.ThrowIfNull(beliefs);
        ArgumentNullException.ThrowIfNull(rng);
        var v = Vocabulary;
        (int X, int Y)? Cell(string entity) =>
            beliefs.BelievedTerm(v, v.FindFluent("pos", new Atom(entity))) is Compound { Functor: "cell" } c
                ? ((int)((Integer)c.Args[0]).Value, (int)((Integer)c.Args[1]).Value)
                : null;
        var me = Cell(Agents[agent]);
        if (me is null) return 1 + rng.Next(4);
        bool holding = beliefs.BelievedTerm(v, v.FindFluent("pos", new Atom("key"))) is Atom a && a.Name == Agents[agent];
        bool doorOpen = beliefs.BelievedTerm(v, v.FindFluent("open", new Atom("door"))) is Atom { Name: "true" };
        var key = Cell("key");
        var door = Cell("door");
        var treasure = Cell("treasure");
        if (!holding && !doorOpen && key is { } k)
            return k == me ? 5 : Toward(me.Value, k, rng);
        if (holding && !doorOpen && door is { } d)
            return Math.Abs(d.X - me.Value.X) + Math.Abs(d.Y - me.Value.Y) == 1 ? 5 : Toward(me.Value, d, rng);
        if (treasure is { } t && (doorOpen || door is null || (me.Value.X < _n / 2) == (t.X < _n / 2)))
            return Toward(me.Value, t, rng);
        if (doorOpen && door is { } open && me.Value.X < _n / 2) return Toward(me.Value, open, rng);
        return 1 + rng.Next(4);
    }

    /// <summary>
    /// In a simulation an agent sets out to hold the key (<c>pos(key, me)</c>) unless it believes somebody holds it;
    /// afterwards the heuristic opens the door and walks to the treasure.
    /// </summary>
    public override string? AgentGoal(int agent, IAgentBeliefs beliefs)
    {
        ArgumentNullException.ThrowIfNull(beliefs);
        int key = Vocabulary.FindFluent("pos", new Atom("key"));
        // a held key's position is its holder (an atom); a lying key's is cell(X, Y)
        if (key < 0 || beliefs.BelievedTerm(Vocabulary, key) is Atom) return null;
        return $"pos(key, {Agents[agent]})";
    }

    private static int Toward((int X, int Y) from, (int X, int Y) to, Random rng)
    {
        int dx = to.X - from.X, dy = to.Y - from.Y;
        if (dx == 0 && dy == 0) return 0;
        bool horizontal = dy == 0 || (dx != 0 && rng.Next(2) == 0);
        if (horizontal) return dx < 0 ? 3 : 4;
        return dy < 0 ? 1 : 2;
    }
}
