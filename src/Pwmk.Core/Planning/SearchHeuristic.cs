namespace Pwmk.Core.Planning;

/// <summary>Heuristic of the best-first searches (A*, greedy best-first); breadth-first and iterative deepening use none.</summary>
public enum SearchHeuristic
{
    /// <summary>Number of the goal's top-level conjuncts that do not hold (not admissible: one action may meet several).</summary>
    GoalCount,

    /// <summary>
    /// Admissible: the largest, over the goal's conjuncts, of a lower bound on the actions needed to make it true.
    /// The bound comes from which actions can change a formula at all (an action changes nothing when no effect
    /// fires, an agent's beliefs only when it is not oblivious, a fluent only through an effect on it) and when
    /// those actions can first run; a conjunct no action can make true proves the state a dead end.
    /// </summary>
    HMax,

    /// <summary>Informative, not admissible: the same bounds added up instead of maximised.</summary>
    HAdd,

    /// <summary>
    /// Informative, not admissible (FF): the number of distinct actions in the relaxed plan that h_add's best
    /// supporters give, so an action that serves several goal conjuncts counts once.
    /// </summary>
    HFF,
}
