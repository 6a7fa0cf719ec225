using System.Collections.Concurrent;
using System.Diagnostics;
using Pwmk.Core.Simulation;
using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Tests.Simulation;

/// <summary>A simulation whose agents plan with the online world model (<see cref="SimulationSettings.LearnedPlanner"/>).</summary>
public class LearnedPlannerTests
{
    private static SimulationSettings Learned(int steps = 12) =>
        new("box-world", 2, 2, 3, 0, 0, true, steps) { Planner = SimulationSettings.LearnedPlanner };

    [Fact]
    public async Task TheAgentsPlanThroughTheOnlineModelNotACopyOfTheEnvironment()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Pwmk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var runner = new EpisodeRunner(Learned()) { Name = "learned-planner-test", Timeline = new StepTimeline(1_000) };
        // before the model's first training there is nothing to plan with: the heuristic decides
        var first = await runner.RunEpisodeAsync(CancellationToken.None);
        Assert.Equal(0, first.PlannedDecisions);
        Assert.True(first.HeuristicDecisions > 0);
        var second = await runner.RunEpisodeAsync(CancellationToken.None);
        Assert.True(second.PlannedDecisions > 0, $"{second.PlannedDecisions} planned, {second.HeuristicDecisions} heuristic");
        // every plan of the run came from a search through the model, none from the environment planner
        var plans = spans.Where(s => s.OperationName == "planning" && s.Parent?.GetTagItem("simulation.id") as string == runner.Name).ToList();
        Assert.Equal(second.PlannedDecisions, plans.Count(p => p.GetTagItem("pwmk.planner.best_action") is not null));
        Assert.All(plans, p => Assert.Equal("learned:box-world", p.GetTagItem("pwmk.planner.problem")));
        // the timeline shows those decisions as planned, towards the agent's goal, taking the plan's first action
        var planned = runner.Timeline!.Range(0, 1_000).Where(s => s.Episode == 1).SelectMany(s => s.Decisions).Where(d => d.Source == "plan").ToList();
        Assert.Equal(second.PlannedDecisions, planned.Count);
        Assert.All(planned, d =>
        {
            Assert.Equal($"pos(key,{d.Agent})", d.Goal!.Replace(" ", "", StringComparison.Ordinal));
            Assert.Equal(d.Action, d.Plan[0]);
        });
        Assert.True(second.GoalsPursued > 0);
        Assert.InRange(second.GoalsReached, 0, second.GoalsPursued);
    }

    [Fact]
    public async Task AnotherModelMakesOtherDecisions()
    {
        // the same seeded episodes three times; in the last run the trained model is swapped for an untrained one
        var runs = Enumerable.Range(0, 3).Select(_ => new EpisodeRunner(Learned()) { Timeline = new StepTimeline(1_000) }).ToList();
        foreach (var r in runs) await r.RunEpisodeAsync(CancellationToken.None);
        var model = runs[2].WorldModel.Model!;
        runs[2].WorldModel.Restore(new PerspectiveWorldModel(model.Config with { Seed = model.Config.Seed + 101 }), null);
        foreach (var r in runs) await r.RunEpisodeAsync(CancellationToken.None);
        static List<string> Decided(EpisodeRunner r) =>
            [.. r.Timeline!.Range(0, 1_000).Where(s => s.Episode == 1).SelectMany(s => s.Decisions).Select(d => $"{d.Agent} {d.Action} {d.Source}")];
        Assert.Contains(Decided(runs[0]), d => d.EndsWith(" plan", StringComparison.Ordinal));
        // with the same model the runs decide alike (the runner is deterministic); another model decides otherwise
        Assert.Equal(Decided(runs[0]), Decided(runs[1]));
        Assert.NotEqual(Decided(runs[0]), Decided(runs[2]));
    }
}
