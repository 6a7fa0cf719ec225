using System.Diagnostics;

namespace Pwmk.Core.Planning;

/// <summary>Outcome of one <see cref="StateSearch{TState, TView}"/> run.</summary>
/// <param name="Solved">A state satisfying the goal was reached.</param>
/// <param name="Path">Action indices from the initial state to it (empty when unsolved or when the goal holds initially).</param>
/// <param name="Expanded">States taken off the frontier (iterative deepening: states entered, over all bounds).</param>
/// <param name="Generated">Successors built.</param>
/// <param name="Elapsed">Wall-clock search time.</param>
/// <param name="Reason">Why the run ended (see <see cref="MastarPlan.Reason"/>).</param>
internal sealed record SearchOutcome(bool Solved, int[] Path, long Expanded, long Generated, TimeSpan Elapsed, string Reason);

/// <summary>Labels of a search run's span and metrics.</summary>
/// <param name="PlannerType">Front door (<c>mastar</c>, <c>epistemic</c>): the metric label is it plus <c>_</c> and the strategy.</param>
/// <param name="Problem">Problem name for the span.</param>
/// <param name="GoalType"><c>achievement</c> or <c>maintenance</c>.</param>
internal readonly record struct SearchLabels(string PlannerType, string Problem, string GoalType);

