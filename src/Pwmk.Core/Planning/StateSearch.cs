using System.Diagnostics;

namespace Pwmk.Core.Planning;

/// <summary>Outcome of one <see cref="StateSearch{TState, TView}"/> run.</summary>
/// <param name="Status">How the run ended.</param>
/// <param name="Path">Action indices from the initial state to the goal (empty when unsolved or when the goal holds initially).</param>
/// <param name="Expanded">States taken off the frontier (iterative deepening: states entered, over all bounds).</param>
/// <param name="Generated">Successors built.</param>
/// <param name="Elapsed">Wall-clock search time.</param>
/// <param name="Reason">Why the run ended (see <see cref="PlanResult.Reason"/>).</param>
internal sealed record SearchOutcome(PlanStatus Status, int[] Path, long Expanded, long Generated, TimeSpan Elapsed, string Reason)
{
    public bool Solved => Status == PlanStatus.Solved;
}

/// <summary>Labels of a search run's span and metrics.</summary>
/// <param name="PlannerType">Front door (<c>mastar</c>, <c>epistemic</c>): the metric label is it plus <c>_</c> and the strategy.</param>
/// <param name="Problem">Problem name for the span.</param>
/// <param name="GoalType"><c>achievement</c> or <c>maintenance</c>.</param>
internal readonly record struct SearchLabels(string PlannerType, string Problem, string GoalType);

