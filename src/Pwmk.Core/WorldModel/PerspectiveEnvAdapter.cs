using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;
using Pwmk.Logic.Terms;
using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// Exposes a <see cref="PerspectiveEnv"/> (<see cref="MultiAgentBoxWorld"/>, <see cref="RoomsWorld"/>) to the world model.
/// Observations are the environment's vectors as they are (<see cref="RoomsWorld"/>) or what the agent sees drawn on
/// the whole grid with the boxes and agents labelled (<see cref="BoxWorld"/>). Beliefs are, for every agent, one group
/// of slots per chain of agents starting with it (its own beliefs, then what it believes each other agent believes, up
/// to the belief depth) and per fluent: slot 0 "no belief", slot v+1 "believes value id v" (the chains of
/// <see cref="PerspectiveEnv.GetBeliefGroundTruth"/>), exactly one slot set, so the model reads each group as one
/// categorical variable (<see cref="WorldModelConfig.BeliefGroupSize"/>). The world truth is, per fluent, the last value
/// it took (repeated for every chain).
/// The expert policy is a wandering one that moves things (so that agents miss changes and hold false beliefs).
/// </summary>
public sealed class PerspectiveEnvAdapter : IWorldModelEnvironment, IExpertPolicySource
{
    private readonly PerspectiveEnv env;
    private readonly int fluents;
    private readonly int[][][] chains; // per agent: the chains it heads, own first, in BeliefChain.Enumerate's order
    private readonly int[] envActions;
    private readonly int[] joint;
    private readonly int[] direction;
    private readonly Func<PerspectiveEnvAdapter, int, int> expert;
    private readonly Action<PerspectiveEnvAdapter>? onReset;
    private readonly (int Size, Action<int, Span<float>> Fill)? view;
    private SeededRandom rng = new(0);
    private Func<SeededRandom, EpisodeSymmetry>? symmetry;

    private PerspectiveEnvAdapter(PerspectiveEnv env, string name, int maxSteps, int[] envActions,
        Func<PerspectiveEnvAdapter, int, int> expert, Action<PerspectiveEnvAdapter>? onReset = null,
        (int Size, Action<int, Span<float>> Fill)? view = null, int? beliefDepth = null, bool reset = true)
    {
        this.env = env;
        this.envActions = envActions;
        this.expert = expert;
        this.onReset = onReset;
        this.view = view;
        Name = name;
        MaxSteps = maxSteps;
        var first = reset ? env.Reset(0) : null;
        fluents = env.Vocabulary.FluentCount;
        BeliefGroupSize = env.Vocabulary.ValueCount + 1;
        var all = BeliefChain.Enumerate(env.Agents.Count, Math.Min(env.BeliefDepth, beliefDepth ?? env.BeliefDepth));
        chains = [.. Enumerable.Range(0, env.Agents.Count).Select(a => all.Where(c => c[0] == a).ToArray())];
        BeliefGroupOrders = [.. chains[0].SelectMany(c => Enumerable.Repeat(c.Length, fluents))];
        ViewSize = view?.Size ?? first?.Observations[0].Vector.Length
            ?? (env.ObservationSpace(env.Agents[0]) is BoxSpace box ? box.Size : throw new ArgumentException($"{name}'s observations are not vectors", nameof(env)));
        ObservationSize = ViewSize + NumBeliefs;
        joint = new int[env.Agents.Count];
        direction = new int[env.Agents.Count];
    }

