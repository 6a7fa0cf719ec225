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
/// <c>POST /api/plan</c> on a running simulation's environment, on the member it runs on: the epistemic planner from the
/// world and tracked beliefs as they are now, with the simulation's actions and witness rules (one implementation for the
/// API's local path and a grain's).
/// </summary>
public static class SimulationPlanning
{
    /// <summary>
    /// Plans <paramref name="ask"/> on <paramref name="run"/>; goals may name predicates derived by <paramref name="rules"/>
    /// (null: none). Answers the API's status: 200 with the plan, 400 for a bad goal or agent, 408 on the time limit, 422
    /// at a search limit or for what the planner does not support.
    /// </summary>
    public static (int Status, PlanResponse? Plan, string? Detail) Plan(SimulationRun run, SimulationPlanAsk ask, BeliefStore? rules)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(ask);
        if (ask.Agent is not null && !run.AgentNames.Contains(ask.Agent))
            return (400, null, $"'agent': no agent '{ask.Agent}' in simulation '{run.Id}' (agents: {string.Join(", ", run.AgentNames)}).");
        Goal goal;
        try
        {
            goal = Goal.Parse(ask.Goal, ask.Epistemic, ask.Maintenance);
        }
        catch (SyntaxErrorException e)
        {
            return (400, null, "Syntax error in the plan request: " + e.Message);
        }
        PlanResult plan;
        try
        {
            plan = run.WithEnvironment(env => new EpistemicPlanner(env, rules, ask.MaxDepth, SearchStrategy.Bfs, ask.Agent is null ? null : [ask.Agent])
                .Plan(goal, TimeSpan.FromMilliseconds(ask.TimeoutMs), ask.MaxNodes));
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
