using Pwmk.Core.Beliefs;
using Pwmk.Core.ToMi;

namespace Pwmk.Core.Tests.ToMi;

/// <summary>
/// The ToMi paths (reader, tracker, ground truth, Prolog store, trace episodes) on stories the project generates itself,
/// labelled from the environment's belief ground truth: they run in a fresh clone without the ToMi data set.
/// </summary>
public class GeneratedStoryTests
{
    private static readonly Lazy<(List<TomiStory> Stories, List<string> Types, string[] Traces)> s_stories = new(() =>
    {
        var generated = TomiGenerator.Generate(240, 11);
        var text = new StringWriter();
        TomiWriter.Write(text, generated.Select(g => g.Story));
        var stories = TomiReader.Read(new StringReader(text.ToString()), "generated.txt");
        string[] traces = [.. generated.Select(g => g.Trace)];
        return (stories, TomiTrace.ReadQuestionTypes(new StringReader(string.Join('\n', traces)), "generated.trace"), traces);
    });

    [Fact]
    public void Ground_truth_and_tracker_answer_every_generated_question_alike_and_right()
    {
        var (stories, types, _) = s_stories.Value;
        var viaTracker = TomiEvaluation.Evaluate(stories, types, depth: 2);
        var viaTruth = TomiEvaluation.Evaluate(stories, types, depth: 2, fromGroundTruth: true);
        Assert.Equal(stories.Count, viaTracker.Total);
        Assert.Equal(viaTracker.Total, viaTracker.Correct);
        Assert.Equal(viaTruth.Total, viaTruth.Correct);
        // every kind of question, including false beliefs of both orders, was asked
        foreach (var type in new[] { "memory", "reality", "first_order_1_tom", "second_order_0_tom", "second_order_1_tom" })
            Assert.True(viaTracker.ByType.ContainsKey(type), $"no {type} question among: {string.Join(", ", viaTracker.ByType.Keys)}");
    }

    [Fact]
    public void The_prolog_belief_store_answers_like_the_tracker()
    {
        var (stories, types, _) = s_stories.Value;
        var viaTracker = TomiEvaluation.Evaluate(stories, types, depth: 2);
        var viaProlog = TomiEvaluation.Evaluate(stories, types, 2, "<generated>", false, () => new BeliefStore());
        var viaSet = TomiEvaluation.Evaluate(stories, types, 2, "<generated>", false, () => new InMemoryBeliefStore());
        Assert.Equal(viaTracker.Correct, viaProlog.Correct);
        Assert.Equal(viaTracker.Correct, viaSet.Correct);
        Assert.Equal(viaTracker.Total, viaProlog.Correct);
    }

    [Fact]
    public void Stories_acted_out_from_their_traces_answer_through_ground_truth()
    {
        var (stories, _, traces) = s_stories.Value;
        var report = TomiTraceEpisodes.Evaluate(stories, traces);
        Assert.Equal(stories.Count, report.Total);
        Assert.Equal(report.Total, report.Correct);
    }
}
