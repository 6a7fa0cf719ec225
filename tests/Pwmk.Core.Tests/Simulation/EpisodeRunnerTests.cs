using Pwmk.Core.Simulation;

namespace Pwmk.Core.Tests.Simulation;

public class EpisodeRunnerTests
{
    private static SimulationSettings Settings(string env, int steps = 30) => new(env, 2, 2, 7, 1, 0, false, steps);

    [Fact]
    public void TimelineKeepsTheNewestStepsOnly()
    {
        var t = new StepTimeline(3);
        for (int i = 0; i < 5; i++) t.Add(seq => new StepRecord(seq, 0, i, 0, [], [], [], [], [], []));
        Assert.Equal(5, t.Count);
        Assert.Equal(2, t.First);
        Assert.Null(t.Get(1));
        Assert.Null(t.Get(5));
        Assert.Equal(4, t.Get(4)!.Step);
        Assert.Equal([2L, 3L, 4L], t.Range(0, 10).Select(r => r.Sequence));
        Assert.Equal([3L], t.Range(3, 1).Select(r => r.Sequence));
        Assert.Equal(4, t.Latest!.Step);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepTimeline(0));
    }

    [Theory]
    [InlineData("box-world")]
    [InlineData("rooms")]
    [InlineData("hide-and-seek")]
    public async Task EveryStepIsRecordedWithItsWorldBeliefsAndDecisions(string env)
    {
        var runner = new EpisodeRunner(Settings(env)) { Timeline = new StepTimeline(1_000) };
        var report = await runner.RunEpisodeAsync(CancellationToken.None);
        var steps = runner.Timeline!.Range(0, 1_000);
        Assert.Equal(report.Steps + 1, steps.Count); // the reset, then one per step
        Assert.Equal(Enumerable.Range(0, report.Steps + 1), steps.Select(s => s.Step));
        Assert.Empty(steps[0].Decisions);
        Assert.Equal(report.Reward, steps.Sum(s => s.Reward), 6);
        foreach (var s in steps.Skip(1))
        {
            Assert.Equal(runner.AgentNames, s.Decisions.Select(d => d.Agent));
            Assert.All(s.Decisions, d => Assert.Contains(d.Source, new[] { "plan", "heuristic", "explore" }));
            Assert.All(s.Decisions.Where(d => d.Source == "plan"), d => Assert.Equal(d.Action, d.Plan[0].Split(": ")[^1]));
        }
        // every decision that was not random exploration is counted once in the episode's report
        Assert.Equal(report.PlannedDecisions, steps.Sum(s => s.Decisions.Count(d => d.Source == "plan")));
        Assert.Equal(report.HeuristicDecisions, steps.Sum(s => s.Decisions.Count(d => d.Source == "heuristic")));
        var last = steps[^1];
        Assert.Equal(runner.Inspect(e => e.Render(null)).Split('\n', StringSplitOptions.RemoveEmptyEntries), last.World);
        Assert.Equal(runner.AgentNames.Count, last.Views.Count);
        // the recorded beliefs are those held at the end, with their truth
        var held = runner.HeldBeliefs();
        Assert.Equal(held.Count, last.Beliefs.Count);
        Assert.Equal(held.Count(b => b.False), last.Beliefs.Count(b => b.False));
        Assert.All(last.Beliefs, b => Assert.Equal(b.False, b.TrueFact is not null && b.TrueFact != b.Fact));
        if (env != "rooms") // in the rooms two agents may never share a room within an episode
            Assert.Contains(steps.SelectMany(s => s.Beliefs), b => b.Chain.Count == 2); // what one agent believes another believes
        Assert.All(last.Beliefs.Where(b => b.TrueFact is not null), b => Assert.Contains(b.TrueFact, last.Facts));
    }

    [Fact]
    public async Task PredictionsAreRecordedOnceTheModelHasTrained()
    {
        var runner = new EpisodeRunner(new SimulationSettings("box-world", 2, 2, 3, 2, 0, true, 12)) { Timeline = new StepTimeline(100) };
        await runner.RunEpisodeAsync(CancellationToken.None);
        Assert.All(runner.Timeline!.Range(0, 100), s => Assert.Empty(s.Predictions));
        long before = runner.Timeline.Count;
        await runner.RunEpisodeAsync(CancellationToken.None);
        var second = runner.Timeline.Range(before + 1, 100); // the reset has nothing to predict
        Assert.NotEmpty(second);
        Assert.All(second, s =>
        {
            Assert.Equal(runner.AgentNames, s.Predictions.Select(p => p.Agent));
            Assert.All(s.Predictions, p =>
            {
                Assert.Equal(p.Observed.Count, p.Predicted.Count);
                double mse = p.Predicted.Zip(p.Observed, (a, b) => (double)(a - b) * (a - b)).Average();
                Assert.Equal(mse, p.MeanSquaredError, 6);
            });
        });
    }

    [Fact]
    public async Task TheOnlineModelsPredictedBeliefsAreRecordedBesideTheBeliefsHeld()
    {
        // the online model learns beliefs: from the second episode on, each step records what it predicted every chain
        // would believe after the step next to what the chain then believed (the timeline's beliefs)
        var runner = new EpisodeRunner(new SimulationSettings("box-world", 2, 2, 5, 0, 0, true, 15)) { Timeline = new StepTimeline(1_000) };
        Assert.True(runner.WorldModel.PredictsBeliefs);
        await runner.RunEpisodeAsync(CancellationToken.None);
        Assert.All(runner.Timeline!.Range(0, 1_000), s => Assert.Empty(s.PredictedBeliefs));
        long before = runner.Timeline.Count;
        for (int e = 0; e < 3; e++) await runner.RunEpisodeAsync(CancellationToken.None);
        var steps = runner.Timeline.Range(before, 1_000).Where(s => s.Step > 0).ToList();
        Assert.NotEmpty(steps);
        int predictions = 0, correct = 0;
        foreach (var s in steps)
        {
            var held = s.Beliefs.Select(b => (string.Join(">", b.Chain), b.Fact)).ToHashSet();
            var actual = s.PredictedBeliefs.Where(p => p.Actual is not null).Select(p => (string.Join(">", p.Chain), p.Actual!)).ToHashSet();
            Assert.Equal(held, actual); // every belief held, and only those, beside its prediction
            Assert.All(s.PredictedBeliefs, p => Assert.InRange(p.Probability, 0, 1));
            predictions += s.PredictedBeliefs.Count;
            correct += s.PredictedBeliefs.Count(p => p.Correct);
        }
        Assert.True(predictions > steps.Count, $"{predictions} predicted beliefs over {steps.Count} steps");
        Assert.True(correct > predictions / 2, $"{correct} of {predictions} predicted beliefs right");
    }

    [Fact]
    public async Task WithoutATimelineNothingIsRecordedAndTheEpisodeIsTheSame()
    {
        var plain = await new EpisodeRunner(Settings("box-world")).RunEpisodeAsync(CancellationToken.None);
        var recorded = await new EpisodeRunner(Settings("box-world")) { Timeline = new StepTimeline() }.RunEpisodeAsync(CancellationToken.None);
        Assert.Equal(plain, recorded);
    }
}
