using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;
using Pwmk.Core.Tests.Planning;

namespace Pwmk.Core.Tests.Fuzz;

/// <summary>
/// Mutated mA* problems: parsing succeeds or throws <see cref="MastarSyntaxException"/> naming a line and column of
/// the input; what parses is planned with small limits and ends with a valid plan or solved=false, never a crash or hang.
/// </summary>
public sealed class MastarReaderFuzzTests
{
    private static readonly Lazy<string[]> s_problems = new(() =>
        [.. Directory.GetFiles(EpistemicData.Mastar, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllText)]);

    private static readonly SearchStrategy[] s_strategies = [SearchStrategy.Bfs, SearchStrategy.AStar, SearchStrategy.Gbfs, SearchStrategy.IterativeDeepening];

    /// <summary>Deeply nested formulas, parentheses and negations, some far beyond the parser's depth limit.</summary>
    private static string Nesting(Random rnd)
    {
        int n = rnd.Next(4) switch { 0 => 50 + rnd.Next(100), 1 => 1000, 2 => 20_000, _ => 200_000 };
        return rnd.Next(4) switch
        {
            0 => "goal " + string.Concat(Enumerable.Repeat("B(a, ", n)) + "p" + new string(')', n) + ";",
            1 => "goal " + new string('(', n) + "p" + new string(')', n) + ";",
            2 => "initially C([a,b], " + new string('(', n) + ";",
            _ => "executable act if " + string.Concat(Enumerable.Repeat("-(", n)) + "p;",
        };
    }

    private static void AssertNamesAPlace(MastarSyntaxException e, string input)
    {
        int lines = input.Split('\n').Length;
        Assert.True(e.Line >= 1 && e.Line <= lines, $"line {e.Line} outside 1..{lines}: {e.Message}");
        Assert.True(e.Column >= 1, $"column {e.Column}: {e.Message}");
        Assert.StartsWith($"fuzz.txt:{e.Line}:{e.Column}: ", e.Message);
    }

    [DataFact("epistemic")]
    public void Mutated_problems_parse_or_fail_with_line_and_column_and_plan_within_limits()
    {
        int seed = Fuzzer.Seed(8201), cases = Fuzzer.Cases(800);
        var fz = new Fuzzer(seed);
        int parsed = 0, refused = 0, solved = 0, unsolved = 0;
        for (int i = 0; i < cases; i++)
        {
            string input = fz.Rnd.Next(40) == 0
                ? fz.Garbage(1 + fz.Rnd.Next(20_000))
                : fz.Mutate(s_problems.Value[fz.Rnd.Next(s_problems.Value.Length)], Nesting);
            var strategy = s_strategies[i % s_strategies.Length];
            Fuzzer.Bounded(() =>
            {
                MastarProblem problem;
                try
                {
                    problem = MastarProblem.Parse(input, "fuzz.txt");
                }
                catch (MastarSyntaxException e)
                {
                    AssertNamesAPlace(e, input);
                    refused++;
                    return;
                }
                parsed++;
                var options = new PlanSearchOptions(strategy, TimeSpan.FromMilliseconds(100), MaxNodes: 60,
                    MaxWorldsPerState: 4096, MaxDepth: 4, MaxMemoryBytes: 16 << 20);
                var plan = MastarPlanner.Solve(problem, options);
                if (plan.Solved)
                {
                    Assert.Null(MastarPlanner.Validate(problem, plan.Actions));
                    solved++;
                }
                else
                {
                    Assert.False(string.IsNullOrEmpty(plan.Reason));
                    unsolved++;
                }
            }, () => $"seed {seed} case {i} ({strategy}): {Fuzzer.Clip(input)}");
        }
        Assert.True(parsed > cases / 20 && refused > cases / 4, $"parsed {parsed}, refused {refused} of {cases}");
        Assert.True(solved > 0 && unsolved > 0, $"solved {solved}, unsolved {unsolved}");
    }
}
