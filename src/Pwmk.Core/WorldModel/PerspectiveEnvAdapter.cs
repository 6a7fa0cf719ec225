using Pwmk.Core.Environments;
using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// Exposes a <see cref="PerspectiveEnv"/> (<see cref="MultiAgentBoxWorld"/>, <see cref="RoomsWorld"/>) to the world model.
/// Observations are the environment's vectors as they are (<see cref="RoomsWorld"/>) or the same with the boxes and agents
/// seen labelled (<see cref="BoxWorld"/>). Beliefs are one group of slots per fluent per agent: slot 0
/// "no belief", slot v+1 "believes value id v" (depth-1 chains of <see cref="PerspectiveEnv.GetBeliefGroundTruth"/>),
/// exactly one slot set, so the model reads each group as one categorical variable
/// (<see cref="WorldModelConfig.BeliefGroupSize"/>). The world truth is, per fluent, the last value it took.
/// The expert policy is a wandering one that moves things (so that agents miss changes and hold false beliefs).
/// </summary>
public sealed class PerspectiveEnvAdapter : IWorldModelEnvironment, IExpertPolicySource
{
    private readonly PerspectiveEnv env;
    private readonly int fluents;
    private readonly int[] envActions;
    private readonly int[] joint;
    private readonly int[] direction;
    private readonly Func<PerspectiveEnvAdapter, int, int> expert;
    private readonly Action<PerspectiveEnvAdapter>? onReset;
    private readonly (int Size, Action<int, Span<float>> Fill)? view;
    private SeededRandom rng = new(0);

    private PerspectiveEnvAdapter(PerspectiveEnv env, string name, int maxSteps, int[] envActions,
        Func<PerspectiveEnvAdapter, int, int> expert, Action<PerspectiveEnvAdapter>? onReset = null,
        (int Size, Action<int, Span<float>> Fill)? view = null)
    {
        this.env = env;
        this.envActions = envActions;
        this.expert = expert;
        this.onReset = onReset;
        this.view = view;
        Name = name;
        MaxSteps = maxSteps;
        var first = env.Reset(0);
        fluents = env.Vocabulary.FluentCount;
        BeliefGroupSize = env.Vocabulary.ValueCount + 1;
        ObservationSize = view?.Size ?? first.Observations[0].Vector.Length;
        joint = new int[env.Agents.Count];
        direction = new int[env.Agents.Count];
    }

    /// <summary>
    /// <see cref="MultiAgentBoxWorld"/> (belief depth 1). Each agent's observation (egocentric window and own cell) is
    /// presented with the boxes and agents it sees labelled (<see cref="MultiAgentBoxWorld.FillLabelledView"/>), so a
    /// belief <c>pos(E) = cell(X, Y)</c> is its own cell plus E's offset in the window where it last saw E. Expert policy: each agent walks on in its direction and turns at random (one step in five), so
    /// agents push boxes and pass in and out of each other's view.
    /// </summary>
    public static PerspectiveEnvAdapter BoxWorld(int agents = 3, int gridSize = 8, int boxes = 2, int viewRadius = 2, int maxSteps = 30)
    {
        var env = new MultiAgentBoxWorld(gridSize, agents, boxes, viewRadius, maxSteps, beliefDepth: 1);
        return new PerspectiveEnvAdapter(env, "box-world", maxSteps, [.. Enumerable.Range(0, 6)], static (self, agent) =>
        {
            if (self.direction[agent] == 0 || self.rng.NextDouble() < 0.2)
            {
                self.direction[agent] = 1 + self.rng.NextInt(4);
            }
            return self.direction[agent];
        }, view: (env.LabelledViewSize, env.FillLabelledView));
    }

    /// <summary>
    /// <see cref="RoomsWorld"/> with three rooms of two containers each and two objects, placed at random (unseen) at the
    /// start of every episode; belief depth 1. Tell actions are left out of the action space (what a hearer is told is
    /// in no observation). Expert policy: agents enter and leave rooms and move the objects they find.
    /// </summary>
    public static PerspectiveEnvAdapter Rooms(int agents = 3, int maxSteps = 30)
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
        var env = new RoomsWorld([.. Enumerable.Range(0, agents).Select(i => "agent_" + i)], layout, beliefDepth: 1);
        var actions = Enumerable.Range(0, env.ActionTable.Count).Where(i => env.ActionTable[i].Kind != RoomsActionKind.Tell).ToArray();
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

    /// <inheritdoc />
    public int ObservationSize { get; }

    /// <inheritdoc />
    public int NumActions => envActions.Length;

    /// <inheritdoc />
    public int NumBeliefs => fluents * BeliefGroupSize;

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
                v.Fill(i, slot);
            }
            else
            {
                r.Observations[i].Vector.CopyTo(slot);
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
        Span<int> chain = stackalloc int[1];
        for (int a = 0; a < NumAgents; a++)
        {
            chain[0] = a;
            for (int f = 0; f < fluents; f++)
            {
                beliefs[a * NumBeliefs + Slot(f, truth.Belief(chain, f))] = 1f;
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
            last[e.Fluent] = e.Value;
        }
        for (int f = 0; f < fluents; f++)
        {
            truth[Slot(f, last[f])] = 1f;
        }
    }
}
