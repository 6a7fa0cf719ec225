using Pwmk.Core.HiToM;

namespace Pwmk.Core.Tests.HiToM;

/// <summary>The Hi-ToM files of the shared data set (<c>$PWMK_DATA/hitom</c>; skipped without it).</summary>
public class HitomDataTests
{
    private static string Dir => TestData.In("hitom", "Hi-ToM_data");

    [DataTheory("hitom")]
    [InlineData("faithful", "mc", 292)]
    [InlineData("faithful", "cot", 374)]
    [InlineData("generator", "mc", 400)]
    public void Scores_against_the_published_labels(string rules, string labels, int correct)
    {
        var files = HitomEvaluation.FindFiles([Dir], labels);
        Assert.Equal(400, files.Count);
        var report = HitomEvaluation.Evaluate(files, HitomRules.Find(rules)!);
        Assert.Equal(400, report.Total);
        Assert.Equal(correct, report.Correct);
        Assert.Equal(report.Total - report.Correct, report.Disagreements.Count);
        Assert.All(report.Disagreements, d => Assert.NotNull(d.Reason));
    }

    [DataTheory("hitom")]
    [InlineData("faithful", "mc", 292)]
    [InlineData("faithful", "cot", 374)]
    [InlineData("generator", "mc", 400)]
    public void The_belief_store_gives_the_same_figures_and_disagreements(string rules, string labels, int correct)
    {
        var files = HitomEvaluation.FindFiles([Dir], labels);
        var set = HitomRules.Find(rules)!;
        var model = new HitomPrologModel(set);
        var viaStore = HitomEvaluation.Evaluate(files, set, (f, _) => model.Answer(f));
        Assert.Equal(correct, viaStore.Correct);
        Assert.Equal(HitomEvaluation.Evaluate(files, set).Disagreements, viaStore.Disagreements);
    }

    [DataFact("hitom")]
    public void Faithful_rules_part_from_the_MC_labels_only_at_orders_two_and_up()
    {
        var report = HitomEvaluation.Evaluate(HitomEvaluation.FindFiles([Dir], "mc"), HitomRules.Faithful);
        Assert.Equal([80, 80, 51, 44, 37], report.ByOrder.Values.Select(s => s.Correct));
        Assert.Equal([80, 80, 80, 80, 80], report.ByOrder.Values.Select(s => s.Total));
        Assert.Equal(200, report.BySplit["Tell"].Total);
        Assert.Equal(200, report.ByLength[2].Total);
        // joint: a story counts at order k only when its questions 0..k are all right
        Assert.All(report.Joint, kv => Assert.True(kv.Value.Correct <= report.ByOrder[kv.Key].Correct));
        Assert.Equal(80, report.Joint[1].Correct);
    }
}
