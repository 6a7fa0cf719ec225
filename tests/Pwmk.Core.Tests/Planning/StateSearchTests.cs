using Pwmk.Core.Planning;

namespace Pwmk.Core.Tests.Planning;

/// <summary>The shared search engine on a toy space: numbers, actions +1 and *2, reach a target.</summary>
public class StateSearchTests
{
    /// <summary>From 1, reach <paramref name="target"/> with "+1" (action 0) and "*2" (action 1); states above the cap are dead ends; <paramref name="stop"/> ends the episode.</summary>
    private sealed class Numbers(int target, int cap = 1000, int? stop = null, int? forbidden = null) : ISearchSpace<int, int>
    {
        public int Initial => 1;

        public int ActionCount => 2;

        public IEqualityComparer<int> Comparer => EqualityComparer<int>.Default;

        public bool ThreadSafe => true;

        public int View(int state) => state;

        public int Distance(int state) => state == forbidden ? -1 : state == target ? 0 : 1;

        public bool TryApply(int from, int action, out int next, out bool final)
        {
            next = action == 0 ? from + 1 : from * 2;
            final = next == stop;
            return next <= cap;
        }

        public long Size(int state) => 1;
    }

    private static SearchOutcome Run(ISearchSpace<int, int> space, PlanSearchOptions options, CancellationToken ct = default) =>
        StateSearch<int, int>.Run(space, options, new SearchLabels("test", "numbers", "achievement"), ct);

    private static int Replay(int[] path) => path.Aggregate(1, (x, a) => a == 0 ? x + 1 : x * 2);

    [Theory]
    [InlineData(SearchStrategy.Bfs)]
    [InlineData(SearchStrategy.IterativeDeepening)]
    public void ShortestPlansFromBreadthFirstAndIterativeDeepening(SearchStrategy strategy)
    {
        // 1 -> 2 -> 3 -> 6 -> 12 -> 24 -> 25: six steps, and no shorter plan exists.
        var r = Run(new Numbers(25), new PlanSearchOptions(strategy));
        Assert.True(r.Solved, r.Reason);
        Assert.Equal(6, r.Path.Length);
        Assert.Equal(25, Replay(r.Path));
        Assert.Equal("goal reached", r.Reason);
    }

    [Theory]
    [InlineData(SearchStrategy.AStar)]
    [InlineData(SearchStrategy.Gbfs)]
    public void HeuristicSearchFindsValidPlans(SearchStrategy strategy)
    {
        var r = Run(new Numbers(25), new PlanSearchOptions(strategy));
        Assert.True(r.Solved, r.Reason);
        Assert.Equal(25, Replay(r.Path));
    }

    [Fact]
    public void LimitsEndTheRunWithTheirReason()
    {
        Assert.Equal("no plan within depth 3", Run(new Numbers(25), new PlanSearchOptions(MaxDepth: 3)).Reason);
        Assert.Equal("no plan within depth 3", Run(new Numbers(25), new PlanSearchOptions(SearchStrategy.IterativeDeepening, MaxDepth: 3)).Reason);
        Assert.Equal("node limit", Run(new Numbers(25), new PlanSearchOptions(MaxNodes: 4)).Reason);
        Assert.Equal("out of memory bound", Run(new Numbers(25), new PlanSearchOptions(MaxMemoryBytes: 400)).Reason);
        var exhausted = Run(new Numbers(2000), new PlanSearchOptions());
        Assert.Equal("search space exhausted", exhausted.Reason);
        Assert.Equal(PlanStatus.ProvedUnsolvable, exhausted.Status);
        Assert.Equal(PlanStatus.DepthLimit, Run(new Numbers(25), new PlanSearchOptions(MaxDepth: 3)).Status);
        Assert.Equal("maintenance goal false initially", Run(new Numbers(25, forbidden: 1), new PlanSearchOptions()).Reason);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Equal("cancelled", Run(new Numbers(25), new PlanSearchOptions(), cancelled.Token).Reason);
        var timedOut = Run(new Numbers(0, cap: int.MaxValue / 2), new PlanSearchOptions(Timeout: TimeSpan.FromMilliseconds(20)));
        Assert.Equal("timeout", timedOut.Reason);
        Assert.Equal(PlanStatus.Timeout, timedOut.Status);
    }

