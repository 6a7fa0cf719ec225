using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Planning;

/// <summary>
/// Forward state-space planner over mA* problems: states are canonical bisimulation-contracted
/// pointed Kripke models, successors come from product update (<c>MastarSemantics</c>), actions are
/// tried in byte-wise order of their names, the initial state is checked first and the goal is
/// tested when a successor is generated (as the reference planners do). The search itself is the
/// shared engine <c>StateSearch</c>, also behind the environment front door.
/// </summary>
public static class MastarPlanner
{
    /// <summary>Searches for a plan; always returns (at the goal, a limit, or exhaustion).</summary>
    public static MastarPlan Solve(MastarProblem problem, PlanSearchOptions? options = null, CancellationToken cancellation = default) =>
        Solve(problem, options, invariant: null, "mastar", cancellation);

    /// <summary>Search with an optional invariant (maintenance goal) that every state of the plan must satisfy.</summary>
    internal static MastarPlan Solve(MastarProblem problem, PlanSearchOptions? options, MastarFormula? invariant, string plannerType, CancellationToken cancellation)
    {
        options ??= new PlanSearchOptions();
        var space = new MastarSearchSpace(problem, invariant, options.MaxWorldsPerState);
        var r = StateSearch<KripkeModel, ModelEvaluator>.Run(space, options,
            new SearchLabels(plannerType, problem.Source, invariant is null ? "achievement" : "maintenance"), cancellation);
        var plan = new string[r.Path.Length];
        for (var i = 0; i < plan.Length; i++)
        {
            plan[i] = space.Action(r.Path[i]).Name;
        }
        return new MastarPlan(r.Solved, plan, r.Expanded, r.Generated, r.Elapsed, r.Reason);
    }

    /// <summary>
    /// Replays a plan from the initial state through the semantics. Returns null when every action
    /// is executable in turn and the goal holds at the end, otherwise a message saying what failed.
    /// </summary>
    public static string? Validate(MastarProblem problem, IReadOnlyList<string> plan)
    {
        var state = problem.Initial;
        for (var i = 0; i < plan.Count; i++)
        {
            var action = problem.FindAction(plan[i]);
            if (action is null)
            {
                return $"step {i + 1}: unknown action '{plan[i]}'";
            }
            var ev = new ModelEvaluator(state, problem.Table.Count);
            if (!MastarSemantics.IsExecutable(ev, action))
            {
                return $"step {i + 1}: '{plan[i]}' is not executable";
            }
            state = MastarSemantics.Apply(ev, action, int.MaxValue);
        }
        return new ModelEvaluator(state, problem.Table.Count).HoldsAtActual(problem.Goal) ? null : "the goal does not hold after the plan";
    }
}
