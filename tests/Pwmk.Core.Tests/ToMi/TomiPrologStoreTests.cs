using Pwmk.Core.Beliefs;
using Pwmk.Core.ToMi;

namespace Pwmk.Core.Tests.ToMi;

/// <summary>ToMi questions answered by Prolog queries on the belief store agree with the tracker.</summary>
public class TomiPrologStoreTests
{
    [DataFact("tomi")]
    public void Prolog_belief_store_answers_like_the_tracker_on_the_validation_split()
    {
        var stories = TomiReader.ReadFile(Path.Combine(TomiValidationSplitTests.DataDir, "fb_all_val.txt")).Take(150).ToList();
        var viaTracker = TomiEvaluation.Evaluate(stories, null, 2);
        var viaProlog = TomiEvaluation.Evaluate(stories, null, 2, "<val>", false, () => new BeliefStore());
        Assert.True(viaTracker.Total >= 150);
        Assert.Equal(viaTracker.Correct, viaProlog.Correct);
        Assert.Equal(
            viaTracker.Disagreements.Select(d => (d.Story, d.Line, d.Answer)),
            viaProlog.Disagreements.Select(d => (d.Story, d.Line, d.Answer)));
    }

    [Fact]
    public void Sally_anne_false_belief_is_a_prolog_fact()
    {
        var story = TomiReader.Read(new StringReader("""
            1 Sally entered the kitchen.
            2 Anne entered the kitchen.
            3 The marble is in the basket.
            4 Sally exited the kitchen.
            5 Anne moved the marble to the box.
            6 Where will Sally look for the marble?	basket	1
            """), "sally.txt");
        var store = new BeliefStore();
        var answers = TomiReplay.AnswerFromStore(story[0], 2, store);
        Assert.Equal("basket", Assert.Single(answers).Answer);
        var facts = store.Query("believes(A, at(marble, C))").Solutions.Select(s => s["A"] + ":" + s["C"]).OrderBy(x => x).ToList();
        Assert.Equal(["'Anne':box", "'Sally':basket"], facts);
        Assert.True(store.Holds("believes('Anne', believes('Sally', at(marble, basket))) AND NOT believes('Sally', at(marble, box))"));
    }
}
