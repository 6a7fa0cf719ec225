using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;

namespace Pwmk.Core.Planning;

/// <summary>One step of an environment plan (<see cref="PlanResult.Steps"/>): <see cref="Agent"/> takes action <see cref="Action"/>
/// (an index of the environment's action space) while every other agent takes action 0 (no-op).</summary>
/// <param name="Agent">The acting agent.</param>
/// <param name="Action">Index in the environment's action space (for RoomsWorld, in <c>ActionTable</c>).</param>
/// <param name="Name">Readable name such as <c>agent_0: move(key, blue_box)</c> or <c>hider_0: left</c>.</param>
public sealed record EnvironmentStep(string Agent, int Action, string Name);

/// <summary>
/// The PWMK-goal front door on the built-in environments (<see cref="RoomsWorld"/>,
/// <see cref="MultiAgentBoxWorld"/>, <see cref="HideAndSeek"/>): finds a shortest sequence of the
/// environment's own actions after which a <see cref="Goal"/> about the world and the agents' nested
/// beliefs holds. The initial state is the environment's current state and the beliefs it tracked so far
/// (its belief ground truth). Each candidate action is run on a private copy of the environment, through
/// the environment's own step function, and the events it emits carry the environment's own witnesses
/// (same room; view radius, walls and closed door; line of sight); beliefs then change exactly as the
/// environment's perspective tracker changes them (a chain a1..ad is reached when every ai witnessed the
/// event and each ai saw a(i+1)). So a plan executed in the real environment yields the predicted beliefs.
/// The search is the engine shared with the mA* front door (BFS, A*, greedy best-first on goal count,
/// iterative deepening; a timeout, a node limit and <c>searchDepth</c> always, the same reasons, spans and
/// metrics); each step lets one agent act while the others wait.
/// </summary>
/// <param name="env">The environment, reset and possibly stepped; it is not changed by planning.</param>
/// <param name="searchDepth">Longest plan considered (0..1000).</param>
/// <param name="strategy">Search algorithm.</param>
/// <param name="actingAgents">Agents the plan may use (null: every agent).</param>
public sealed class EnvironmentPlanner(PerspectiveEnv env, int searchDepth, SearchStrategy strategy = SearchStrategy.Bfs, IReadOnlyList<string>? actingAgents = null)
{
    private readonly PerspectiveEnv _env = env ?? throw new ArgumentNullException(nameof(env));

    /// <summary>Longest plan considered.</summary>
    public int SearchDepth { get; } = PlanSearchOptions.CheckSearchDepth(searchDepth);

    /// <summary>
    /// Where the initial beliefs are read (through the store's query interface, e.g. the planning agent's store); null:
    /// the environment's own tracker.
    /// </summary>
    public IBeliefStore? Beliefs { get; init; }

    /// <summary>
    /// The agent whose view the plan starts from (with <see cref="Beliefs"/>): another agent's belief in the goal is read
    /// as what this agent believes that agent believes (chain [believer, ...]); null reads every chain as it is.
    /// </summary>
    public string? Believer { get; init; }

    /// <summary>
    /// Plans from the environment's current state to <paramref name="goal"/>. Throws
    /// <see cref="ArgumentException"/> for goals naming unknown facts, values or agents, or nesting beliefs
    /// deeper than the environment tracks.
    /// </summary>
    /// <returns>The plan with its <see cref="PlanResult.Steps"/> and belief trajectory (per state, each agent's first-order
    /// beliefs about the fluents the goal mentions); <c>plan.ExecuteIn(env)</c> runs it.</returns>
    public PlanResult Plan(Goal goal, TimeSpan timeout, int maxNodes = 200_000) => Plan(goal, timeout, maxNodes, CancellationToken.None);

    /// <summary>As <see cref="Plan(Goal, TimeSpan, int)"/>, stopping early (<see cref="PlanStatus.Cancelled"/>) when <paramref name="cancellation"/> is cancelled.</summary>
    internal PlanResult Plan(Goal goal, TimeSpan timeout, int maxNodes, CancellationToken cancellation)
    {
        var g = EnvironmentGoal.Compile(_env, goal);
        var steps = Steps(_env, actingAgents);
        var sim = _env.CreateSimulator();
        var start = Initial(_env, g, Beliefs, Believer is null ? -1 : _env.AgentId(Believer));
        var result = Search(sim, g, steps, start, timeout, maxNodes, cancellation);
        var trajectory = new List<IReadOnlyList<AgentBeliefs>>();
        var planned = new List<EnvironmentStep>();
        if (result.Solved)
        {
            sim.LoadWorld(start.World);
            var beliefs = start.Beliefs;
            trajectory.Add(Describe(g, beliefs));
            foreach (var i in result.Path)
            {
                planned.Add(steps[i].Step);
                beliefs = Advance(sim, g, steps[i], beliefs, out _);
                trajectory.Add(Describe(g, beliefs));
            }
        }
        return new PlanResult(result.Status, [.. planned.Select(p => p.Name)], result.Expanded, result.Generated, result.Elapsed, result.Reason)
        {
            Steps = planned,
            BeliefTrajectory = trajectory,
        };
    }