    [Theory]
    [InlineData(SearchStrategy.Bfs)]
    [InlineData(SearchStrategy.IterativeDeepening)]
    public void StatesThatBreakTheMaintenanceGoalOrEndTheEpisodeAreNotExpanded(SearchStrategy strategy)
    {
        // 2 is forbidden, and both actions lead from 1 to 2: no plan.
        Assert.False(Run(new Numbers(25, forbidden: 2), new PlanSearchOptions(strategy, MaxDepth: 10)).Solved);
        // 2 ends the episode: nothing beyond it, although the goal is reachable through it.
        var ended = Run(new Numbers(25, stop: 2), new PlanSearchOptions(strategy, MaxDepth: 10));
        Assert.False(ended.Solved);
        Assert.Equal("search space exhausted", ended.Reason);
        // The goal itself may end the episode.
        Assert.True(Run(new Numbers(25, stop: 25), new PlanSearchOptions(strategy)).Solved);
    }

    /// <summary>An explicit graph: states are letters, action i follows the i-th edge, <c>G</c> is the goal, h as given.</summary>
    private sealed class Graph(Dictionary<char, string> edges, Dictionary<char, int> h) : ISearchSpace<char, char>
    {
        public char Initial => 'S';

        public int ActionCount => 2;

        public IEqualityComparer<char> Comparer => EqualityComparer<char>.Default;

        public bool ThreadSafe => true;

        public char View(char state) => state;

        public int Distance(char state) => state == 'G' ? 0 : h[state];

        public bool TryApply(char from, int action, out char next, out bool final)
        {
            final = false;
            var targets = edges.GetValueOrDefault(from, "");
            next = action < targets.Length ? targets[action] : default;
            return action < targets.Length;
        }

        public long Size(char state) => 1;
    }

    [Fact]
    public void AStarReopensAStateReachedAgainByAShorterPath()
    {
        // S-A-X-C-G (4) is found first by the low estimate of A, but S-B-C-G (3) is shorter; h never overestimates.
        var graph = new Graph(
            new() { ['S'] = "AB", ['A'] = "X", ['X'] = "C", ['B'] = "C", ['C'] = "G" },
            new() { ['S'] = 1, ['A'] = 1, ['B'] = 2, ['X'] = 1, ['C'] = 1 });
        var r = StateSearch<char, char>.Run(graph, new PlanSearchOptions(SearchStrategy.AStar), new SearchLabels("test", "graph", "achievement"));
        Assert.True(r.Solved);
        Assert.Equal([1, 0, 0], r.Path); // B, C, G
        var bfs = StateSearch<char, char>.Run(graph, new PlanSearchOptions(), new SearchLabels("test", "graph", "achievement"));
        Assert.Equal(3, bfs.Path.Length);
    }

    [Fact]
    public void DeadEndsArePrunedAndAnUnreachableStartIsProvedUnsolvable()
    {
        var graph = new Graph(new() { ['S'] = "AB", ['A'] = "G", ['B'] = "G" }, new() { ['S'] = 2, ['A'] = int.MaxValue, ['B'] = 1 });
        var r = StateSearch<char, char>.Run(graph, new PlanSearchOptions(SearchStrategy.Gbfs), new SearchLabels("test", "graph", "achievement"));
        Assert.Equal([1, 0], r.Path); // through B: A is a proven dead end and never kept
        var hopeless = new Graph(new() { ['S'] = "A" }, new() { ['S'] = int.MaxValue, ['A'] = 1 });
        var none = StateSearch<char, char>.Run(hopeless, new PlanSearchOptions(SearchStrategy.AStar), new SearchLabels("test", "graph", "achievement"));
        Assert.Equal(PlanStatus.ProvedUnsolvable, none.Status);
        Assert.Equal(0, none.Expanded);
    }

    [Theory]
    [InlineData(SearchStrategy.Bfs)]
    [InlineData(SearchStrategy.AStar)]
    [InlineData(SearchStrategy.Gbfs)]
    public void ThreadsChangeNeitherPlansNorCounts(SearchStrategy strategy)
    {
        foreach (var target in new[] { 25, 97, 300, 2000 })
        {
            var one = Run(new Numbers(target), new PlanSearchOptions(strategy));
            var four = Run(new Numbers(target), new PlanSearchOptions(strategy, Threads: 4));
            Assert.Equal(one.Status, four.Status);
            Assert.Equal(one.Path, four.Path);
            Assert.Equal((one.Expanded, one.Generated), (four.Expanded, four.Generated));
        }
    }
}
