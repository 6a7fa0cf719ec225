using Pwmk.Core.Environments;

namespace Pwmk.Core.Planning;

/// <summary>How a planner run ended.</summary>
public enum PlanStatus
{
    /// <summary>A plan reaching the goal was found.</summary>
    Solved,

    /// <summary>No plan exists: the whole reachable state space was searched (or the maintenance goal is false at the start).</summary>
    ProvedUnsolvable,

    /// <summary>The wall-clock limit ended the search first.</summary>
    Timeout,

    /// <summary>The node limit ended the search first.</summary>
    NodeLimit,

    /// <summary>The memory bound ended the search first (the states kept, or one state, would exceed it).</summary>
    OutOfMemoryBound,

    /// <summary>No plan within the depth limit (longer plans may exist).</summary>
    DepthLimit,

    /// <summary>The caller cancelled the search.</summary>
    Cancelled,
}

/// <summary>
/// The result of every planner (mA* problems, compiled domains, environments): whether and how the search ended,
/// the plan, the search effort, and what the front door adds (the belief trajectory, an environment's steps, the
/// goal and initial state planned for, notes about the input).
/// </summary>
/// <param name="Status">How the search ended.</param>
/// <param name="Actions">The plan's action names, in order (empty when unsolved or when the goal holds initially).</param>
/// <param name="Expanded">States taken off the frontier and expanded.</param>
/// <param name="Generated">Successor states built.</param>
/// <param name="Elapsed">Wall-clock search time.</param>
/// <param name="Reason">Why the search ended, in words: <c>goal reached</c>, <c>search space exhausted</c>, <c>goal unreachable</c> (a goal conjunct no
/// action sequence can make true, by the heuristic's analysis), <c>maintenance goal false initially</c>, <c>timeout</c>, <c>node limit</c>, <c>out of memory bound</c>, <c>no plan within depth N</c>, <c>cancelled</c>.</param>
public sealed record PlanResult(PlanStatus Status, IReadOnlyList<string> Actions, long Expanded, long Generated, TimeSpan Elapsed, string Reason)
{
    /// <summary>True when a plan reaching the goal was found.</summary>
    public bool Solved => Status == PlanStatus.Solved;

    /// <summary>Number of actions of the plan.</summary>
    public int Length => Actions.Count;

    /// <summary>1/(1+length) for a plan, 0 when none was found.</summary>
    public double Quality => Solved ? 1.0 / (1 + Length) : 0;

    /// <summary>Per state along the plan (state 0 before the first action), what each agent believes; empty for mA* problems and unsolved runs.</summary>
    public IReadOnlyList<IReadOnlyList<AgentBeliefs>> BeliefTrajectory { get; init; } = [];

    /// <summary>For an environment: who acts and the action index of each step (null otherwise).</summary>
    public IReadOnlyList<EnvironmentStep>? Steps { get; init; }

    /// <summary>The goal planned for (as given, derived predicates not unfolded; null for mA* problems).</summary>
    public Goal? Goal { get; init; }

    /// <summary>For a compiled domain: the initial state planned from (null otherwise).</summary>
    public EpistemicWorldState? Initial { get; init; }

    /// <summary>What the planner decided that its input did not say (see <see cref="Mastar.MastarProblem.Notes"/>).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The <c>status</c> word of the JSON outputs: <c>solved</c>, <c>proved_unsolvable</c>, <c>timeout</c>, <c>node_limit</c>,
    /// <c>out_of_memory_bound</c>, <c>depth_limit</c>, <c>cancelled</c>.</summary>
    public string StatusName => Status switch
    {
        PlanStatus.Solved => "solved",
        PlanStatus.ProvedUnsolvable => "proved_unsolvable",
        PlanStatus.Timeout => "timeout",
        PlanStatus.NodeLimit => "node_limit",
        PlanStatus.OutOfMemoryBound => "out_of_memory_bound",
        PlanStatus.DepthLimit => "depth_limit",
        _ => "cancelled",
    };

    /// <summary>Runs an environment plan in <paramref name="env"/> (one <c>Step</c> per plan step, the other agents idle).</summary>
    public void ExecuteIn(PerspectiveEnv env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var steps = Steps ?? throw new InvalidOperationException("the plan was not made in an environment");
        var joint = new int[env.Agents.Count];
        foreach (var s in steps)
        {
            Array.Clear(joint);
            joint[env.AgentId(s.Agent)] = s.Action;
            env.Step(joint);
        }
    }
}