    /// <summary>
    /// Replays <paramref name="plan"/> on a copy of <paramref name="trueDynamics"/> (from its current state and
    /// beliefs; possibly another configuration, such as a larger view radius) and says whether every step
    /// could run and whether <paramref name="goal"/> holds at the end (and the maintenance goal all along).
    /// </summary>
    public static PlanEvaluation EvaluatePlan(PlanResult plan, PerspectiveEnv trueDynamics, Goal goal)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(trueDynamics);
        var steps = plan.Steps ?? throw new ArgumentException("the plan was not made in an environment", nameof(plan));
        var g = EnvironmentGoal.Compile(trueDynamics, goal);
        var sim = trueDynamics.CreateSimulator();
        var start = Initial(trueDynamics, g, null, -1);
        var beliefs = start.Beliefs;
        if (g.Invariant is not null && !g.Holds(g.Invariant, sim, beliefs))
            return new PlanEvaluation(true, false, 0, "maintenance goal false initially");
        for (int i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            int agent = trueDynamics.Vocabulary.FindAgent(s.Agent);
            if (agent < 0 || agent >= trueDynamics.Agents.Count)
                return new PlanEvaluation(false, false, i, $"step {i + 1}: unknown agent '{s.Agent}'");
            if (!trueDynamics.ActionSpace(s.Agent).Contains(s.Action))
                return new PlanEvaluation(false, false, i, $"step {i + 1}: action {s.Action} is outside {trueDynamics.ActionSpace(s.Agent)}");
            beliefs = Advance(sim, g, new Candidate(agent, s.Action, s), beliefs, out bool ended);
            if (g.Invariant is not null && !g.Holds(g.Invariant, sim, beliefs))
                return new PlanEvaluation(true, false, i + 1, $"step {i + 1}: maintenance goal broken");
            if (ended && i + 1 < steps.Count)
                return new PlanEvaluation(false, false, i + 1, $"step {i + 1}: the episode ended");
        }
        bool ok = g.Distance(sim, beliefs) == 0;
        return new PlanEvaluation(true, ok, steps.Count, ok ? null : "the goal does not hold at the end");
    }

    /// <summary>Whether <paramref name="goal"/> holds in <paramref name="env"/> now: its world, and its tracker's beliefs.</summary>
    internal static bool HoldsNow(PerspectiveEnv env, Goal goal)
    {
        var g = EnvironmentGoal.Compile(env, goal);
        return g.Distance(env, Initial(env, g, null, -1).Beliefs) == 0;
    }

    private readonly record struct Candidate(int Agent, int Action, EnvironmentStep Step);

    private sealed record Start(int[] World, int[] Beliefs);

    private static List<Candidate> Steps(PerspectiveEnv env, IReadOnlyList<string>? acting)
    {
        var ids = acting is null ? Enumerable.Range(0, env.Agents.Count) : acting.Select(env.AgentId);
        var actions = env.PlanningActions();
        var list = new List<Candidate>();
        foreach (var a in ids.Distinct())
            foreach (var (action, name) in actions)
                list.Add(new Candidate(a, action, new EnvironmentStep(env.Agents[a], action, $"{env.Agents[a]}: {name}")));
        return list;
    }

    /// <summary>The environment's state now and the tracked chains' beliefs (value id + 1, 0 for none), read from
    /// its perspective tracker, or replayed from its history when tracking is off (no beliefs when neither).</summary>
    private static Start Initial(PerspectiveEnv env, EnvironmentGoal g, IBeliefStore? store, int believer)
    {
        var beliefs = new int[g.Chains.Count * g.Fluents.Count];
        Func<int[], int, int> read;
        if (store is not null)
        {
            read = (chain, f) => BeliefQueries.ValueOf(store, env.Vocabulary, believer < 0 || chain[0] == believer ? chain : [believer, .. chain], f);
        }
        else if (env.Tracker is { } tracker)
        {
            read = (chain, f) => tracker.Belief(chain, f); // the incremental tracker: same beliefs as the ground truth
        }
        else if (env.RecordHistory)
        {
            var truth = env.GetBeliefGroundTruth();
            read = (chain, f) => truth.Belief(chain, f);
        }
        else
        {
            read = (_, _) => -1;
        }
        for (int c = 0; c < g.Chains.Count; c++)
            for (int f = 0; f < g.Fluents.Count; f++)
                beliefs[c * g.Fluents.Count + f] = read(g.Chains[c], g.Fluents[f]) + 1;
        return new Start(env.SaveWorld(), beliefs);
    }

    /// <summary>Steps the simulator (already in the parent state) and applies the emitted events to the tracked chains.</summary>
    private static int[] Advance(PerspectiveEnv sim, EnvironmentGoal g, Candidate c, int[] beliefs, out bool ended)
    {
        var events = sim.SimulateStep(c.Agent, c.Action, out ended);
        int[]? next = null;
        int fluents = g.Fluents.Count;
        foreach (var e in events)
        {
            int slot = g.FluentSlot(e.Fluent);
            if (slot < 0) continue;
            for (int ch = 0; ch < g.Chains.Count; ch++)
            {
                if (!BeliefChain.Reaches(e, g.Chains[ch])) continue;
                next ??= (int[])beliefs.Clone();
                next[ch * fluents + slot] = e.Value + 1;
            }
        }
        return next ?? beliefs;
    }

    private static IReadOnlyList<AgentBeliefs> Describe(EnvironmentGoal g, int[] beliefs)
    {
        var v = g.Vocabulary;
        var result = new List<AgentBeliefs>();
        for (int c = 0; c < g.Chains.Count; c++)
        {
            if (g.Chains[c].Length != 1) continue;
            var yes = new List<Logic.Terms.Term>();
            var no = new List<Logic.Terms.Term>();
            for (int f = 0; f < g.Fluents.Count; f++)
            {
                int fluent = g.Fluents[f];
                int held = beliefs[c * g.Fluents.Count + f] - 1;
                if (held < 0) continue;
                yes.Add(v.Fact(fluent, held));
                foreach (var m in g.Mentioned[fluent])
                    if (m != held) no.Add(v.Fact(fluent, m));
            }
            result.Add(new AgentBeliefs(v.AgentName(g.Chains[c][0]), yes, no));
        }
        return result;
    }

    private SearchOutcome Search(PerspectiveEnv sim, EnvironmentGoal g, List<Candidate> steps, Start start, TimeSpan timeout, int maxNodes,
        CancellationToken cancellation)
    {
        if (maxNodes < 1) throw new ArgumentOutOfRangeException(nameof(maxNodes), maxNodes, "at least one node");
        var space = new Space(sim, g, steps, new State(start.World, start.Beliefs));
        return StateSearch<State, State>.Run(space, new PlanSearchOptions(strategy, timeout, maxNodes, MaxDepth: SearchDepth),
            new SearchLabels("epistemic", "env:" + _env.GetType().Name, g.Invariant is null ? "achievement" : "maintenance"), cancellation);
    }

    /// <summary>A planning state: the world (as saved by the environment) and the tracked chains' beliefs.</summary>
    private sealed class State
    {
        public State(int[] world, int[] beliefs)
        {
            World = world;
            Beliefs = beliefs;
            var h = new HashCode();
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(world.AsSpan()));
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(beliefs.AsSpan()));
            Hash = h.ToHashCode();
        }

        public int[] World { get; }

        public int[] Beliefs { get; }

        public int Hash { get; }
    }

    private sealed class StateComparer : IEqualityComparer<State>
    {
        public static readonly StateComparer Instance = new();

        public bool Equals(State? x, State? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Hash == y.Hash
                && x.World.AsSpan().SequenceEqual(y.World) && x.Beliefs.AsSpan().SequenceEqual(y.Beliefs));

        public int GetHashCode(State obj) => obj.Hash;
    }

    /// <summary>
    /// The environment as a search space for the shared engine: one candidate step per action index, run on the
    /// simulator through the environment's own step and witness rules; the heuristic is the goal count.
    /// </summary>
    private sealed class Space(PerspectiveEnv sim, EnvironmentGoal goal, List<Candidate> steps, State initial) : ISearchSpace<State, State>
    {
        private int[]? _loaded; // the world the simulator holds now

        public State Initial => initial;

        public int ActionCount => steps.Count;

        public IEqualityComparer<State> Comparer => StateComparer.Instance;

        public bool ThreadSafe => false; // one simulator, loaded with the state being expanded

        public State View(State state) => state;

        public int Distance(State state)
        {
            Load(state);
            return goal.Distance(sim, state.Beliefs);
        }

        public bool TryApply(State from, int action, out State next, out bool final)
        {
            Load(from);
            var beliefs = Advance(sim, goal, steps[action], from.Beliefs, out final);
            next = new State(sim.SaveWorld(), beliefs);
            _loaded = next.World;
            return true;
        }

        public long Size(State state) => 64 + (4L * (state.World.Length + state.Beliefs.Length));

        private void Load(State state)
        {
            if (!ReferenceEquals(_loaded, state.World))
            {
                sim.LoadWorld(state.World);
                _loaded = state.World;
            }
        }
    }
}
