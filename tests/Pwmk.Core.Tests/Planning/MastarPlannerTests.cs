using System.Globalization;
using System.Text.RegularExpressions;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Tests.Planning;

public partial class MastarPlannerTests
{
    [GeneratedRegex(@"__pl_(\d+)\.txt$")]
    private static partial Regex PlanLength();

    [DataFact("epistemic")]
    public void CoinBoxPl5GivesTheExpectedPlan()
    {
        var problem = MastarProblem.Load(EpistemicData.File("CoinBox/Coin_in_the_Box__pl_5.txt"));
        var plan = MastarPlanner.Solve(problem);
        Assert.True(plan.Solved);
        Assert.Equal(["open_a", "peek_a", "signal_a_b", "signal_a_c", "shout_tail_a"], plan.Actions);
        Assert.Null(MastarPlanner.Validate(problem, plan.Actions));
        Assert.True(plan.Expanded < 102); // the deep planner's BFS expands 102 nodes here
    }

    [DataTheory("epistemic")]
    [InlineData(SearchStrategy.AStar)]
    [InlineData(SearchStrategy.Gbfs)]
    public void HeuristicSearchFindsValidPlans(SearchStrategy strategy)
    {
        var problem = MastarProblem.Load(EpistemicData.File("Grapevine/Grapevine_3/Grapevine_3__pl_4.txt"));
        var plan = MastarPlanner.Solve(problem, new PlanSearchOptions(strategy, TimeSpan.FromSeconds(20)));
        Assert.True(plan.Solved);
        Assert.True(plan.Length >= 4);
        Assert.Null(MastarPlanner.Validate(problem, plan.Actions));
    }

    [DataTheory("epistemic")]
    [InlineData("CoinBox/Coin_in_the_Box__pl_5.txt", 5)]
    [InlineData("SC/SC_4_2/SC_4_2__pl_7.txt", 7)]
    [InlineData("CC/CC_2_2_3/CC_2_2_3__pl_4.txt", 4)]
    public void IterativeDeepeningFindsShortestPlans(string file, int length)
    {
        var problem = MastarProblem.Load(EpistemicData.File(file));
        var plan = MastarPlanner.Solve(problem, new PlanSearchOptions(SearchStrategy.IterativeDeepening, TimeSpan.FromSeconds(20)));
        Assert.True(plan.Solved, plan.Reason);
        Assert.Equal(length, plan.Length);
        Assert.Null(MastarPlanner.Validate(problem, plan.Actions));
        var shallow = MastarPlanner.Solve(problem, new PlanSearchOptions(SearchStrategy.IterativeDeepening, TimeSpan.FromSeconds(20), MaxDepth: length - 1));
        Assert.False(shallow.Solved);
        Assert.Equal($"no plan within depth {length - 1}", shallow.Reason);
    }

    [DataFact("epistemic")]
    public void UnreachableGoalEndsWithExhaustionAndLimitsAreReported()
    {
        const string text = """
            fluent p, q;
            action sense;
            agent a, b;
            sense determines p;
            a observes sense;
            initially p, q;
            goal B(b, p);
            """;
        var problem = MastarProblem.Parse(text);
        var plan = MastarPlanner.Solve(problem);
        Assert.False(plan.Solved);
        Assert.Equal("search space exhausted", plan.Reason);

        var big = MastarProblem.Load(EpistemicData.File("CoinBox_Rich/Coin_in_the_Box__pl_23.txt"));
        var limited = MastarPlanner.Solve(big, new PlanSearchOptions(MaxNodes: 50));
        Assert.False(limited.Solved);
        Assert.Equal("node limit", limited.Reason);
        var memory = MastarPlanner.Solve(big, new PlanSearchOptions(MaxMemoryBytes: 1 << 20));
        Assert.Equal(PlanStatus.OutOfMemoryBound, memory.Status);
        Assert.Equal("out of memory bound", memory.Reason);
        var timed = MastarPlanner.Solve(big, new PlanSearchOptions(Timeout: TimeSpan.FromMilliseconds(30)));
        Assert.False(timed.Solved);
        Assert.Equal("timeout", timed.Reason);
    }

