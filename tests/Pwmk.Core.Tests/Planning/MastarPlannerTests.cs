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
    /// Every shared problem: parsed (or rejected with a position), searched with a node bound, and every
    /// plan found is replayed through the semantics and has the length in the file name.
    /// </summary>
    [DataFact("epistemic")]
    public void AllSharedProblemsGiveValidPlansOfTheExpectedLength()
    {
        var files = Directory.EnumerateFiles(EpistemicData.Mastar, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(132, files.Count);
        var options = new PlanSearchOptions(Timeout: TimeSpan.FromSeconds(3), MaxNodes: 3000);
        int solved = 0, rejected = 0;
        var failures = new List<string>();
        foreach (var path in files)
        {
            var name = Path.GetRelativePath(EpistemicData.Mastar, path);
            MastarProblem problem;
            try
            {
                problem = MastarProblem.Load(path);
            }
            catch (MastarSyntaxException e)
            {
                rejected++;
                Assert.True(e.Line > 0 && e.Column > 0);
                continue;
            }
            var plan = MastarPlanner.Solve(problem, options);
            if (!plan.Solved)
            {
                Assert.Contains(plan.Reason, new[] { "node limit", "memory limit", "timeout", "search space exhausted", "state too large" });
                continue;
            }
            solved++;
            if (MastarPlanner.Validate(problem, plan.Actions) is { } error)
            {
                failures.Add($"{name}: {error}");
            }
            var m = PlanLength().Match(path);
            if (m.Success && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) != plan.Length)
            {
                failures.Add($"{name}: length {plan.Length}");
            }
        }
        Assert.Empty(failures);
        Assert.Equal(1, rejected); // CoinBox_Rich pl_5 uses an undeclared fluent
        Assert.True(solved >= 100, $"solved {solved}");
    }
}
