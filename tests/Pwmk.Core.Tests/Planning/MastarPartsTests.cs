using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Tests.Planning;

/// <summary>
/// States kept as independent parts against states kept whole: equality of parts coincides with bisimilarity of
/// the whole, so breadth-first search with duplicate detection must find the same plans with the same node counts.
/// </summary>
public class MastarPartsTests
{
    [DataFact("epistemic")]
    public void PartsGiveTheSamePlansAndCountsAsWholeStatesOnEverySharedProblem()
    {
        var options = new PlanSearchOptions(Timeout: TimeSpan.FromSeconds(5), MaxNodes: 4_000);
        var compared = 0;
        var failures = new List<string>();
        foreach (var path in Directory.EnumerateFiles(EpistemicData.Mastar, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(path);
            MastarProblem whole;
            try
            {
                whole = MastarProblem.ParseWhole(text, path);
            }
            catch (MastarSyntaxException)
            {
                continue;
            }
            var expected = MastarPlanner.Solve(whole, options);
            if (expected.Status is not (PlanStatus.Solved or PlanStatus.ProvedUnsolvable))
            {
                continue;
            }
            var parts = MastarProblem.Parse(text, path);
            var actual = MastarPlanner.Solve(parts, options);
            compared++;
            if (actual.Status != expected.Status || !actual.Actions.SequenceEqual(expected.Actions)
                || actual.Expanded != expected.Expanded || actual.Generated != expected.Generated)
            {
                failures.Add($"{Path.GetRelativePath(EpistemicData.Mastar, path)} ({parts.PartCount} parts): whole {expected.Status} {expected.Length} "
                    + $"{expected.Expanded}/{expected.Generated}, parts {actual.Status} {actual.Length} {actual.Expanded}/{actual.Generated}");
            }
        }
        Assert.Empty(failures);
        Assert.True(compared >= 100, $"only {compared} problems compared");
    }
}
