using Pwmk.Core.Planning;

namespace Pwmk.Core.Agents;

/// <summary>
/// A <see cref="IToMPolicy"/> that plans: each time the agent acts, the <see cref="EnvironmentPlanner"/> searches its environment
/// from the beliefs the agent's store holds (breadth-first, only this agent acting, within a time and node budget) for the shortest plan reaching the agent's
/// current goal, and the agent takes its first action. With no goal, or no plan within the budget, it returns -1 and
/// the agent falls back to its built-in behaviour.
/// </summary>
/// <param name="goalOf">The agent's goal now (null: nothing to plan for).</param>
/// <param name="searchDepth">Longest plan considered.</param>
/// <param name="budget">Time allowed per decision.</param>
/// <param name="maxNodes">States expanded at most per decision.</param>
public sealed class PlanningPolicy(Func<ToMAgent, Goal?> goalOf, int searchDepth = 8, TimeSpan? budget = null, int maxNodes = 5_000) : IToMPolicy, IPlanningRecord
{
    private readonly TimeSpan _budget = budget ?? TimeSpan.FromMilliseconds(50);

    /// <summary>Decisions made from a plan, and decisions left to the built-in behaviour.</summary>
    public int Planned { get; private set; }

    /// <inheritdoc cref="Planned"/>
    public int FellBack { get; private set; }

    /// <summary>The goal of the last decision (as text), or null when the agent had none.</summary>
    public string? LastGoal { get; private set; }

    /// <summary>The plan of the last decision (its actions' names, the first one taken), empty when none was found.</summary>
    public IReadOnlyList<string> LastPlan { get; private set; } = [];

    /// <inheritdoc/>
    Goal? IPlanningRecord.Goal => _goal;

    private Goal? _goal;

    /// <inheritdoc/>
    public int ChooseAction(ToMAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var goal = _goal = goalOf(agent);
        LastGoal = goal is null ? null : Describe(goal);
        LastPlan = [];
        if (goal is not null)
        {
            // the search starts from the agent's view, read through its store: its own beliefs, and what it believes the others believe
            var plan = new EnvironmentPlanner(agent.Environment, searchDepth, SearchStrategy.Bfs, [agent.Id]) { Beliefs = agent.Store, Believer = agent.Id }
                .Plan(goal, _budget, maxNodes);
            if (plan.Solved && plan.Steps is { Count: > 0 })
            {
                LastPlan = plan.Actions;
                Planned++;
                return plan.Steps[0].Action;
            }
        }
        FellBack++;
        return -1;
    }

    internal static string Describe(Goal goal) =>
        string.Join(", ", new[] { goal.Achievement }.Concat(goal.Epistemic ?? []).Concat(goal.Maintenance ?? []).OfType<Pwmk.Logic.Terms.Term>());

    /// <summary>
    /// The goal an agent pursues in a simulation: its environment's <see cref="Environments.PerspectiveEnv.AgentGoal"/>
    /// from what the agent believes (fetch the key in the box world; in the rooms, make a companion believe where an
    /// object is when the agent thinks it is wrong; in hide-and-seek, slip away unseen or chase the last sighting).
    /// </summary>
    public static Goal? SimulationGoal(ToMAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.Environment.AgentGoal(agent.AgentId, agent) is { } goal ? Goal.Parse(goal) : null;
    }
}

/// <summary>What a planning policy did: its decisions from a plan and left to the heuristic, and its last goal and plan.</summary>
internal interface IPlanningRecord
{
    int Planned { get; }

    int FellBack { get; }

    string? LastGoal { get; }

    /// <summary>The goal of the last decision, or null.</summary>
    Goal? Goal { get; }

    IReadOnlyList<string> LastPlan { get; }
}
