using Pwmk.Core.Planning;

namespace Pwmk.Core.Agents;

/// <summary>
/// A <see cref="IToMPolicy"/> that plans: each time the agent acts, the <see cref="EpistemicPlanner"/> searches its environment
/// (breadth-first, only this agent acting, within a time and node budget) for the shortest plan reaching the agent's
/// current goal, and the agent takes its first action. With no goal, or no plan within the budget, it returns -1 and
/// the agent falls back to its built-in behaviour.
/// </summary>
/// <param name="goalOf">The agent's goal now (null: nothing to plan for).</param>
/// <param name="searchDepth">Longest plan considered.</param>
/// <param name="budget">Time allowed per decision.</param>
/// <param name="maxNodes">States expanded at most per decision.</param>
public sealed class PlanningPolicy(Func<ToMAgent, Goal?> goalOf, int searchDepth = 8, TimeSpan? budget = null, int maxNodes = 5_000) : IToMPolicy
{
    private readonly TimeSpan _budget = budget ?? TimeSpan.FromMilliseconds(50);

    /// <summary>Decisions made from a plan, and decisions left to the built-in behaviour.</summary>
    public int Planned { get; private set; }

    /// <inheritdoc cref="Planned"/>
    public int FellBack { get; private set; }

    /// <inheritdoc/>
    public int ChooseAction(ToMAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var goal = goalOf(agent);
        if (goal is not null)
        {
            var plan = new EpistemicPlanner(agent.Environment, beliefStore: null, searchDepth, SearchStrategy.Bfs, [agent.Id]).Plan(goal, _budget, maxNodes);
            if (plan.Solved && plan.Steps is { Count: > 0 })
            {
                Planned++;
                return plan.Steps[0].Action;
            }
        }
        FellBack++;
        return -1;
    }

    /// <summary>
    /// The box-world goal of the server's simulation: hold the key while nobody holds it (<c>pos(key, me)</c>);
    /// afterwards the built-in behaviour opens the door and walks to the treasure.
    /// </summary>
    public static Goal? FetchTheKey(ToMAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (agent.Environment is not Environments.MultiAgentBoxWorld box) return null;
        int key = box.Vocabulary.FindFluent("pos", new Logic.Terms.Atom("key"));
        // a held key's position is its holder (an atom); a lying key's is cell(X, Y)
        if (key < 0 || agent.Believes(key) is Logic.Terms.Atom) return null;
        return Goal.Parse($"pos(key, {agent.Id})");
    }

    /// <summary>
    /// The rooms goal of the server's simulation: when the agent believes that another agent in its room holds a
    /// false belief about where an object is, make that agent believe where the object is (the planner finds how:
    /// telling it, or showing it). Null when nobody it can reach is wrong, as far as it knows.
    /// </summary>
    public static Goal? CorrectFalseBeliefs(ToMAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (agent.Environment is not Environments.RoomsWorld rooms || agent.TomDepth < 2) return null;
        string? here = rooms.RoomOf(agent.Id);
        if (here is null) return null;
        foreach (var other in rooms.Agents)
        {
            if (other == agent.Id || rooms.RoomOf(other) != here) continue;
            foreach (var obj in rooms.Layout.Objects)
            {
                int f = rooms.AtFluent(obj);
                var mine = agent.Believes(f);
                var theirs = agent.Believes(f, other);
                if (mine is not null && theirs is not null && !theirs.Equals(mine))
                    return Goal.Parse($"believes({other}, at({obj}, {mine}))");
            }
        }
        return null;
    }

    /// <summary>
    /// The hide-and-seek goal of the server's simulation, for a hider that believes a seeker knows where it stands:
    /// leave that cell without being seen, so the seeker keeps a stale belief.
    /// </summary>
    public static Goal? SneakAway(ToMAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (agent.Environment is not Environments.HideAndSeek game || !agent.Id.StartsWith("hider", StringComparison.Ordinal) || agent.TomDepth < 2)
            return null;
        int n = game.ArenaSize, at = game.AgentCell(agent.AgentId);
        string cell = $"cell({at % n}, {at / n})";
        int pos = game.Vocabulary.FindFluent("pos", new Logic.Terms.Atom(agent.Id));
        if (pos < 0) return null;
        foreach (var seeker in game.Agents)
        {
            if (!seeker.StartsWith("seeker", StringComparison.Ordinal)) continue;
            if (agent.Believes(pos, seeker)?.ToString() == cell.Replace(" ", "", StringComparison.Ordinal))
                return Goal.Parse($"NOT pos({agent.Id}, {cell}) AND believes({seeker}, pos({agent.Id}, {cell}))");
        }
        return null;
    }

    /// <summary>
    /// The hide-and-seek goal of the server's simulation, for a seeker that sees no hider now: walk to the cell where
    /// it last saw one (its own belief of that hider's position). Null while it sees a hider, or stands on that cell.
    /// </summary>
    public static Goal? ChaseLastSighting(ToMAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (agent.Environment is not Environments.HideAndSeek game || !game.IsSeeker(agent.AgentId)) return null;
        int n = game.ArenaSize, at = game.AgentCell(agent.AgentId);
        for (int h = 0; h < game.Agents.Count; h++)
        {
            int cell = game.AgentCell(h);
            if (!game.IsSeeker(h) && game.CanSee(agent.AgentId, cell % n, cell / n)) return null;
        }
        string here = $"cell({at % n},{at / n})";
        for (int h = 0; h < game.Agents.Count; h++)
        {
            if (game.IsSeeker(h)) continue;
            int pos = game.Vocabulary.FindFluent("pos", new Logic.Terms.Atom(game.Agents[h]));
            if (pos >= 0 && agent.Believes(pos)?.ToString() is { } seen && seen != here)
                return Goal.Parse($"pos({agent.Id}, {seen})");
        }
        return null;
    }

    /// <summary>The goal of the server's simulation in <paramref name="agent"/>'s environment (null: nothing to plan for).</summary>
    public static Goal? SimulationGoal(ToMAgent agent) =>
        FetchTheKey(agent) ?? CorrectFalseBeliefs(agent) ?? SneakAway(agent) ?? ChaseLastSighting(agent);
}
