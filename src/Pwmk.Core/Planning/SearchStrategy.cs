namespace Pwmk.Core.Planning;

/// <summary>Search algorithm of a planner run.</summary>
public enum SearchStrategy
{
    /// <summary>Breadth-first: shortest plans; the reference for plan length.</summary>
    Bfs,

    /// <summary>A* on f = g + h; shortest plans when the heuristic is admissible (<see cref="SearchHeuristic.HMax"/>, the default).</summary>
    AStar,

    /// <summary>Greedy best-first on h (<see cref="SearchHeuristic.HFF"/> by default): fast, plans may be longer.</summary>
    Gbfs,

    /// <summary>Iterative deepening depth-first: shortest plans in memory linear in the plan length (states on the current path only).</summary>
    IterativeDeepening,
}
