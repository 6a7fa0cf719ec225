using Pwmk.Logic.Terms;

using Pwmk.Core.Perspective;

namespace Pwmk.Core.Environments;

/// <summary>
/// Hiders and seekers in a walled arena with random interior walls. Everyone sees along lines of
/// sight that no wall blocks (any distance). Each step, when some seeker sees some hider the seekers
/// get +1 and the hiders -1, otherwise the reverse. Episodes are truncated after
/// <c>episodeLength</c> steps.
/// <para>Actions: 0 no-op, 1 up, 2 down, 3 left, 4 right (blocked by walls and other agents).</para>
/// <para>Observation: the whole arena as a size x size x 4 box, channels visible, wall, hider,
/// seeker; cells the agent cannot see are all zero.</para>
/// <para>Beliefs: fluent <c>pos(Agent)</c> (value <c>cell(X,Y)</c>), sighted each step by the agents
/// that see the cell.</para>
/// </summary>
public sealed class HideAndSeek : PerspectiveEnv
{
    public const int Channels = 4;
    private static readonly int[] s_dx = [0, 0, 0, -1, 1], s_dy = [0, -1, 1, 0, 0];
    private readonly int _n, _hiders, _episodeLength;
    private readonly bool[] _wall;
    private readonly bool[][] _visible;
    private readonly int[] _pos, _fPos, _cellValue;
    private readonly BoxSpace _obsSpace;
    private readonly DiscreteSpace _actSpace = new(5);

    public HideAndSeek(int arenaSize = 12, int numHiders = 2, int numSeekers = 2, int episodeLength = 100, int beliefDepth = 2, bool trackBeliefs = true)
        : base(Names(numHiders, numSeekers), beliefDepth, trackBeliefs)
    {
        if (arenaSize < 5 || arenaSize > 64) throw new ArgumentOutOfRangeException(nameof(arenaSize), arenaSize, "arena size must be between 5 and 64");
        if (numHiders + numSeekers > (arenaSize - 2) * (arenaSize - 2) / 2) throw new ArgumentOutOfRangeException(nameof(numHiders), "too many agents for the arena");
        if (episodeLength < 1) throw new ArgumentOutOfRangeException(nameof(episodeLength), episodeLength, "at least one step");
        _n = arenaSize;
        _hiders = numHiders;
        _episodeLength = episodeLength;
        _wall = new bool[arenaSize * arenaSize];
        int count = numHiders + numSeekers;
        _visible = new bool[count][];
        for (int a = 0; a < count; a++) _visible[a] = new bool[_wall.Length];
        _pos = new int[count];
        _obsSpace = new BoxSpace([arenaSize, arenaSize, Channels], 0f, 1f);
        _cellValue = new int[_wall.Length];
        for (int c = 0; c < _wall.Length; c++) _cellValue[c] = Vocabulary.Value(new Compound("cell", new Integer(c % _n), new Integer(c / _n)));
        _fPos = new int[count];
        for (int a = 0; a < count; a++) _fPos[a] = Vocabulary.Fluent("pos", new Atom(Agents[a]));
    }

    private static string[] Names(int hiders, int seekers)
    {
        if (hiders < 1 || seekers < 1) throw new ArgumentOutOfRangeException(nameof(hiders), "at least one hider and one seeker");
        if (hiders + seekers > 64) throw new ArgumentOutOfRangeException(nameof(hiders), "at most 64 agents");
        return [.. Enumerable.Range(0, hiders).Select(i => "hider_" + i), .. Enumerable.Range(0, seekers).Select(i => "seeker_" + i)];
    }

    public int ArenaSize => _n;
    public bool IsSeeker(int agent) => agent >= _hiders;
    public bool CanSee(int agent, int x, int y) => _visible[agent][y * _n + x];
    public int AgentCell(int agent) => _pos[agent];

    public override Space ObservationSpace(string agent) { AgentId(agent); return _obsSpace; }
    public override DiscreteSpace ActionSpace(string agent) { AgentId(agent); return _actSpace; }

    protected override void OnReset()
    {
        int n = _n;
        Array.Clear(_wall);
        for (int i = 0; i < n; i++) _wall[i] = _wall[(n - 1) * n + i] = _wall[i * n] = _wall[i * n + n - 1] = true;
        int segments = Math.Max(1, n / 4);
        for (int s = 0; s < segments; s++)
        {
            bool horizontal = Rng.Next(2) == 0;
            int len = 2 + Rng.Next(Math.Max(1, n / 3));
            int x = 2 + Rng.Next(n - 4), y = 2 + Rng.Next(n - 4);
            for (int k = 0; k < len; k++)
            {
                int cx = horizontal ? x + k : x, cy = horizontal ? y : y + k;
                if (cx >= n - 2 || cy >= n - 2) break;
                _wall[cy * n + cx] = true;
            }
        }
        var free = new List<int>();
        for (int c = 0; c < _wall.Length; c++) if (!_wall[c]) free.Add(c);
        for (int a = 0; a < _pos.Length; a++)
        {
            int i = Rng.Next(free.Count);
            _pos[a] = free[i];
            free.RemoveAt(i);
        }
        UpdateSight();
    }