    /// <summary>
    /// Without duplicate detection, breadth-first search must expand exactly the reference planner's
    /// node counts (reference_bfs.tsv) and find the same plan: an exact test of the semantics.
    /// </summary>
    [DataFact("epistemic")]
    public void BreadthFirstWithoutDuplicateDetectionMatchesTheReferenceExactly()
    {
        var checkedCount = 0;
        foreach (var line in File.ReadLines(Path.Combine(EpistemicData.Root, "reference_bfs.tsv")).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length < 4 || cols[2].Length == 0)
            {
                continue;
            }
            var expanded = long.Parse(cols[2], CultureInfo.InvariantCulture);
            if (expanded > 5000)
            {
                continue; // keep the suite fast
            }
            var problem = MastarProblem.Load(EpistemicData.File(cols[0] + ".txt"));
            var plan = MastarPlanner.Solve(problem, new PlanSearchOptions(DuplicateDetection: false, Timeout: TimeSpan.FromSeconds(30)));
            Assert.True(plan.Solved, cols[0]);
            Assert.Equal(cols[3], string.Join(", ", plan.Actions));
            Assert.True(expanded == plan.Expanded, $"{cols[0]}: expanded {plan.Expanded}, reference {expanded}");
            checkedCount++;
        }
        Assert.True(checkedCount >= 80, $"only {checkedCount} reference instances checked");
    }

    /// <summary>
    /// Issue 20's bar, as the bench runs it (bench/planner): every shared problem solved within 60 s at the length in its
    /// file name (for the <c>_wrong</c> and <c>_test</c> variants, at the reference planner's breadth-first length) or
    /// proved unsolvable, with A* on the admissible h_max; every plan replays to the goal. CoinBox_Rich pl_5 names an
    /// undeclared fluent and is rejected with its position.
    /// </summary>
    [DataFact("epistemic")]
    public void EverySharedProblemIsSolvedAtItsLengthOrProvedUnsolvable()
    {
        var reference = File.ReadLines(Path.Combine(EpistemicData.Root, "reference_bfs.tsv")).Skip(1).Select(l => l.Split('\t'))
            .Where(c => c.Length >= 2 && c[1].Length > 0).ToDictionary(c => c[0], c => int.Parse(c[1], CultureInfo.InvariantCulture));
        var files = Directory.EnumerateFiles(EpistemicData.Mastar, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(132, files.Count);
        var options = new PlanSearchOptions(SearchStrategy.AStar, TimeSpan.FromSeconds(60));
        var failures = new List<string>();
        var unsolvable = new List<string>();
        var rejected = new List<string>();
        foreach (var path in files)
        {
            var name = Path.GetRelativePath(EpistemicData.Mastar, path)[..^4].Replace('\\', '/');
            MastarProblem problem;
            try
            {
                problem = MastarProblem.Load(path);
            }
            catch (MastarSyntaxException e)
            {
                Assert.True(e.Line > 0 && e.Column > 0);
                rejected.Add(name);
                continue;
            }
            var plan = MastarPlanner.Solve(problem, options);
            if (plan.Status == PlanStatus.ProvedUnsolvable)
            {
                unsolvable.Add(name);
                continue;
            }
            if (!plan.Solved)
            {
                failures.Add($"{name}: {plan.Reason}");
                continue;
            }
            if (MastarPlanner.Validate(problem, plan.Actions) is { } error)
            {
                failures.Add($"{name}: {error}");
            }
            var m = PlanLength().Match(path);
            int? expected = reference.TryGetValue(name, out var r) ? r : m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
            if (expected is { } length && length != plan.Length)
            {
                failures.Add($"{name}: length {plan.Length}, expected {length}");
            }
        }
        Assert.Empty(failures);
        Assert.Equal(["CoinBox_Rich/Coin_in_the_Box__pl_5"], rejected);
        Assert.Equal(["SC_Multi/SC_10_8/SC_10_8__pl_9"], unsolvable); // not in the reference table; its header is stale
    }

    /// <summary>Breadth-first search, the reference for plan length, on the two instances that used to time out.</summary>
    [DataTheory("epistemic")]
    [InlineData("CC/CC_2_4_4/CC_2_4_4__pl_6.txt", 6)]
    [InlineData("CC/CC_2_4_4/CC_2_4_4__pl_7.txt", 7)]
    public void BreadthFirstSolvesTheLargestCollaborationProblems(string file, int length)
    {
        var problem = MastarProblem.Load(EpistemicData.File(file));
        var plan = MastarPlanner.Solve(problem, new PlanSearchOptions(Timeout: TimeSpan.FromSeconds(60)));
        Assert.True(plan.Solved, plan.Reason);
        Assert.Equal(length, plan.Length);
        Assert.Null(MastarPlanner.Validate(problem, plan.Actions));
    }
}

/// <summary>The relaxed-plan heuristic (h_FF) against h_add, on a problem the project writes.</summary>
public class RelaxedPlanHeuristicTests
{
    /// <summary>One public announcement makes three agents believe the secret; telling each apart takes three actions.</summary>
    private const string Announcement = """
        fluent secret, done;
        action shout, tell_a, tell_b, tell_c;
        agent a, b, c, d;
        executable shout;
        executable tell_a;
        executable tell_b;
        executable tell_c;
        shout announces secret;
        a observes shout;
        b observes shout;
        c observes shout;
        tell_a announces secret;
        a observes tell_a;
        tell_b announces secret;
        b observes tell_b;
        tell_c announces secret;
        c observes tell_c;
        initially secret, -done;
        initially C([a, b, c, d], -done);
        goal B(a, secret), B(b, secret), B(c, secret);
        """;

    [Fact]
    public void AnActionThatServesSeveralConjunctsCountsOnce()
    {
        var problem = MastarProblem.Parse(Announcement, "announcement.txt");
        var heuristic = new ReachabilityHeuristic(problem);
        var initial = problem.Evaluate(problem.Initial);
        Assert.Equal(3, heuristic.Estimate(initial, additive: true));
        Assert.Equal(1, heuristic.Estimate(initial, additive: false));
        Assert.Equal(1, heuristic.Estimate(initial, additive: false, relaxedPlan: true));
    }

    [Fact]
    public void GreedySearchOnTheRelaxedPlanFindsTheOneActionPlan()
    {
        var problem = MastarProblem.Parse(Announcement, "announcement.txt");
        var plan = MastarPlanner.Solve(problem, new PlanSearchOptions(SearchStrategy.Gbfs, TimeSpan.FromSeconds(20), Heuristic: SearchHeuristic.HFF));
        Assert.True(plan.Solved, plan.Reason);
        Assert.Equal(["shout"], plan.Actions);
        Assert.Null(MastarPlanner.Validate(problem, plan.Actions));
    }
}
