using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Planning;

/// <summary>
/// Forward state-space planner over mA* problems: states are canonical bisimulation-contracted pointed
/// Kripke models kept as independent parts (<c>MastarState</c>), successors come from product update
/// (<c>MastarSemantics</c>), actions are tried in byte-wise order of their names, the initial state is
/// checked first and the goal is tested when a successor is generated (as the reference planners do). The
/// search itself is the shared engine <c>StateSearch</c>, also behind the environment front door.
/// </summary>
public static class MastarPlanner
{
    /// <summary>Searches for a plan; always returns (at the goal, a limit, or exhaustion).</summary>
    public static PlanResult Solve(MastarProblem problem, PlanSearchOptions? options = null, CancellationToken cancellation = default) =>
        Solve(problem, options, invariant: null, "mastar", cancellation);

    /// <summary>Search with an optional invariant (maintenance goal) that every state of the plan must satisfy.</summary>
    internal static PlanResult Solve(MastarProblem problem, PlanSearchOptions? options, MastarFormula? invariant, string plannerType, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(problem);
        options ??= new PlanSearchOptions();
        // One state must fit the memory bound: at least 8 bytes of valuation and 12 of relations per agent a world.
        var maxWorlds = Math.Min(options.MaxWorldsPerState, options.MaxMemoryBytes / (8 + (12L * problem.Agents.Count)));
        var space = new MastarSearchSpace(problem, invariant, options.EffectiveHeuristic, maxWorlds);
        var r = StateSearch<MastarState, StateEvaluator>.Run(space, options,
            new SearchLabels(plannerType, problem.Source, invariant is null ? "achievement" : "maintenance"), cancellation);
        var plan = new string[r.Path.Length];
        for (var i = 0; i < plan.Length; i++)
        {
            plan[i] = space.Action(r.Path[i]).Name;
        }
        return new PlanResult(r.Status, plan, r.Expanded, r.Generated, r.Elapsed, r.Reason) { Notes = problem.Notes };
    }

    /// <summary>
    /// Replays a plan from the initial state through the semantics. Returns null when every action
    /// is executable in turn and the goal holds at the end, otherwise a message saying what failed.
    /// </summary>
    public static string? Validate(MastarProblem problem, IReadOnlyList<string> plan)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(plan);
        var state = problem.Initial;
        for (var i = 0; i < plan.Count; i++)
        {
            if (problem.FindAction(plan[i]) is null)
            {
                return $"step {i + 1}: unknown action '{plan[i]}'";
            }
            var next = problem.Apply(state, plan[i]);
            if (next is null)
            {
                return $"step {i + 1}: '{plan[i]}' is not executable";
            }
            state = next;
        }
        return problem.Evaluate(state).HoldsAtActual(problem.Goal) ? null : "the goal does not hold after the plan";
    }
}
