namespace Pwmk.Core.Planning;

/// <summary>
/// A planning problem as a state space for <see cref="StateSearch{TState, TView}"/>: the initial state,
/// successors by action index, the goal test with a heuristic, and state equality.
/// <typeparamref name="TView"/> is what a state is evaluated through (for mA*, an evaluator built
/// once per state and shared by the goal test and the successors of that state).
/// </summary>
internal interface ISearchSpace<TState, TView>
    where TState : notnull
{
    /// <summary>Where the search starts (may throw <see cref="PlanningLimitException"/> when it does not fit the memory bound).</summary>
    TState Initial { get; }

    /// <summary>Actions tried from every state, in this order (index 0 first).</summary>
    int ActionCount { get; }

    /// <summary>State equality for duplicate detection (bisimilar models, equal worlds and beliefs).</summary>
    IEqualityComparer<TState> Comparer { get; }

    /// <summary>True when <see cref="View"/>, <see cref="Distance"/> and <see cref="TryApply"/> may run on several threads at once.</summary>
    bool ThreadSafe { get; }

    /// <summary>Prepares a state for evaluation and expansion.</summary>
    TView View(TState state);

    /// <summary>
    /// -1 when the state breaks the maintenance goal, 0 at the goal, <see cref="int.MaxValue"/> when no plan can
    /// start from it (a proven dead end), otherwise the heuristic (at least 1).
    /// </summary>
    int Distance(TView state);

    /// <summary>
    /// The successor by action <paramref name="action"/>, or false when the action cannot run there.
    /// <paramref name="final"/> says the successor ends the episode (it is goal-tested but not expanded).
    /// May throw <see cref="PlanningLimitException"/> when the successor is too large.
    /// </summary>
    bool TryApply(TView from, int action, out TState next, out bool final);

    /// <summary>Memory (bytes) a stored state adds to the search (summed and bounded by <see cref="PlanSearchOptions.MaxMemoryBytes"/>).</summary>
    long Size(TState state);
}
