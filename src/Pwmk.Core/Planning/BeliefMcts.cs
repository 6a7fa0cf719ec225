using System.Text.Json;

namespace Pwmk.Core.Planning;

/// <summary>
/// Dynamics a tree search plans in: the states are belief states (what is true and what every
/// agent believes); the outcomes of an action may be stochastic or come from a learned world model.
/// </summary>
public interface IBeliefDynamics<TState>
{
    /// <summary>Actions executable in <paramref name="state"/>.</summary>
    IReadOnlyList<string> Actions(TState state);

    /// <summary>Possible successors with their probabilities (summing to 1).</summary>
    IReadOnlyList<(TState Next, double Probability)> Outcomes(TState state, string action);

    /// <summary>True when the goal holds (reward 1, the episode ends).</summary>
    bool IsGoal(TState state);
}

/// <summary>One node of an exported search tree.</summary>
public sealed record MctsTreeNode(string? Action, int Visits, double MeanValue, IReadOnlyList<MctsTreeNode> Children);

/// <summary>Result of <see cref="BeliefMcts{TState}.Search"/>: the most visited first action, the most visited line, and the tree.</summary>
public sealed record MctsResult(string? BestAction, IReadOnlyList<string> PrincipalVariation, int Simulations, MctsTreeNode Tree)
{
    /// <summary>The search tree as JSON (<c>action</c>, <c>visits</c>, <c>value</c>, <c>children</c>), cut below <paramref name="maxDepth"/>.</summary>
    public string ToJson(int maxDepth = 6)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("bestAction", BestAction);
            w.WriteNumber("simulations", Simulations);
            w.WriteStartArray("principalVariation");
            foreach (var a in PrincipalVariation)
            {
                w.WriteStringValue(a);
            }
            w.WriteEndArray();
            w.WritePropertyName("tree");
            // Explicit stack: (node, depth, closing marker).
            var stack = new Stack<(MctsTreeNode? Node, int Depth)>();
            stack.Push((Tree, 0));
            while (stack.Count > 0)
            {
                var (node, depth) = stack.Pop();
                if (node is null)
                {
                    w.WriteEndArray();
                    w.WriteEndObject();
                    continue;
                }
                w.WriteStartObject();
                w.WriteString("action", node.Action);
                w.WriteNumber("visits", node.Visits);
                w.WriteNumber("value", Math.Round(node.MeanValue, 6));
                w.WriteStartArray("children");
                stack.Push((null, depth));
                if (depth < maxDepth)
                {
                    for (var i = node.Children.Count - 1; i >= 0; i--)
                    {
                        stack.Push((node.Children[i], depth + 1));
                    }
                }
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>
/// Monte Carlo tree search over belief states with PUCT selection (uniform prior), for stochastic or
/// learned dynamics. Each simulation descends by <c>Q + cPuct * P * sqrt(N) / (1 + n)</c>, samples an
/// outcome of the chosen action, expands one new node, estimates it by a random rollout and backs up
/// the value <c>gamma^k</c> of reaching the goal after k more actions (0 if not reached within
/// <c>maxDepth</c>). Everything runs on explicit stacks.
/// </summary>
public sealed class BeliefMcts<TState>(IBeliefDynamics<TState> dynamics, double cPuct = 1.4, int numSimulations = 1000, int maxDepth = 20, int seed = 0)
    where TState : notnull
{
    private const double Gamma = 0.95;

    private sealed class Node(TState state, bool goal)
    {
        public TState State { get; } = state;
        public bool Goal { get; } = goal;
        public IReadOnlyList<string>? Actions { get; set; }
        public Edge[]? Edges { get; set; }
        public int Visits { get; set; }
    }

    private sealed class Edge(string action)
    {
        public string Action { get; } = action;
        public int Visits { get; set; }
        public double Total { get; set; }
        public (TState Next, double Probability)[]? Outcomes { get; set; }
        public Node?[]? Children { get; set; }
    }

    /// <summary>Runs the simulations from <paramref name="root"/> (a belief state).</summary>
    public MctsResult Search(TState root)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numSimulations);
        var rng = new Random(seed);
        var rootNode = new Node(root, dynamics.IsGoal(root));
        var path = new List<Edge>();
        for (var sim = 0; sim < numSimulations; sim++)
        {
            path.Clear();
            var node = rootNode;
            var depth = 0;
            double value;
            while (true)
            {
                node.Visits++;
                if (node.Goal)
                {
                    value = 1;
                    break;
                }
                if (depth >= maxDepth)
                {
                    value = 0;
                    break;
                }
                node.Actions ??= dynamics.Actions(node.State);
                if (node.Actions.Count == 0)
                {
                    value = 0;
                    break;
                }
                node.Edges ??= [.. node.Actions.Select(a => new Edge(a))];
                var edge = Select(node);
                path.Add(edge);
                edge.Outcomes ??= [.. dynamics.Outcomes(node.State, edge.Action)];
                edge.Children ??= new Node?[edge.Outcomes.Length];
                if (edge.Outcomes.Length == 0)
                {
                    value = 0;
                    break;
                }
                var k = Sample(edge.Outcomes, rng);
                depth++;
                if (edge.Children[k] is { } child)
                {
                    node = child;
                    continue;
                }
                var next = edge.Outcomes[k].Next;
                var fresh = new Node(next, dynamics.IsGoal(next));
                edge.Children[k] = fresh;
                fresh.Visits++;
                value = Rollout(fresh, depth, rng);
                break;
            }
            // Back up: the edge at position i is i+1 actions before the end of the path.
            for (var i = path.Count - 1; i >= 0; i--)
            {
                value *= Gamma;
                path[i].Visits++;
                path[i].Total += value;
            }
        }
        var pv = new List<string>();
        var cursor = rootNode;
        while (cursor?.Edges is { Length: > 0 } edges && pv.Count < maxDepth)
        {
            var best = edges.MaxBy(e => e.Visits)!;
            if (best.Visits == 0)
            {
                break;
            }
            pv.Add(best.Action);
            cursor = best.Children?.Where(c => c is not null).MaxBy(c => c!.Visits);
        }
        return new MctsResult(pv.Count > 0 ? pv[0] : null, pv, numSimulations, Export(rootNode));
    }