    /// <summary>
    /// <see cref="MultiAgentBoxWorld"/>. Each agent's observation is what it sees drawn on the whole grid (cells it cannot
    /// see are all zero), with the boxes and agents labelled (<see cref="MultiAgentBoxWorld.FillLabelledView"/>, moved from
    /// the egocentric window to the cells it covers: the agent knows where it stands, so this is the same information), so
    /// a belief <c>pos(E) = cell(X, Y)</c> is the cell where it last saw E. Expert policy: each agent walks on in its
    /// direction and turns at random (one step in five), so agents push boxes and pass in and out of each other's view.
    /// </summary>
    public static PerspectiveEnvAdapter BoxWorld(int agents = 3, int gridSize = 8, int boxes = 2, int viewRadius = 2, int maxSteps = 30,
        int beliefDepth = DefaultBeliefDepth)
    {
        var env = new MultiAgentBoxWorld(gridSize, agents, boxes, viewRadius, maxSteps, CheckDepth(beliefDepth, agents));
        int ch = env.LabelledChannels, w = 2 * viewRadius + 1;
        var window = new float[env.LabelledViewSize];
        void Fill(int agent, Span<float> grid)
        {
            grid.Clear();
            env.FillLabelledView(agent, window);
            int cx = env.AgentCell(agent) % gridSize, cy = env.AgentCell(agent) / gridSize;
            for (int wy = 0; wy < w; wy++)
            {
                for (int wx = 0; wx < w; wx++)
                {
                    int x = cx + wx - viewRadius, y = cy + wy - viewRadius;
                    if (x >= 0 && y >= 0 && x < gridSize && y < gridSize)
                    {
                        window.AsSpan((wy * w + wx) * ch, ch).CopyTo(grid.Slice((y * gridSize + x) * ch, ch));
                    }
                }
            }
        }
        var adapter = new PerspectiveEnvAdapter(env, "box-world", maxSteps, [.. Enumerable.Range(0, 6)], static (self, agent) =>
        {
            if (self.direction[agent] == 0 || self.rng.NextDouble() < 0.2)
            {
                self.direction[agent] = 1 + self.rng.NextInt(4);
            }
            return self.direction[agent];
        }, view: (gridSize * gridSize * ch, Fill));
        adapter.symmetry = r => adapter.BoxWorldSymmetry(r, gridSize, boxes, ch);
        return adapter;
    }

    /// <summary>
    /// A random symmetry of <see cref="BoxWorld"/>: the agents renamed, the boxes renamed, and the grid mirrored top to
    /// bottom or not (the walls, the door's row, the lines of sight and the policy are all symmetric that way; up and
    /// down swap). Exact but for one detail: agents move in index order, so which of two agents stepping into the same
    /// cell gets there depends on their names.
    /// </summary>
    private EpisodeSymmetry BoxWorldSymmetry(SeededRandom r, int gridSize, int boxes, int channels)
    {
        var agents = Permutation(r, NumAgents);
        var boxMap = Permutation(r, boxes);
        bool flip = r.NextInt(2) == 1;
        Term Rename(Term t) => t switch
        {
            Atom a when a.Name.StartsWith("agent_", StringComparison.Ordinal) => new Atom(env.Agents[agents[env.Agents.ToList().IndexOf(a.Name)]]),
            Atom a when a.Name.StartsWith("box", StringComparison.Ordinal) && int.TryParse(a.Name.AsSpan(3), out int b) && b < boxes => new Atom("box" + boxMap[b]),
            Compound { Functor: "cell", Args: [Integer x, Integer y] } when flip => new Compound("cell", x, new Integer(gridSize - 1 - (int)y.Value)),
            Compound c => new Compound(c.Functor, [.. c.Args.Select(Rename)]),
            _ => t,
        };
        var view = new int[ViewSize];
        for (int cell = 0; cell < gridSize * gridSize; cell++)
        {
            int x = cell % gridSize, y = cell / gridSize, to = (flip ? gridSize - 1 - y : y) * gridSize + x;
            for (int c = 0; c < channels; c++)
            {
                int k = c - 6; // channels: visible, wall, closed door, open door, key, treasure, boxes, agents
                int mapped = k < 0 ? c : k < boxes ? 6 + boxMap[k] : 6 + boxes + agents[k - boxes];
                view[to * channels + mapped] = cell * channels + c;
            }
        }
        int[] actions = flip ? [0, 2, 1, 3, 4, 5] : [0, 1, 2, 3, 4, 5];
        return Relabel(agents, Rename, view, actions);
    }

