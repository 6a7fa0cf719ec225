namespace Pwmk.Core.Planning;

/// <summary>Limits and algorithm of a planner run. A run always ends at its timeout or node limit.</summary>
/// <param name="Strategy">Search algorithm.</param>
/// <param name="Timeout">Wall-clock limit.</param>
/// <param name="MaxNodes">Most search nodes kept in memory (bounds memory).</param>
/// <param name="DuplicateDetection">Skip states bisimilar to one already generated (off only to reproduce reference node counts).</param>
/// <param name="MaxWorldsPerState">Most worlds a product update may build before contraction.</param>
/// <param name="MaxDepth">Longest plan considered (null: unbounded).</param>
/// <param name="MaxStoredWorlds">Most worlds summed over all stored states (bounds memory: about 30 bytes a world with two agents).</param>
public sealed record PlanSearchOptions(
    SearchStrategy Strategy = SearchStrategy.Bfs,
    TimeSpan? Timeout = null,
    int MaxNodes = 1_000_000,
    bool DuplicateDetection = true,
    int MaxWorldsPerState = 1_000_000,
    int? MaxDepth = null,
    long MaxStoredWorlds = 60_000_000)
{
    /// <summary>Default timeout when none is given: 60 s.</summary>
    public TimeSpan EffectiveTimeout => Timeout ?? TimeSpan.FromSeconds(60);

    /// <summary>The planners' <c>searchDepth</c> argument, checked: 0..1000 actions.</summary>
    internal static int CheckSearchDepth(int searchDepth) => searchDepth is >= 0 and <= 1000
        ? searchDepth
        : throw new ArgumentOutOfRangeException(nameof(searchDepth), searchDepth, "search depth must be in 0..1000");
}