    private Edge Select(Node node)
    {
        var edges = node.Edges!;
        var prior = 1.0 / edges.Length;
        var sqrt = Math.Sqrt(Math.Max(1, node.Visits));
        Edge best = edges[0];
        var bestScore = double.NegativeInfinity;
        foreach (var e in edges)
        {
            var q = e.Visits == 0 ? 0 : e.Total / e.Visits;
            var score = q + (cPuct * prior * sqrt / (1 + e.Visits));
            if (score > bestScore)
            {
                bestScore = score;
                best = e;
            }
        }
        return best;
    }

    private static int Sample((TState Next, double Probability)[] outcomes, Random rng)
    {
        var r = rng.NextDouble();
        for (var i = 0; i < outcomes.Length; i++)
        {
            r -= outcomes[i].Probability;
            if (r <= 0)
            {
                return i;
            }
        }
        return outcomes.Length - 1;
    }

    private double Rollout(Node start, int depth, Random rng)
    {
        var state = start.State;
        var discount = 1.0;
        for (var d = depth; ; d++)
        {
            if (dynamics.IsGoal(state))
            {
                return discount;
            }
            if (d >= maxDepth)
            {
                return 0;
            }
            var actions = dynamics.Actions(state);
            if (actions.Count == 0)
            {
                return 0;
            }
            var outcomes = dynamics.Outcomes(state, actions[rng.Next(actions.Count)]);
            if (outcomes.Count == 0)
            {
                return 0;
            }
            state = outcomes[Sample([.. outcomes], rng)].Next;
            discount *= Gamma;
        }
    }

    private static MctsTreeNode Export(Node root)
    {
        // Post-order on an explicit stack.
        var built = new Dictionary<Node, MctsTreeNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Node Node, string? Action, double Mean, bool Done)>();
        stack.Push((root, null, 0, false));
        var result = default(MctsTreeNode);
        var pending = new Dictionary<Node, (string? Action, double Mean)>(ReferenceEqualityComparer.Instance);
        while (stack.Count > 0)
        {
            var (node, action, mean, done) = stack.Pop();
            var children = (node.Edges ?? []).SelectMany(e => (e.Children ?? []).Where(c => c is not null)
                .Select(c => (Child: c!, e.Action, Mean: e.Visits == 0 ? 0 : e.Total / e.Visits))).ToList();
            if (!done)
            {
                stack.Push((node, action, mean, true));
                foreach (var (c, a, m) in children)
                {
                    if (!built.ContainsKey(c) && !pending.ContainsKey(c))
                    {
                        pending[c] = (a, m);
                        stack.Push((c, a, m, false));
                    }
                }
                continue;
            }
            var kids = children.Where(c => built.ContainsKey(c.Child)).Select(c => built[c.Child]).ToList();
            var tree = new MctsTreeNode(action, node.Visits, mean, kids);
            built[node] = tree;
            result = tree;
        }
        return result!;
    }
}
