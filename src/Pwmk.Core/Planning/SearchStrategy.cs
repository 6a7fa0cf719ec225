namespace Pwmk.Core.Planning;

/// <summary>Search algorithm of a planner run.</summary>
public enum SearchStrategy
{
    /// <summary>Breadth-first: shortest plans.</summary>
    Bfs,

    /// <summary>A* on f = g + h with the goal-count heuristic (not admissible in general, so plans may be longer than BFS's).</summary>
    AStar,

    /// <summary>Greedy best-first on the goal-count heuristic.</summary>
    Gbfs,

    /// <summary>Iterative deepening depth-first: shortest plans in memory linear in the plan length (states on the current path only).</summary>
    IterativeDeepening,
}
