using Pwmk.Core.Beliefs;
using Pwmk.Core.Planning;
using Pwmk.Logic.Parsing;

namespace Pwmk.Cluster.Simulation;

/// <summary>What one agent believes in one state of the plan.</summary>
public sealed record PlanAgentBeliefs(string Agent, IReadOnlyList<string> BelievedTrue, IReadOnlyList<string> BelievedFalse);

/// <summary>A plan and the belief trajectory along it (state 0 before the first action).</summary>
public sealed record PlanResponse(bool Solved, IReadOnlyList<string> Actions, IReadOnlyList<IReadOnlyList<PlanAgentBeliefs>> BeliefTrajectory,
    double Quality, long Expanded, double ElapsedMs, string Reason, string Domain);

/// <summary>A plan request on a running simulation as a grain receives it from another member (the goal as text, limits checked).</summary>
[GenerateSerializer, Immutable, Alias("pwmk.simulation-plan")]
public sealed record SimulationPlanAsk(
    [property: Id(0)] string Goal,
    [property: Id(1)] IReadOnlyList<string>? Epistemic,
    [property: Id(2)] IReadOnlyList<string>? Maintenance,
    [property: Id(3)] string? Agent,
    [property: Id(4)] int MaxDepth,
    [property: Id(5)] int TimeoutMs,
    [property: Id(6)] int MaxNodes);

/// <summary>
/// What a member needs to prepare a plan on a simulation that runs elsewhere: the simulation's agents and the predicates
/// (name and arity) of its environment's facts, so the member can unfold its own rules' derived predicates.
/// </summary>
[GenerateSerializer, Immutable, Alias("pwmk.simulation-plan-context")]
public sealed record SimulationPlanContext(
    [property: Id(0)] IReadOnlyList<string> Agents,
    [property: Id(1)] IReadOnlyList<string> FactNames,
    [property: Id(2)] IReadOnlyList<int> FactArities);

/// <summary>
/// <c>POST /api/plan</c> on a running simulation's environment: the epistemic planner from the world and tracked beliefs as
/// they are now, with the simulation's actions and witness rules. One implementation for the API's local path and a
/// grain's: the member that received the request prepares the plan (checks the agent, parses the goal and unfolds the
/// predicates its own belief store's rules derive, <see cref="Prepare"/>), and the simulation's member plans that
/// unfolded goal without a store (<see cref="PlanUnfolded"/>), so the plan is the same whichever member was asked.
/// </summary>
public static class SimulationPlanning
{
    /// <summary>
    /// Plans <paramref name="ask"/> on <paramref name="run"/>, on this member; goals may name predicates derived by
    /// <paramref name="rules"/> (null: none). Answers the API's status: 200 with the plan, 400 for a bad goal or agent,
    /// 408 on the time limit, 422 at a search limit or for what the planner does not support. The search stops early when
    /// <paramref name="cancellation"/> is cancelled (its caller no longer waits).
    /// </summary>
    public static (int Status, PlanResponse? Plan, string? Detail) Plan(SimulationRun run, SimulationPlanAsk ask, BeliefStore? rules,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (ready, status, detail) = Prepare(ask, Context(run), run.Id, rules);
        return ready is null ? (status, null, detail) : PlanUnfolded(run, ready, cancellation);
    }

    /// <summary>The simulation's agents and fact predicates now (for <see cref="Prepare"/> on another member).</summary>
    public static SimulationPlanContext Context(SimulationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var facts = run.WithEnvironment(EpistemicPlanner.ModelFacts);
        return new SimulationPlanContext(run.AgentNames, [.. facts.Select(f => f.Name)], [.. facts.Select(f => f.Arity)]);
    }