    private static int[] Permutation(SeededRandom r, int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = r.NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>
    /// The <see cref="EpisodeSymmetry"/> of agents renamed by <paramref name="agents"/> (original id to new id), fluents
    /// and values renamed by <paramref name="rename"/> (a bijection of the vocabulary's terms), the view relabelled by
    /// <paramref name="view"/> (new index to original index) and actions by <paramref name="actions"/>.
    /// </summary>
    private EpisodeSymmetry Relabel(int[] agents, Func<Term, Term> rename, int[] view, int[] actions)
    {
        var vocabulary = env.Vocabulary;
        var values = new int[vocabulary.ValueCount];
        for (int v = 0; v < values.Length; v++)
        {
            values[v] = vocabulary.FindValue(rename(vocabulary.ValueTerm(v)));
        }
        var fluentMap = new int[fluents];
        for (int f = 0; f < fluents; f++)
        {
            fluentMap[f] = rename(vocabulary.FluentTerm(f)) switch
            {
                Compound c => vocabulary.FindFluent(c.Functor, [.. c.Args]),
                Atom a => vocabulary.FindFluent(a.Name),
                var other => throw new InvalidOperationException($"{Name}: fluent {other} is not a term of the vocabulary"),
            };
        }
        if (values.Contains(-1) || fluentMap.Contains(-1))
        {
            throw new InvalidOperationException($"{Name}: a symmetry renamed a fluent or value out of the vocabulary");
        }
        int g = BeliefGroupSize, n = NumAgents;
        var tokens = new int[n];
        var beliefs = new int[n][];
        var observations = new int[n][];
        var truth = new int[NumBeliefs];
        for (int a = 0; a < n; a++)
        {
            int to = agents[a];
            tokens[to] = a;
            var b = beliefs[to] = new int[NumBeliefs];
            for (int c = 0; c < chains[a].Length; c++)
            {
                int[] renamed = [.. chains[a][c].Select(k => agents[k])];
                int c2 = Array.FindIndex(chains[to], x => x.AsSpan().SequenceEqual(renamed));
                for (int f = 0; f < fluents; f++)
                {
                    for (int s = 0; s < g; s++)
                    {
                        int from = (c * fluents + f) * g + s, slot = s == 0 ? 0 : values[s - 1] + 1;
                        b[(c2 * fluents + fluentMap[f]) * g + slot] = from;
                        truth[(c * fluents + fluentMap[f]) * g + slot] = from;
                    }
                }
            }
            observations[to] = [.. view, .. b.Select(i => ViewSize + i)];
        }
        int[] actionMap = [.. Enumerable.Range(0, NumActions).Select(i => i < actions.Length ? actions[i] : i)];
        return new EpisodeSymmetry(tokens, actionMap, observations, beliefs, truth);
    }

    /// <summary>A random relabelling of this environment's episodes into equally likely ones, or null when it has none.</summary>
    internal EpisodeSymmetry? RandomSymmetry(SeededRandom r) => symmetry?.Invoke(r);

    /// <summary>
    /// The encoding of a simulation's environment, which something else drives (the environment is not reset): each
    /// agent's observation vector as it is, then its belief evidence; beliefs to depth at most
    /// <paramref name="beliefDepth"/>. Use <see cref="Encode"/>, <see cref="GetBeliefGroundTruth"/> and
    /// <see cref="GetWorldTruth"/> on the driven environment; <see cref="Reset"/> and <see cref="Step"/> would drive it too.
    /// </summary>
    internal static PerspectiveEnvAdapter ForSimulation(PerspectiveEnv env, string name, int maxSteps, int beliefDepth) =>
        new(env, name, maxSteps, [.. Enumerable.Range(0, env.ActionSpace(env.Agents[0]).N)], static (_, _) => 0,
            beliefDepth: Math.Clamp(beliefDepth, 1, env.Agents.Count), reset: false);

    /// <summary>Every agent's observation of the step <paramref name="result"/> with its belief evidence, [agent, value].</summary>
    internal void Encode(StepResult result, Span<float> observations) => Copy(result, observations);

    /// <summary>Belief depth of the built-in worlds: each agent's own beliefs and what it believes the others believe.</summary>
    public const int DefaultBeliefDepth = 2;

    private static int CheckDepth(int depth, int agents) =>
        depth >= 1 && depth <= Math.Min(agents, 3) ? depth
            : throw new ArgumentOutOfRangeException(nameof(depth), depth, $"belief depth must be between 1 and {Math.Min(agents, 3)} for {agents} agents");

    /// <summary>
    /// <see cref="RoomsWorld"/> with three rooms of two containers each and two objects, placed at random (unseen) at the
    /// start of every episode. Tell actions are left out of the action space (what a hearer is told is
    /// in no observation). Expert policy: agents enter and leave rooms and move the objects they find.
    /// </summary>
    public static PerspectiveEnvAdapter Rooms(int agents = 3, int maxSteps = 30, int beliefDepth = DefaultBeliefDepth)
    {
        if (agents < 1 || agents > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(agents), agents, "between 1 and 64 agents");
        }
        var layout = new RoomsLayout()
            .AddContainer("basket", "living_room").AddContainer("shelf", "living_room")
            .AddContainer("box", "kitchen").AddContainer("cupboard", "kitchen")
            .AddContainer("drawer", "bedroom").AddContainer("chest", "bedroom")
            .AddObject("marble").AddObject("key");
        var env = new RoomsWorld([.. Enumerable.Range(0, agents).Select(i => "agent_" + i)], layout, CheckDepth(beliefDepth, agents));
        var actions = Enumerable.Range(0, env.ActionTable.Count).Where(i => env.ActionTable[i].Kind is not (RoomsActionKind.Tell or RoomsActionKind.Claim)).ToArray();
        return new PerspectiveEnvAdapter(env, "rooms", maxSteps, actions, RoomsExpert, static self =>
        {
            var w = (RoomsWorld)self.env;
            foreach (var o in w.Layout.Objects)
            {
                w.Place(o, w.Layout.Containers[self.rng.NextInt(w.Layout.Containers.Count)].Name);
            }
        });
    }