/// <summary>
/// The one search engine behind every front door of the planner: breadth-first (shortest plans), A* on
/// f = g + h (shortest plans with an admissible h: goals are returned once no open node could lead to a
/// shorter plan, and a state reached again by a shorter path is reopened), greedy best-first on h, and
/// iterative deepening depth-first on an explicit stack. Goals are tested when a successor is generated, the
/// initial state first; states whose distance is <see cref="int.MaxValue"/> (proven dead ends) are dropped.
/// With several threads, the states next in line are expanded ahead on other threads (an expansion is a pure
/// function of its state) and the search consumes them in its own order, so plans and counts are those of
/// the sequential search. Every run ends: at the goal, at its timeout, node limit, memory bound, depth limit
/// or cancellation, or when the space is exhausted (which proves there is no plan), and emits one
/// <c>planning</c> span and the <c>pwmk_planning_*</c> metrics.
/// </summary>
internal static class StateSearch<TState, TView>
    where TState : notnull
{
    /// <summary>Memory of one search node beyond its state (node record, frontier and duplicate-table entries).</summary>
    private const long NodeBytes = 96;

    private readonly record struct Node(TState State, int Parent, int Action, int Depth, int H);

    /// <summary>The successors of one state, in action order; <see cref="Failure"/> is set when the next action's successor was too large.</summary>
    private sealed class Expansion
    {
        public List<(int Action, TState Next, bool Final, int H)> Successors { get; } = [];

        public PlanningLimitException? Failure { get; set; }
    }

    /// <summary>Searches <paramref name="space"/> with the strategy and limits of <paramref name="options"/>.</summary>
    public static SearchOutcome Run(ISearchSpace<TState, TView> space, PlanSearchOptions options, SearchLabels labels, CancellationToken cancellation = default)
    {
        // the span's planner.type is the metric's planner_type label, so a trace and a series name the same planner
        string plannerType = PlannerTelemetry.PlannerType(labels.PlannerType, options.Strategy);
        using var activity = PlannerTelemetry.Source.StartActivity("planning");
        activity?.SetTag("planner.type", plannerType);
        activity?.SetTag("pwmk.planner.strategy", options.Strategy.ToString());
        activity?.SetTag("pwmk.planner.problem", labels.Problem);
        var result = options.Strategy == SearchStrategy.IterativeDeepening
            ? DepthFirst(space, options, cancellation)
            : BestFirst(space, options, cancellation);
        var outcome = PlannerTelemetry.OutcomeOf(result.Status);
        activity?.SetTag("pwmk.planner.solved", result.Solved);
        activity?.SetTag("pwmk.planner.outcome", outcome);
        activity?.SetTag("pwmk.planner.reason", result.Reason);
        activity?.SetTag("pwmk.planner.expanded", result.Expanded);
        // a plan found is OK; no plan within the bounds is an answer (Unset); a planner that could not answer is an ERROR
        if (result.Solved) activity?.SetStatus(ActivityStatusCode.Ok);
        else if (outcome == PlannerTelemetry.Failed) activity?.SetStatus(ActivityStatusCode.Error, result.Reason);
        PlannerTelemetry.Record(plannerType, outcome, result.Path.Length, result.Elapsed, labels.GoalType);
        return result;
    }

    private const string OutOfMemory = "out of memory bound";

    private static SearchOutcome BestFirst(ISearchSpace<TState, TView> space, PlanSearchOptions options, CancellationToken cancellation)
    {
        var maxDepth = options.MaxDepth ?? int.MaxValue;
        var depthCut = false;
        var clock = Stopwatch.StartNew();
        var timeout = options.EffectiveTimeout;
        var strategy = options.Strategy;
        var nodes = new List<Node>();
        var threads = space.ThreadSafe ? Math.Max(1, options.Threads) : 1;
        // Expansions ahead read the duplicate table to skip the heuristic of states already seen, so with threads it is concurrent.
        IDictionary<TState, int>? visited = !options.DuplicateDetection ? null
            : threads > 1 ? new System.Collections.Concurrent.ConcurrentDictionary<TState, int>(space.Comparer) : new Dictionary<TState, int>(space.Comparer);
        Func<TState, bool> seenBefore = visited is null ? _ => false : visited.ContainsKey;
        var frontier = new Frontier(strategy);
        long expanded = 0, generated = 0, stored = 0;
        var ahead = new Dictionary<int, Task<Expansion>>();
        var stop = new CancellationTokenSource(); // not disposed: expansions ahead may still read its token after the run
        var bestGoal = -1; // A*: the cheapest goal node generated so far

        SearchOutcome Done(PlanStatus status, int node, string reason)
        {
            stop.Cancel();
            var path = new List<int>();
            for (var i = node; status == PlanStatus.Solved && i >= 0 && nodes[i].Parent >= 0; i = nodes[i].Parent)
            {
                path.Add(nodes[i].Action);
            }
            path.Reverse();
            return new SearchOutcome(status, [.. path], expanded, generated, clock.Elapsed, reason);
        }

        int Priority(Node n) => strategy == SearchStrategy.AStar ? n.Depth + n.H : n.H;

        try
        {
            var initial = space.Initial;
            var h0 = space.Distance(space.View(initial));
            nodes.Add(new Node(initial, -1, -1, 0, h0));
            visited?.Add(initial, 0);
            stored = space.Size(initial) + NodeBytes;
            if (h0 < 0)
            {
                return Done(PlanStatus.ProvedUnsolvable, -1, "maintenance goal false initially");
            }
            if (h0 == 0)
            {
                return Done(PlanStatus.Solved, 0, "goal reached");
            }
            if (h0 == int.MaxValue)
            {
                return Done(PlanStatus.ProvedUnsolvable, -1, "goal unreachable");
            }
            if (stored > options.MaxMemoryBytes)
            {
                return Done(PlanStatus.OutOfMemoryBound, -1, OutOfMemory);
            }
            frontier.Push(0, Priority(nodes[0]), strategy == SearchStrategy.AStar ? h0 : 0);
            while (frontier.Count > 0)
            {
                var current = frontier.Pop();
                var node = nodes[current];
                ahead.Remove(current, out var task);
                if (bestGoal >= 0 && Priority(node) >= nodes[bestGoal].Depth)
                {
                    return Done(PlanStatus.Solved, bestGoal, "goal reached"); // no open node leads to a shorter plan
                }
                if (visited is not null && strategy == SearchStrategy.AStar && visited[node.State] != current)
                {
                    continue; // reopened through a shorter path: this copy is stale
                }
                expanded++;
                if (node.Depth >= maxDepth)
                {
                    depthCut = true;
                    continue;
                }
                if (threads > 1)
                {
                    foreach (var next in frontier.Ahead(threads * 4))
                    {
                        if (ahead.Count >= threads * 4)
                        {
                            break;
                        }
                        if (!ahead.ContainsKey(next))
                        {
                            var state = nodes[next].State;
                            ahead.Add(next, Task.Run(() => Expand(space, state, seenBefore, stop.Token), stop.Token));
                        }
                    }
                }
                var expansion = task is not null ? task.GetAwaiter().GetResult() : Expand(space, node.State, null, default);
                foreach (var (action, next, final, knownH) in expansion.Successors)
                {
                    if (cancellation.IsCancellationRequested)
                    {
                        return Done(PlanStatus.Cancelled, -1, "cancelled");
                    }
                    if (clock.Elapsed > timeout)
                    {
                        return Done(PlanStatus.Timeout, -1, "timeout");
                    }
                    generated++;
                    var depth = node.Depth + 1;
                    var reopened = false;
                    if (visited is not null && visited.TryGetValue(next, out var seen))
                    {
                        if (strategy != SearchStrategy.AStar || nodes[seen].Depth <= depth)
                        {
                            continue;
                        }
                        reopened = true; // A*: a shorter path to a state already generated
                    }
                    if (nodes.Count >= options.MaxNodes)
                    {
                        return Done(PlanStatus.NodeLimit, -1, "node limit");
                    }
                    var h = knownH != int.MinValue ? knownH : space.Distance(space.View(next));
                    if (h < 0 || h == int.MaxValue)
                    {
                        continue; // breaks the maintenance goal, or a proven dead end
                    }
                    nodes.Add(new Node(next, current, action, depth, h));
                    var index = nodes.Count - 1;
                    if (visited is not null)
                    {
                        visited[next] = index;
                    }
                    stored += (reopened ? 0 : space.Size(next)) + NodeBytes;
                    if (stored > options.MaxMemoryBytes)
                    {
                        return Done(PlanStatus.OutOfMemoryBound, -1, OutOfMemory);
                    }
                    if (h == 0)
                    {
                        if (strategy != SearchStrategy.AStar || depth <= Priority(node))
                        {
                            return Done(PlanStatus.Solved, index, "goal reached");
                        }
                        if (bestGoal < 0 || depth < nodes[bestGoal].Depth)
                        {
                            bestGoal = index;
                        }
                        continue;
                    }
                    if (!final)
                    {
                        frontier.Push(index, Priority(nodes[index]), strategy == SearchStrategy.AStar ? h : depth); // a state that ends the episode has no successors
                    }
                }
                if (expansion.Failure is not null)
                {
                    return Done(PlanStatus.OutOfMemoryBound, -1, OutOfMemory);
                }
            }
            if (bestGoal >= 0)
            {
                return Done(PlanStatus.Solved, bestGoal, "goal reached");
            }
        }
        catch (PlanningLimitException)
        {
            return Done(PlanStatus.OutOfMemoryBound, -1, OutOfMemory);
        }
        catch (OutOfMemoryException)
        {
            return Done(PlanStatus.OutOfMemoryBound, -1, OutOfMemory);
        }
        return depthCut
            ? Done(PlanStatus.DepthLimit, -1, $"no plan within depth {maxDepth}")
            : Done(PlanStatus.ProvedUnsolvable, -1, "search space exhausted");
    }

    /// <summary>
    /// The successors of <paramref name="state"/> in action order, with their distances when <paramref name="seenBefore"/>
    /// is given and says they are new (otherwise <see cref="int.MinValue"/>: the search computes it if it keeps the state).
    /// A successor too large ends the list with <see cref="Expansion.Failure"/>. The result does not depend on what
    /// <paramref name="seenBefore"/> says, only the work done.
    /// </summary>
    private static Expansion Expand(ISearchSpace<TState, TView> space, TState state, Func<TState, bool>? seenBefore, CancellationToken stop)
    {
        var result = new Expansion();
        var view = space.View(state);
        for (var ai = 0; ai < space.ActionCount && !stop.IsCancellationRequested; ai++)
        {
            try
            {
                if (!space.TryApply(view, ai, out var next, out var final))
                {
                    continue;
                }
                var known = seenBefore is null || seenBefore(next);
                result.Successors.Add((ai, next, final, known ? int.MinValue : space.Distance(space.View(next))));
            }
            catch (PlanningLimitException e)
            {
                result.Failure = e;
                break;
            }
        }
        return result;
    }

    /// <summary>
    /// The open list: first-in first-out for breadth-first search; for A* and greedy best-first, buckets by
    /// (priority, tie-break) taken lowest first, first-in first-out within a bucket. <see cref="Ahead"/> lists
    /// the nodes in the order they would be taken if nothing were added.
    /// </summary>
    private sealed class Frontier(SearchStrategy strategy)
    {
        private readonly List<int> _fifo = [];
        private int _head;
        private readonly SortedDictionary<long, Queue<int>> _buckets = [];

        public int Count { get; private set; }

        public void Push(int node, int priority, int tieBreak)
        {
            Count++;
            if (strategy == SearchStrategy.Bfs)
            {
                _fifo.Add(node);
                return;
            }
            var key = ((long)priority << 32) | (uint)tieBreak;
            if (!_buckets.TryGetValue(key, out var q))
            {
                q = new Queue<int>();
                _buckets.Add(key, q);
            }
            q.Enqueue(node);
        }

        public int Pop()
        {
            Count--;
            if (strategy == SearchStrategy.Bfs)
            {
                var n = _fifo[_head++];
                if (_head > 4096 && _head * 2 > _fifo.Count)
                {
                    _fifo.RemoveRange(0, _head);
                    _head = 0;
                }
                return n;
            }
            using var e = _buckets.GetEnumerator();
            e.MoveNext();
            var (key, q) = e.Current;
            var node = q.Dequeue();
            if (q.Count == 0)
            {
                _buckets.Remove(key);
            }
            return node;
        }

        public IEnumerable<int> Ahead(int count)
        {
            if (strategy == SearchStrategy.Bfs)
            {
                for (var i = _head; i < _fifo.Count && i < _head + count; i++)
                {
                    yield return _fifo[i];
                }
                yield break;
            }
            foreach (var q in _buckets.Values)
            {
                foreach (var n in q)
                {
                    if (count-- <= 0)
                    {
                        yield break;
                    }
                    yield return n;
                }
            }
        }
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
        SearchOutcome Stop(PlanStatus status, string reason) => new(status, [], expanded, generated, clock.Elapsed, reason);
        try
        {
            var initial = space.Initial;
            var rootView = space.View(initial);
            var d0 = space.Distance(rootView);
            if (d0 < 0)
            {
                return Stop(PlanStatus.ProvedUnsolvable, "maintenance goal false initially");
            }
            if (d0 == 0)
            {
                return new SearchOutcome(PlanStatus.Solved, [], 0, 0, clock.Elapsed, "goal reached");
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
                        return Stop(PlanStatus.Cancelled, "cancelled");
                    }
                    if (clock.Elapsed > options.EffectiveTimeout)
                    {
                        return Stop(PlanStatus.Timeout, "timeout");
                    }
                    if (!space.TryApply(top.View, ai, out var next, out var final))
                    {
                        continue;
                    }
                    if (++generated > options.MaxNodes)
                    {
                        return Stop(PlanStatus.NodeLimit, "node limit");
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
                        return new SearchOutcome(PlanStatus.Solved, path, expanded, generated, clock.Elapsed, "goal reached");
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
                    return Stop(PlanStatus.ProvedUnsolvable, "search space exhausted");
                }
            }
        }
        catch (PlanningLimitException)
        {
            return Stop(PlanStatus.OutOfMemoryBound, OutOfMemory);
        }
        return Stop(PlanStatus.DepthLimit, $"no plan within depth {maxDepth}");
    }
}
