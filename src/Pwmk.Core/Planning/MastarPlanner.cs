using System.Diagnostics;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Planning;

/// <summary>
/// Forward state-space planner over mA* problems: states are canonical bisimulation-contracted
/// pointed Kripke models, successors come from product update (<c>MastarSemantics</c>), actions are
/// tried in byte-wise order of their names, the initial state is checked first and the goal is
/// tested when a successor is generated (as the reference planners do).
/// </summary>
public static class MastarPlanner
{
    private readonly record struct Node(KripkeModel State, int Parent, int Action, int Depth);

    private sealed class StateComparer : IEqualityComparer<KripkeModel>
    {
        public static readonly StateComparer Instance = new();

        public bool Equals(KripkeModel? x, KripkeModel? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.SameAs(y));

        public int GetHashCode(KripkeModel obj) => obj.Hash;
    }

    /// <summary>Searches for a plan; always returns (at the goal, a limit, or exhaustion).</summary>
    public static MastarPlan Solve(MastarProblem problem, PlanSearchOptions? options = null, CancellationToken cancellation = default) =>
        Solve(problem, options, invariant: null, "mastar", cancellation);

    /// <summary>Search with an optional invariant (maintenance goal) that every state of the plan must satisfy.</summary>
    internal static MastarPlan Solve(MastarProblem problem, PlanSearchOptions? options, MastarFormula? invariant, string plannerType, CancellationToken cancellation)
    {
        options ??= new PlanSearchOptions();
        using var activity = PlannerTelemetry.Source.StartActivity("planning");
        activity?.SetTag("planner.type", plannerType);
        activity?.SetTag("pwmk.planner.strategy", options.Strategy.ToString());
        activity?.SetTag("pwmk.planner.problem", problem.Source);
        var result = options.Strategy == SearchStrategy.IterativeDeepening
            ? RunIterativeDeepening(problem, options, invariant, cancellation)
            : Run(problem, options, invariant, cancellation);
        activity?.SetTag("pwmk.planner.solved", result.Solved);
        activity?.SetTag("pwmk.planner.expanded", result.Expanded);
        activity?.SetStatus(result.Solved ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Unset);
        PlannerTelemetry.Record(plannerType + "_" + options.Strategy.ToString().ToLowerInvariant(), result.Solved, result.Length, result.Elapsed,
            invariant is null ? "achievement" : "maintenance");
        return result;
    }

    private static MastarPlan Run(MastarProblem problem, PlanSearchOptions options, MastarFormula? invariant, CancellationToken cancellation)
    {
        var maxDepth = options.MaxDepth ?? int.MaxValue;
        var depthCut = false;
        var clock = Stopwatch.StartNew();
        var timeout = options.EffectiveTimeout;
        var formulas = problem.Table.Count;
        var goalParts = problem.Goal.Kind == FormulaKind.And ? problem.Goal.Parts : [problem.Goal];
        var actions = problem.SearchOrder;
        var nodes = new List<Node>();
        var visited = options.DuplicateDetection ? new HashSet<KripkeModel>(StateComparer.Instance) : null;
        var fifo = new Queue<int>();
        var heap = new PriorityQueue<int, (int F, int H, int Seq)>();
        long expanded = 0, generated = 0, storedWorlds = problem.Initial.WorldCount;
        var seq = 0;

        // -1: the state breaks the invariant; otherwise the number of unmet goal conjuncts.
        int GoalDistance(KripkeModel s)
        {
            var ev = new ModelEvaluator(s, formulas);
            if (invariant is not null && !ev.HoldsAtActual(invariant))
            {
                return -1;
            }
            var h = 0;
            foreach (var g in goalParts)
            {
                if (!ev.HoldsAtActual(g))
                {
                    h++;
                }
            }
            return h;
        }

        MastarPlan Done(bool solved, int node, string reason)
        {
            var plan = new List<string>();
            for (var i = node; i >= 0 && nodes[i].Parent >= 0; i = nodes[i].Parent)
            {
                plan.Add(actions[nodes[i].Action].Name);
            }
            plan.Reverse();
            return new MastarPlan(solved, solved ? plan : [], expanded, generated, clock.Elapsed, reason);
        }

        void Push(int index, int h)
        {
            var depth = nodes[index].Depth;
            switch (options.Strategy)
            {
                case SearchStrategy.Bfs:
                    fifo.Enqueue(index);
                    break;
                case SearchStrategy.AStar:
                    heap.Enqueue(index, (depth + h, h, seq++));
                    break;
                default:
                    heap.Enqueue(index, (h, depth, seq++));
                    break;
            }
        }

        nodes.Add(new Node(problem.Initial, -1, -1, 0));
        visited?.Add(problem.Initial);
        var h0 = GoalDistance(problem.Initial);
        if (h0 < 0)
        {
            return Done(false, -1, "maintenance goal false initially");
        }
        if (h0 == 0)
        {
            return Done(true, 0, "goal reached");
        }
        Push(0, h0);
        try
        {
            while (fifo.Count > 0 || heap.Count > 0)
            {
                var current = options.Strategy == SearchStrategy.Bfs ? fifo.Dequeue() : heap.Dequeue();
                expanded++;
                var node = nodes[current];
                if (node.Depth >= maxDepth)
                {
                    depthCut = true;
                    continue;
                }
                var ev = new ModelEvaluator(node.State, formulas);
                for (var ai = 0; ai < actions.Length; ai++)
                {
                    if (cancellation.IsCancellationRequested)
                    {
                        return Done(false, -1, "cancelled");
                    }
                    if (clock.Elapsed > timeout)
                    {
                        return Done(false, -1, "timeout");
                    }
                    var action = actions[ai];
                    if (!MastarSemantics.IsExecutable(ev, action))
                    {
                        continue;
                    }
                    var next = MastarSemantics.Apply(ev, action, options.MaxWorldsPerState);
                    generated++;
                    if (visited is not null && !visited.Add(next))
                    {
                        continue;
                    }
                    if (nodes.Count >= options.MaxNodes)
                    {
                        return Done(false, -1, "node limit");
                    }
                    var h = GoalDistance(next);
                    if (h < 0)
                    {
                        continue; // breaks the maintenance goal
                    }
                    nodes.Add(new Node(next, current, ai, node.Depth + 1));
                    storedWorlds += next.WorldCount;
                    if (storedWorlds > options.MaxStoredWorlds)
                    {
                        return Done(false, -1, "memory limit");
                    }
                    if (h == 0)
                    {
                        return Done(true, nodes.Count - 1, "goal reached");
                    }
                    Push(nodes.Count - 1, h);
                }
            }
        }
        catch (PlanningLimitException)
        {
            return Done(false, -1, "state too large");
        }
        return Done(false, -1, depthCut ? $"no plan within depth {maxDepth}" : "search space exhausted");
    }