    private static int RoomsExpert(PerspectiveEnvAdapter self, int agent)
    {
        var w = (RoomsWorld)self.env;
        var layout = w.Layout;
        string? room = w.RoomOf(w.Agents[agent]);
        double r = self.rng.NextDouble();
        RoomsAction act;
        if (room is null)
        {
            act = r < 0.6 ? RoomsAction.Enter(layout.Rooms[self.rng.NextInt(layout.Rooms.Count)]) : RoomsAction.Noop;
        }
        else if (r < 0.15)
        {
            act = RoomsAction.Exit;
        }
        else if (r < 0.35)
        {
            act = RoomsAction.Enter(layout.Rooms[self.rng.NextInt(layout.Rooms.Count)]);
        }
        else if (r < 0.75)
        {
            var here = layout.Objects.Where(o => w.ContainerOf(o) is { } c && layout.Containers.First(x => x.Name == c).Room == room).ToList();
            var targets = layout.Containers.Where(c => c.Room == room).ToList();
            act = here.Count == 0 ? RoomsAction.Noop : RoomsAction.Move(here[self.rng.NextInt(here.Count)], targets[self.rng.NextInt(targets.Count)].Name);
        }
        else
        {
            act = RoomsAction.Noop;
        }
        return Array.IndexOf(self.envActions, w.ActionIndex(act));
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int NumAgents => env.Agents.Count;

    /// <summary>Values of the view at the start of each observation (the belief evidence follows).</summary>
    public int ViewSize { get; }

    /// <inheritdoc />
    public int ObservationSize { get; }

    /// <inheritdoc />
    public bool HasBeliefEvidence => true;

    /// <inheritdoc />
    public int NumActions => envActions.Length;

    /// <inheritdoc />
    public int NumBeliefs => BeliefGroupOrders.Length * BeliefGroupSize;

    /// <inheritdoc />
    public int[] BeliefGroupOrders { get; }

    /// <summary>Slots per fluent: "no belief" plus one per value id of the environment's vocabulary.</summary>
    public int BeliefGroupSize { get; }

    /// <inheritdoc />
    public int MaxSteps { get; }

    private void Copy(StepResult r, Span<float> observations)
    {
        for (int i = 0; i < NumAgents; i++)
        {
            var slot = observations.Slice(i * ObservationSize, ObservationSize);
            if (view is { } v)
            {
                v.Fill(i, slot[..ViewSize]);
            }
            else
            {
                r.Observations[i].Vector.CopyTo(slot);
            }
            var evidence = slot[ViewSize..];
            evidence.Clear();
            foreach (var e in r.Observations[i].Events)
            {
                for (int c = 0; c < chains[i].Length; c++)
                {
                    if (BeliefChain.Reaches(e, chains[i][c]))
                    {
                        var group = evidence.Slice((c * fluents + e.Fluent) * BeliefGroupSize, BeliefGroupSize);
                        group.Clear(); // the last event of the step wins, as in the beliefs
                        group[Slot(e.Fluent, e.Value) - e.Fluent * BeliefGroupSize] = 1f;
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public void Reset(int seed, Span<float> observations)
    {
        rng = new SeededRandom((ulong)(uint)seed ^ 0xADA7_0000_0000UL);
        Array.Clear(direction);
        var r = env.Reset(seed);
        onReset?.Invoke(this);
        Copy(r, observations);
    }

    /// <inheritdoc />
    public bool Step(ReadOnlySpan<int> actions, Span<float> observations)
    {
        if (actions.Length != NumAgents)
        {
            throw new ArgumentException($"{Name}: expected {NumAgents} actions, got {actions.Length}", nameof(actions));
        }
        for (int i = 0; i < actions.Length; i++)
        {
            if ((uint)actions[i] >= (uint)envActions.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(actions), actions[i], $"{Name}: action of agent {i} is outside 0..{envActions.Length - 1}");
            }
            joint[i] = envActions[actions[i]];
        }
        var r = env.Step(joint);
        Copy(r, observations);
        return r.Done || env.StepCount >= MaxSteps;
    }

    /// <inheritdoc />
    public int ExpertAction(int agent) => expert(this, agent);

    /// <summary>The environment behind the adapter (its planner and goals read it).</summary>
    internal PerspectiveEnv Env => env;

    /// <summary>
    /// The actions one agent can plan with, as indices of this adapter's action space with the environment's names
    /// (<c>enter(kitchen)</c>, <c>move(key, chest)</c>...): the environment's planning actions that the adapter keeps.
    /// </summary>
    internal IReadOnlyList<(int Action, string Name)> PlanningActions() =>
        [.. env.PlanningActions().Select(a => (Array.IndexOf(envActions, a.Action), a.Name)).Where(a => a.Item1 >= 0)];

    /// <summary>This adapter's index of the environment's action <paramref name="action"/>, or its no-op when the adapter leaves it out.</summary>
    internal int FromEnvironmentAction(int action) => Array.IndexOf(envActions, action) is var i and >= 0 ? i : Noop;

    /// <summary>This adapter's index of the environment's no-op (action 0 of the environment).</summary>
    internal int Noop => Math.Max(0, Array.IndexOf(envActions, 0));

    /// <summary>
    /// Index of the belief group of <paramref name="chain"/> (agent ids, the believer first) and fluent among all
    /// agents' groups ([agent, chain, fluent], as in <see cref="GetBeliefGroundTruth"/>), or -1 when not tracked.
    /// </summary>
    internal int BeliefGroup(ReadOnlySpan<int> chain, int fluent)
    {
        if (chain.IsEmpty || (uint)chain[0] >= (uint)NumAgents || (uint)fluent >= (uint)fluents)
        {
            return -1;
        }
        var heads = chains[chain[0]];
        for (int c = 0; c < heads.Length; c++)
        {
            if (heads[c].AsSpan().SequenceEqual(chain))
            {
                return (chain[0] * heads.Length + c) * fluents + fluent;
            }
        }
        return -1;
    }

    /// <summary>Every belief group: its chain (agent ids, the believer first), fluent and index, in <see cref="BeliefGroup"/>'s order.</summary>
    internal IEnumerable<(int[] Chain, int Fluent, int Group)> Groups()
    {
        for (int a = 0; a < NumAgents; a++)
        {
            for (int c = 0; c < chains[a].Length; c++)
            {
                for (int f = 0; f < fluents; f++)
                {
                    yield return (chains[a][c], f, (a * chains[a].Length + c) * fluents + f);
                }
            }
        }
    }

    private int Slot(int fluent, int value)
    {
        if (fluent >= fluents || value + 1 >= BeliefGroupSize)
        {
            throw new InvalidOperationException($"{Name}: fluent {fluent} / value {value} outside the adapter's {fluents} x {BeliefGroupSize} belief slots");
        }
        return fluent * BeliefGroupSize + value + 1;
    }

    /// <inheritdoc />
    public void GetBeliefGroundTruth(Span<float> beliefs)
    {
        beliefs.Clear();
        var truth = env.GetBeliefGroundTruth();
        for (int a = 0; a < NumAgents; a++)
        {
            for (int c = 0; c < chains[a].Length; c++)
            {
                int at = a * NumBeliefs + c * fluents * BeliefGroupSize;
                for (int f = 0; f < fluents; f++)
                {
                    beliefs[at + Slot(f, truth.Belief(chains[a][c], f))] = 1f;
                }
            }
        }
    }

    /// <inheritdoc />
    public void GetWorldTruth(Span<float> truth)
    {
        truth.Clear();
        Span<int> last = stackalloc int[fluents];
        last.Fill(-1);
        foreach (var e in env.History)
        {
            if (e.Spoken is null) last[e.Fluent] = e.Value; // what was said is no truth
        }
        for (int c = 0; c < chains[0].Length; c++)
        {
            for (int f = 0; f < fluents; f++)
            {
                truth[c * fluents * BeliefGroupSize + Slot(f, last[f])] = 1f;
            }
        }
    }
}