    /// <summary>
    /// Checks <paramref name="ask"/> against the simulation and unfolds the predicates <paramref name="rules"/> derive (the
    /// rules and facts of the belief store of the member that received the request): the request to plan without a store,
    /// or the API's status (400, 422) and why.
    /// </summary>
    public static (SimulationPlanAsk? Ready, int Status, string? Detail) Prepare(SimulationPlanAsk ask, SimulationPlanContext context, string simulation,
        BeliefStore? rules)
    {
        ArgumentNullException.ThrowIfNull(ask);
        ArgumentNullException.ThrowIfNull(context);
        if (ask.Agent is not null && !context.Agents.Contains(ask.Agent))
            return (null, 400, $"'agent': no agent '{ask.Agent}' in simulation '{simulation}' (agents: {string.Join(", ", context.Agents)}).");
        Goal goal;
        try
        {
            goal = Goal.Parse(ask.Goal, ask.Epistemic, ask.Maintenance);
        }
        catch (SyntaxErrorException e)
        {
            return (null, 400, "Syntax error in the plan request: " + e.Message);
        }
        if (rules is null) return (ask, 0, null);
        try
        {
            var unfolded = EpistemicPlanner.UnfoldDerived(goal, rules, context.FactNames.Zip(context.FactArities));
            return (ask with
            {
                Goal = unfolded.Achievement?.ToString() ?? "true",
                Epistemic = unfolded.Epistemic?.Select(t => t.ToString()).ToList(),
                Maintenance = unfolded.Maintenance?.Select(t => t.ToString()).ToList(),
            }, 0, null);
        }
        catch (ArgumentException e)
        {
            return (null, 400, e.Message);
        }
        catch (NotSupportedException e)
        {
            return (null, 422, e.Message);
        }
    }

    /// <summary>Plans a request <see cref="Prepare"/> made ready (its goal names the environment's facts and beliefs only) on <paramref name="run"/>.</summary>
    public static (int Status, PlanResponse? Plan, string? Detail) PlanUnfolded(SimulationRun run, SimulationPlanAsk ask, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(ask);
        PlanResult plan;
        try
        {
            var goal = Goal.Parse(ask.Goal, ask.Epistemic, ask.Maintenance);
            plan = run.WithEnvironment(env => new EpistemicPlanner(env, null, ask.MaxDepth, SearchStrategy.Bfs, ask.Agent is null ? null : [ask.Agent])
            {
                Cancellation = cancellation,
            }.Plan(goal, TimeSpan.FromMilliseconds(ask.TimeoutMs), ask.MaxNodes));
        }
        catch (SyntaxErrorException e)
        {
            return (400, null, "Syntax error in the plan request: " + e.Message);
        }
        catch (ArgumentException e)
        {
            return (400, null, e.Message);
        }
        catch (NotSupportedException e)
        {
            return (422, null, e.Message);
        }
        return Outcome(plan, ask.TimeoutMs, $"simulation:{run.Id}:{run.EnvName}");
    }

    /// <summary>The API's answer for <paramref name="plan"/>: 408 on the time limit, 422 at a search limit, else 200 with the plan and its belief trajectory.</summary>
    public static (int Status, PlanResponse? Plan, string? Detail) Outcome(PlanResult plan, int timeoutMs, string domain)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Status == PlanStatus.Timeout) return (408, null, $"No plan found within {timeoutMs} ms.");
        if (plan.Status is PlanStatus.NodeLimit or PlanStatus.OutOfMemoryBound) return (422, null, $"The search stopped at a limit ({plan.Reason}).");
        var trajectory = plan.BeliefTrajectory.Select(state => (IReadOnlyList<PlanAgentBeliefs>)[.. state.Select(b =>
            new PlanAgentBeliefs(b.Agent, [.. b.BelievedTrue.Select(t => t.ToString())], [.. b.BelievedFalse.Select(t => t.ToString())]))]).ToList();
        return (200, new PlanResponse(plan.Solved, plan.Actions, trajectory, plan.Quality, plan.Expanded,
            Math.Round(plan.Elapsed.TotalMilliseconds, 3), plan.Reason, domain), null);
    }
}