    protected override void OnStep(ReadOnlySpan<int> actions, float[] rewards, bool[] terminations, bool[] truncations)
    {
        for (int a = 0; a < _pos.Length; a++)
        {
            int act = actions[a];
            if (act == 0) continue;
            int x = _pos[a] % _n + s_dx[act], y = _pos[a] / _n + s_dy[act];
            int t = y * _n + x;
            if (_wall[t] || Array.IndexOf(_pos, t) >= 0) continue;
            _pos[a] = t;
        }
        UpdateSight();
        bool seen = false;
        for (int s = _hiders; s < _pos.Length && !seen; s++)
            for (int h = 0; h < _hiders; h++)
                if (_visible[s][_pos[h]]) { seen = true; break; }
        for (int a = 0; a < _pos.Length; a++)
        {
            rewards[a] = (IsSeeker(a) == seen) ? 1f : -1f;
            truncations[a] = StepCount >= _episodeLength;
        }
    }

    private void UpdateSight()
    {
        int count = _pos.Length;
        var sight = new ulong[count];
        for (int a = 0; a < count; a++) GridSight.Fill(_n, _wall, _pos[a], _n, _visible[a]);
        for (int a = 0; a < count; a++)
            for (int b = 0; b < count; b++)
                if (_visible[a][_pos[b]]) sight[a] |= 1UL << b;
        Sight = sight;
        for (int a = 0; a < count; a++)
        {
            ulong seers = 0;
            for (int b = 0; b < count; b++) if (_visible[b][_pos[a]]) seers |= 1UL << b;
            Emit(_fPos[a], _cellValue[_pos[a]], seers);
        }
    }

    internal override PerspectiveEnv CreateSimulator()
    {
        var sim = new HideAndSeek(_n, _hiders, _pos.Length - _hiders, _episodeLength, BeliefDepth, trackBeliefs: false) { RecordHistory = false };
        _wall.CopyTo(sim._wall, 0);
        sim.LoadWorld(SaveWorld());
        return sim;
    }

    /// <summary>Planning state: every agent's cell.</summary>
    internal override int[] SaveWorld() => [.. _pos];

    private protected override void LoadWorldCore(int[] state)
    {
        state.AsSpan(0, _pos.Length).CopyTo(_pos);
        UpdateSight();
    }

    internal override int TrueValue(int fluent)
    {
        int a = Array.IndexOf(_fPos, fluent);
        return a >= 0 ? _cellValue[_pos[a]] : -1;
    }

    private static readonly string[] s_actionNames = ["noop", "up", "down", "left", "right"];

    internal override IReadOnlyList<(int Action, string Name)> PlanningActions() =>
        [.. Enumerable.Range(1, 4).Select(i => (i, s_actionNames[i]))];

    protected override void FillObservation(int agent, float[] vector)
    {
        var vis = _visible[agent];
        for (int c = 0; c < vis.Length; c++)
        {
            if (!vis[c]) continue;
            int o = c * Channels;
            vector[o] = 1;
            if (_wall[c]) vector[o + 1] = 1;
        }
        for (int b = 0; b < _pos.Length; b++)
            if (vis[_pos[b]]) vector[_pos[b] * Channels + (IsSeeker(b) ? 3 : 2)] = 1;
    }

    public override string Render(string? agent = null) =>
        RenderGrid(_n, agent is null ? null : _visible[AgentId(agent)], c =>
        {
            int a = Array.IndexOf(_pos, c);
            return a >= 0 ? (IsSeeker(a) ? 'S' : 'H') : _wall[c] ? '#' : '.';
        });

    // ---- agents' simulation goals

    /// <summary>
    /// In a simulation a hider that believes a seeker knows where it stands sets out to leave that cell unseen (so the
    /// seeker keeps a stale belief); a seeker that sees no hider walks to the cell where it last saw one (its own belief of
    /// that hider's position). Null otherwise.
    /// </summary>
    public override string? AgentGoal(int agent, IAgentBeliefs beliefs)
    {
        ArgumentNullException.ThrowIfNull(beliefs);
        return IsSeeker(agent) ? ChaseLastSighting(agent, beliefs) : SneakAway(agent, beliefs);
    }

    private string? SneakAway(int hider, IAgentBeliefs beliefs)
    {
        int at = AgentCell(hider);
        string cell = $"cell({at % _n},{at / _n})";
        int pos = Vocabulary.FindFluent("pos", new Atom(Agents[hider]));
        if (pos < 0) return null;
        for (int seeker = 0; seeker < Agents.Count; seeker++)
        {
            if (!IsSeeker(seeker)) continue;
            if (beliefs.BelievedTerm(Vocabulary, pos, seeker)?.ToString() == cell)
                return $"NOT pos({Agents[hider]}, {cell}) AND believes({Agents[seeker]}, pos({Agents[hider]}, {cell}))";
        }
        return null;
    }

    private string? ChaseLastSighting(int seeker, IAgentBeliefs beliefs)
    {
        int at = AgentCell(seeker);
        for (int h = 0; h < Agents.Count; h++)
        {
            int cell = AgentCell(h);
            if (!IsSeeker(h) && CanSee(seeker, cell % _n, cell / _n)) return null;
        }
        string here = $"cell({at % _n},{at / _n})";
        for (int h = 0; h < Agents.Count; h++)
        {
            if (IsSeeker(h)) continue;
            int pos = Vocabulary.FindFluent("pos", new Atom(Agents[h]));
            if (pos >= 0 && beliefs.BelievedTerm(Vocabulary, pos)?.ToString() is { } seen && seen != here)
                return $"pos({Agents[seeker]}, {seen})";
        }
        return null;
    }
}
