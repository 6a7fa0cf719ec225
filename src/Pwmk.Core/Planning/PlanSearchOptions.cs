namespace Pwmk.Core.Planning;

/// <summary>Limits and algorithm of a planner run. A run always ends: at the goal, at a limit, or when the space is exhausted.</summary>
/// <param name="Strategy">Search algorithm.</param>
/// <param name="Timeout">Wall-clock limit (null: <see cref="EffectiveTimeout"/>).</param>
/// <param name="MaxNodes">Most search nodes kept.</param>
/// <param name="DuplicateDetection">Skip states equal (bisimilar) to one already generated (off only to reproduce reference node counts).</param>
/// <param name="MaxWorldsPerState">Most worlds one product update may build before contraction.</param>
/// <param name="MaxDepth">Longest plan considered (null: unbounded).</param>
/// <param name="MaxMemoryBytes">Memory bound: the states kept by the search (estimated from their arrays) and any one state must
/// fit; beyond it the run ends as <see cref="PlanStatus.OutOfMemoryBound"/>.</param>
/// <param name="Heuristic">Heuristic of A* and greedy best-first (null: <see cref="SearchHeuristic.HMax"/> for A*, <see cref="SearchHeuristic.HFF"/>
/// for greedy best-first); breadth-first and iterative deepening use none.</param>
/// <param name="Threads">Threads expanding states (1: sequential). Plans and node counts do not depend on it: states are expanded ahead
/// of the search on other threads, and the search consumes the expansions in its own order.</param>
public sealed record PlanSearchOptions(
    SearchStrategy Strategy = SearchStrategy.Bfs,
    TimeSpan? Timeout = null,
    int MaxNodes = 1_000_000,
    bool DuplicateDetection = true,
    int MaxWorldsPerState = 1_000_000,
    int? MaxDepth = null,
    long MaxMemoryBytes = PlanSearchOptions.DefaultMaxMemoryBytes,
    SearchHeuristic? Heuristic = null,
    int Threads = 1)
{
    /// <summary>Default memory bound: 2 GiB.</summary>
    public const long DefaultMaxMemoryBytes = 2L << 30;

    /// <summary>Default timeout when none is given: 60 s.</summary>
    public TimeSpan EffectiveTimeout => Timeout ?? TimeSpan.FromSeconds(60);

    /// <summary>The heuristic the strategy uses (null for breadth-first and iterative deepening).</summary>
    public SearchHeuristic? EffectiveHeuristic => Strategy switch
    {
        SearchStrategy.AStar => Heuristic ?? SearchHeuristic.HMax,
        SearchStrategy.Gbfs => Heuristic ?? SearchHeuristic.HFF,
        _ => null,
    };

    /// <summary>The planners' <c>searchDepth</c> argument, checked: 0..1000 actions.</summary>
    internal static int CheckSearchDepth(int searchDepth) => searchDepth is >= 0 and <= 1000
        ? searchDepth
        : throw new ArgumentOutOfRangeException(nameof(searchDepth), searchDepth, "search depth must be in 0..1000");
}
