using System.Globalization;
using System.Text.RegularExpressions;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Tests.Planning;

/// <summary>
/// The project's own mA* problems (<c>examples/epistemic</c>, in every clone): each is solved at the length its
/// header states by every strategy that promises shortest plans, identically on one thread or several, and the
/// paths the shared benchmark set exercises (unstated fluents, huge initial valuations, common-knowledge
/// constraints, contraction, the memory bound) are covered without it.
/// </summary>
public partial class ExampleProblemsTests
{
    [GeneratedRegex(@"^% Plan \((\d+)\)", RegexOptions.Multiline)]
    private static partial Regex PlanHeader();

    private static string Folder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pwmk.slnx")))
        {
            dir = dir.Parent;
        }
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("Pwmk.slnx not found"), "examples", "epistemic");
    }

    private static MastarProblem Load(string name) => MastarProblem.Load(Path.Combine(Folder(), name));

    private static List<string> Names() =>
        [.. Directory.EnumerateFiles(Folder(), "*.txt").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> Examples() => [.. Names()];

    [Fact]
    public void EveryFamilyShapeAndPathHasAnExample()
    {
        Assert.Subset(Names().ToHashSet(), new HashSet<string>(["lamp_unstated.txt", "vault_dials.txt", "treasure_cells.txt", "whispers.txt",
            "coin_in_cup.txt", "collaboration.txt", "gossip.txt", "corridor.txt", "assembly.txt"]));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void EachExampleIsSolvedAtItsStatedLengthAlikeOnOneThreadOrMany(string name)
    {
        var problem = Load(name);
        var text = File.ReadAllText(Path.Combine(Folder(), name));
        var length = int.Parse(PlanHeader().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        var bfs = MastarPlanner.Solve(problem, new PlanSearchOptions(Timeout: TimeSpan.FromSeconds(30)));
        Assert.True(bfs.Solved, bfs.Reason);
        Assert.Equal(length, bfs.Length);
        Assert.Null(MastarPlanner.Validate(problem, bfs.Actions));
        var astar = MastarPlanner.Solve(problem, new PlanSearchOptions(SearchStrategy.AStar, TimeSpan.FromSeconds(30)));
        Assert.Equal(length, astar.Length); // h_max is admissible
        Assert.Null(MastarPlanner.Validate(problem, astar.Actions));
        var gbfs = MastarPlanner.Solve(problem, new PlanSearchOptions(SearchStrategy.Gbfs, TimeSpan.FromSeconds(30)));
        Assert.True(gbfs.Solved, gbfs.Reason);
        Assert.True(gbfs.Length >= length);
        Assert.Null(MastarPlanner.Validate(problem, gbfs.Actions));
        foreach (var sequential in new[] { bfs, astar, gbfs })
        {
            var strategy = sequential == bfs ? SearchStrategy.Bfs : sequential == astar ? SearchStrategy.AStar : SearchStrategy.Gbfs;
            var parallel = MastarPlanner.Solve(problem, new PlanSearchOptions(strategy, TimeSpan.FromSeconds(30), Threads: 4));
            Assert.Equal(sequential.Actions, parallel.Actions);
            Assert.Equal((sequential.Expanded, sequential.Generated), (parallel.Expanded, parallel.Generated));
        }
    }

    [Fact]
    public void UnstatedFluentsAreFalseAndTheResultSaysSo()
    {
        var problem = Load("lamp_unstated.txt");
        Assert.True(problem.Holds(problem.Initial, "-lamp_on, -door_open, -cat_inside"));
        Assert.Equal(4, problem.InitialWorldCount); // only the lamp is common knowledge: the door and the cat are open
        var plan = MastarPlanner.Solve(problem);
        var note = Assert.Single(plan.Notes);
        Assert.Contains("2 fluents unstated: taken as -cat_inside, -door_open", note, StringComparison.Ordinal);
    }

    [Fact]
    public void MoreThan65536InitialValuationsAreKeptAsIndependentParts()
    {
        var problem = Load("vault_dials.txt");
        Assert.Equal(1L << 18, problem.InitialWorldCount); // 262,144 valuations of the 18 unknown dials
        Assert.Equal(19, problem.PartCount); // one part per dial, one for where the spy is
        Assert.All(problem.Initial.Parts, p => Assert.True(p.WorldCount <= 2));
        Assert.True(MastarPlanner.Solve(problem, new PlanSearchOptions(SearchStrategy.AStar)).Solved);
    }

    [Fact]
    public void CommonKnowledgeConstraintsBuildOnlyTheWorldsTheyAllow()
    {
        var problem = Load("treasure_cells.txt");
        Assert.Equal(1, problem.PartCount); // the constraint links the 20 cells
        Assert.Equal(20, problem.InitialWorldCount); // exactly one cell holds it: 20 worlds, not 2^20
        Assert.True(problem.Holds(problem.Initial, "C([ida, joe], (-cell_1) | (-cell_2))"));
    }

    [Fact]
    public void ContractionKeepsStatesSmallAndTheReachableSpaceFinite()
    {
        var problem = Load("whispers.txt");
        // A long walk through the domain: the product updates build more worlds than contraction keeps.
        var state = problem.Initial;
        var folded = 0;
        foreach (var action in new[] { "peek", "whisper", "leave_cal", "peek", "whisper", "return_cal", "peek", "leave_cal", "whisper", "return_cal", "whisper", "peek" })
        {
            state = problem.Apply(state, action) ?? throw new Xunit.Sdk.XunitException($"'{action}' is not executable");
            var changed = state.Parts.Where(p => p.RawWorldCount > 0).ToList();
            folded += changed.Count(p => p.RawWorldCount > p.WorldCount);
            Assert.True(state.WorldCount <= 12, $"after {action}: {state.WorldCount} worlds");
        }
        Assert.True(folded >= 4, $"contraction folded worlds only {folded} times");
        // Cal never fully observes the coin: no plan makes him know its side. The search space is finite up to
        // bisimulation, so breadth-first search proves it; h_max proves it at once.
        var never = MastarProblem.Parse(File.ReadAllText(Path.Combine(Folder(), "whispers.txt")) + "\ngoal B(cal, heads);\n", "whispers+");
        var bfs = MastarPlanner.Solve(never);
        Assert.Equal(PlanStatus.ProvedUnsolvable, bfs.Status);
        Assert.Equal("search space exhausted", bfs.Reason);
        Assert.True(bfs.Expanded is > 5 and < 500, $"{bfs.Expanded} states");
        var astar = MastarPlanner.Solve(never, new PlanSearchOptions(SearchStrategy.AStar));
        Assert.Equal(PlanStatus.ProvedUnsolvable, astar.Status);
        Assert.Equal("goal unreachable", astar.Reason);
    }

    [Fact]
    public void TheMemoryBoundEndsTheRunCleanly()
    {
        // Whole states of the vault have 262,144 worlds: beyond a 1 MiB bound before the search starts.
        var whole = MastarProblem.ParseWhole(File.ReadAllText(Path.Combine(Folder(), "vault_dials.txt")), "vault");
        var r = MastarPlanner.Solve(whole, new PlanSearchOptions(MaxMemoryBytes: 1 << 20));
        Assert.Equal(PlanStatus.OutOfMemoryBound, r.Status);
        Assert.Equal("out of memory bound", r.Reason);
        // Kept in parts, the states fit, but a small bound still stops breadth-first search on the way.
        var parts = Load("vault_dials.txt");
        var small = MastarPlanner.Solve(parts, new PlanSearchOptions(MaxMemoryBytes: 1 << 20));
        Assert.Equal(PlanStatus.OutOfMemoryBound, small.Status);
        Assert.True(small.Expanded > 0);
        Assert.True(MastarPlanner.Solve(parts, new PlanSearchOptions(MaxMemoryBytes: 256 << 20)).Solved);
    }
}
