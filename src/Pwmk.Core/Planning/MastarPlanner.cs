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
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Hash == y.Hash && x.Key.AsSpan().SequenceEqual(y.Key));

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
        var result = Run(problem, options, invariant, cancellation);
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
        long expanded = 0, generated = 0;
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