/// <summary>
/// The one search engine behind both front doors of the planner (mA* problems and PWMK goals over
/// environments): breadth-first (shortest plans), A* on f = g + h, greedy best-first on h (h: the space's
/// goal-count heuristic), and iterative deepening depth-first on an explicit stack. Goals are tested when a
/// successor is generated; the initial state first. Every run ends: at the goal, at its timeout, node
/// limit, stored-size limit, depth limit or cancellation, or when the space is exhausted, and emits one
/// <c>planning</c> span and the <c>pwmk_planning_*</c> metrics.
/// </summary>
internal static class StateSearch<TState, TView>
    where TState : notnull
{
    private readonly record struct Node(TState State, int Parent, int Action, int Depth);

    /// <summary>Searches <paramref name="space"/> with the strategy and limits of <paramref name="options"/>.</summary>
    public static SearchOutcome Run(ISearchSpace<TState, TView> space, PlanSearchOptions options, SearchLabels labels, CancellationToken cancellation = default)
    {
        using var activity = PlannerTelemetry.Source.StartActivity("planning");
        activity?.SetTag("planner.type", labels.PlannerType);
        activity?.SetTag("pwmk.planner.strategy", options.Strategy.ToString());
        activity?.SetTag("pwmk.planner.problem", labels.Problem);
        var result = options.Strategy == SearchStrategy.IterativeDeepening
            ? DepthFirst(space, options, cancellation)
            : BestFirst(space, options, cancellation);
        activity?.SetTag("pwmk.planner.solved", result.Solved);
        activity?.SetTag("pwmk.planner.expanded", result.Expanded);
        activity?.SetStatus(result.Solved ? ActivityStatusCode.Ok : ActivityStatusCode.Unset);
        PlannerTelemetry.Record(labels.PlannerType + "_" + options.Strategy.ToString().ToLowerInvariant(), result.Solved, result.Path.Length,
            result.Elapsed, labels.GoalType);
        return result;
    }

    private static SearchOutcome BestFirst(ISearchSpace<TState, TView> space, PlanSearchOptions options, CancellationToken cancellation)
    {
        var maxDepth = options.MaxDepth ?? int.MaxValue;
        var depthCut = false;
        var clock = Stopwatch.StartNew();
        var timeout = options.EffectiveTimeout;
        var strategy = options.Strategy;
        var actions = space.ActionCount;
        var nodes = new List<Node>();
        var visited = options.DuplicateDetection ? new HashSet<TState>(space.Comparer) : null;
        var fifo = new Queue<int>();
        var heap = new PriorityQueue<int, (int F, int H, int Seq)>();
        var initial = space.Initial;
        long expanded = 0, generated = 0, stored = space.Size(initial);
        var seq = 0;

        SearchOutcome Done(bool solved, int node, string reason)
        {
            var path = new List<int>();
            for (var i = node; solved && i >= 0 && nodes[i].Parent >= 0; i = nodes[i].Parent)
            {
                path.Add(nodes[i].Action);
            }
            path.Reverse();
            return new SearchOutcome(solved, [.. path], expanded, generated, clock.Elapsed, reason);
        }

        void Push(int index, int h)
        {
            var depth = nodes[index].Depth;
            switch (strategy)
            {
                case SearchStrategy.AStar:
                    heap.Enqueue(index, (depth + h, h, seq++));
                    break;
                case SearchStrategy.Gbfs:
                    heap.Enqueue(index, (h, depth, seq++));
                    break;
                default:
                    fifo.Enqueue(index);
                    break;
            }
        }

        try
        {
            nodes.Add(new Node(initial, -1, -1, 0));
            visited?.Add(initial);
            var h0 = space.Distance(space.View(initial));
            if (h0 < 0)
            {
                return Done(false, -1, "maintenance goal false initially");
            }
            if (h0 == 0)
            {
                return Done(true, 0, "goal reached");
            }
            Push(0, h0);
            while (fifo.Count > 0 || heap.Count > 0)
            {
                var current = fifo.Count > 0 ? fifo.Dequeue() : heap.Dequeue();
                expanded++;
                var node = nodes[current];
                if (node.Depth >= maxDepth)
                {
                    depthCut = true;
                    continue;
                }
                var view = space.View(node.State);
                for (var ai = 0; ai < actions; ai++)
                {
                    if (cancellation.IsCancellationRequested)
                    {
                        return Done(false, -1, "cancelled");
                    }
                    if (clock.Elapsed > timeout)
                    {
                        return Done(false, -1, "timeout");
                    }
                    if (!space.TryApply(view, ai, out var next, out var final))
                    {
                        continue;
                    }
                    generated++;
                    if (visited is not null && !visited.Add(next))
                    {
                        continue;
                    }
                    if (nodes.Count >= options.MaxNodes)
                    {
                        return Done(false, -1, "node limit");
                    }
                    var h = space.Distance(space.View(next));
                    if (h < 0)
                    {
                        continue; // breaks the maintenance goal
                    }
                    nodes.Add(new Node(next, current, ai, node.Depth + 1));
                    stored += space.Size(next);
                    if (stored > options.MaxStoredWorlds)
                    {
                        return Done(false, -1, "memory limit");
                    }
                    if (h == 0)
                    {
                        return Done(true, nodes.Count - 1, "goal reached");
                    }
                    if (!final)
                    {
                        Push(nodes.Count - 1, h); // a state that ends the episode has no successors
                    }
                }
            }
        }
        catch (PlanningLimitException)
        {
            return Done(false, -1, "state too large");
        }
        return Done(false, -1, depthCut ? $"no plan within depth {maxDepth}" : "search space exhausted");
    }

    private sealed class Frame(TState state, TView view, int action)
    {
        public TState State { get; } = state;
        public TView View { get; } = view;
        public int Action { get; } = action; // action that led here (-1 at the root)
        public int Next { get; set; }
    }

    /// <summary>
    /// Depth-first search with bounds 1, 2, ... (up to <see cref="PlanSearchOptions.MaxDepth"/>, 64 by
    /// default) on an explicit stack; states repeated on the current path are pruned. Memory holds only
    /// the current path; the node limit bounds the total number of generated states.
    /// </summary>
    private static SearchOutcome DepthFirst(ISearchSpace<TState, TView> space, PlanSearchOptions options, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var actions = space.ActionCount;
        var maxDepth = options.MaxDepth ?? 64;
        long expanded = 0, generated = 0;
        var stack = new List<Frame>();
        SearchOutcome Stop(string reason) => new(false, [], expanded, generated, clock.Elapsed, reason);
        try
        {
            var initial = space.Initial;
            var rootView = space.View(initial);
            var d0 = space.Distance(rootView);
            if (d0 < 0)
            {
                return Stop("maintenance goal false initially");
            }
            if (d0 == 0)
            {
                return new SearchOutcome(true, [], 0, 0, clock.Elapsed, "goal reached");
            }
            var onPath = new HashSet<TState>(space.Comparer);
            for (var bound = 1; bound <= maxDepth; bound++)
            {
                var cut = false;
                stack.Clear();
                onPath.Clear();
                stack.Add(new Frame(initial, rootView, -1));
                onPath.Add(initial);
                expanded++;
                while (stack.Count > 0)
                {
                    var top = stack[^1];
                    if (top.Next == actions)
                    {
                        stack.RemoveAt(stack.Count - 1);
                        onPath.Remove(top.State);
                        continue;
                    }
                    var ai = top.Next++;
                    if (cancellation.IsCancellationRequested)
                    {
                        return Stop("cancelled");
                    }
                    if (clock.Elapsed > options.EffectiveTimeout)
                    {
                        return Stop("timeout");
                    }
                    if (!space.TryApply(top.View, ai, out var next, out var final))
                    {
                        continue;
                    }
                    if (++generated > options.MaxNodes)
                    {
                        return Stop("node limit");
                    }
                    if (onPath.Contains(next))
                    {
                        continue;
                    }
                    var view = space.View(next);
                    var d = space.Distance(view);
                    if (d < 0)
                    {
                        continue; // breaks the maintenance goal
                    }
                    if (d == 0)
                    {
                        var path = new int[stack.Count];
                        for (var i = 1; i < stack.Count; i++)
                        {
                            path[i - 1] = stack[i].Action;
                        }
                        path[^1] = ai;
                        return new SearchOutcome(true, path, expanded, generated, clock.Elapsed, "goal reached");
                    }
                    if (final)
                    {
                        continue; // a state that ends the episode has no successors
                    }
                    if (stack.Count < bound)
                    {
                        stack.Add(new Frame(next, view, ai));
                        onPath.Add(next);
                        expanded++;
                    }
                    else
                    {
                        cut = true;
                    }
                }
                if (!cut)
                {
                    return Stop("search space exhausted");
                }
            }
        }
        catch (PlanningLimitException)
        {
            return Stop("state too large");
        }
        return Stop($"no plan within depth {maxDepth}");
    }
}
