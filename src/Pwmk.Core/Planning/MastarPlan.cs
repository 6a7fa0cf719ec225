namespace Pwmk.Core.Planning;

/// <summary>Outcome of an mA* planner run.</summary>
/// <param name="Solved">True when a plan reaching the goal was found.</param>
/// <param name="Actions">The plan (empty when unsolved or when the goal holds initially).</param>
/// <param name="Expanded">States taken off the frontier and expanded.</param>
/// <param name="Generated">Successor states built by product update.</param>
/// <param name="Elapsed">Wall-clock search time.</param>
/// <param name="Reason">Why the run ended: <c>goal reached</c>, <c>timeout</c>, <c>node limit</c>, <c>memory limit</c>, <c>state too large</c>, <c>search space exhausted</c>, <c>cancelled</c>.</param>
public sealed record MastarPlan(
    bool Solved, IReadOnlyList<string> Actions, long Expanded, long Generated, TimeSpan Elapsed, string Reason)
{
    /// <summary>Number of actions of the plan.</summary>
    public int Length => Actions.Count;
}
