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
        Assert.Equal("search space exhausted", Run(new Numbers(2000), new PlanSearchOptions()).Reason);
        Assert.Equal("maintenance goal false initially", Run(new Numbers(25, forbidden: 1), new PlanSearchOptions()).Reason);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Equal("cancelled", Run(new Numbers(25), new PlanSearchOptions(), cancelled.Token).Reason);
        Assert.Equal("timeout", Run(new Numbers(0, cap: int.MaxValue / 2), new PlanSearchOptions(Timeout: TimeSpan.FromMilliseconds(20))).Reason);
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
}