    private sealed class Frame(KripkeModel state, ModelEvaluator evaluator, int action)
    {
        public KripkeModel State { get; } = state;
        public ModelEvaluator Evaluator { get; } = evaluator;
        public int Action { get; } = action; // action that led here (-1 at the root)
        public int Next { get; set; }
    }

    /// <summary>
    /// Depth-first search with bounds 1, 2, ... (up to <see cref="PlanSearchOptions.MaxDepth"/>, 64 by
    /// default) on an explicit stack; states repeated on the current path are pruned. Memory holds only
    /// the current path; the node limit bounds the total number of generated states.
    /// </summary>
    private static MastarPlan RunIterativeDeepening(MastarProblem problem, PlanSearchOptions options, MastarFormula? invariant, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var formulas = problem.Table.Count;
        var actions = problem.SearchOrder;
        var maxDepth = options.MaxDepth ?? 64;
        long expanded = 0, generated = 0;
        var rootEv = new ModelEvaluator(problem.Initial, formulas);
        if (invariant is not null && !rootEv.HoldsAtActual(invariant))
        {
            return new MastarPlan(false, [], 0, 0, clock.Elapsed, "maintenance goal false initially");
        }
        if (rootEv.HoldsAtActual(problem.Goal))
        {
            return new MastarPlan(true, [], 0, 0, clock.Elapsed, "goal reached");
        }
        var stack = new List<Frame>();
        var onPath = new HashSet<KripkeModel>(StateComparer.Instance);
        MastarPlan Stop(string reason) => new(false, [], expanded, generated, clock.Elapsed, reason);
        try
        {
            for (var bound = 1; bound <= maxDepth; bound++)
            {
                var cut = false;
                stack.Clear();
                onPath.Clear();
                stack.Add(new Frame(problem.Initial, new ModelEvaluator(problem.Initial, formulas), -1));
                onPath.Add(problem.Initial);
                expanded++;
                while (stack.Count > 0)
                {
                    var top = stack[^1];
                    if (top.Next == actions.Length)
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
                    if (!MastarSemantics.IsExecutable(top.Evaluator, actions[ai]))
                    {
                        continue;
                    }
                    var next = MastarSemantics.Apply(top.Evaluator, actions[ai], options.MaxWorldsPerState);
                    if (++generated > options.MaxNodes)
                    {
                        return Stop("node limit");
                    }
                    if (onPath.Contains(next))
                    {
                        continue;
                    }
                    var ev = new ModelEvaluator(next, formulas);
                    if (invariant is not null && !ev.HoldsAtActual(invariant))
                    {
                        continue;
                    }
                    if (ev.HoldsAtActual(problem.Goal))
                    {
                        var plan = stack.Skip(1).Select(f => actions[f.Action].Name).Append(actions[ai].Name).ToList();
                        return new MastarPlan(true, plan, expanded, generated, clock.Elapsed, "goal reached");
                    }
                    if (stack.Count < bound)
                    {
                        stack.Add(new Frame(next, ev, ai));
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
