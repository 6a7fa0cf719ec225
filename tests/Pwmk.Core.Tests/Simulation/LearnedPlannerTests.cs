using Pwmk.Core.Planning;
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
        using var recorder = new PwmkSpans();
        var spans = recorder.Stopped;
        var runner = new EpisodeRunner(Learned()) { Name = "learned-planner-test", Timeline = new StepTimeline(1_000) };
        // before the model's first training there is nothing to plan with: the heuristic decides
        var first = await runner.RunEpisodeAsync(CancellationToken.None);
        Assert.Equal(0, first.PlannedDecisions);
        Assert.True(first.HeuristicDecisions > 0);
        var second = await runner.RunEpisodeAsync(CancellationToken.None);
        // every search of the run went through the model, none through the environment planner; a decision is planned
        // when its search found an action worth following (see APlanIsFollowedOnly...), else the heuristic took it
        var plans = spans.Where(s => s.OperationName == "planning" && s.Parent?.GetTagItem("simulation.id") as string == runner.Name).ToList();
        Assert.NotEmpty(plans);
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
        using var recorder = new PwmkSpans();
        var spans = recorder.Stopped;
        var runs = Enumerable.Range(0, 3).Select(i => new EpisodeRunner(Learned()) { Name = "other-model-" + i, Timeline = new StepTimeline(1_000) }).ToList();
        foreach (var r in runs) await r.RunEpisodeAsync(CancellationToken.None);
        var model = runs[2].WorldModel.Model!;
        runs[2].WorldModel.Restore(new PerspectiveWorldModel(model.Config with { Seed = model.Config.Seed + 101 }), null);
        foreach (var r in runs) await r.RunEpisodeAsync(CancellationToken.None);
        // what each search through the model chose (its most visited line), decision by decision
        List<string> Searched(EpisodeRunner r) =>
            [.. spans.Where(s => s.OperationName == "planning" && s.Parent?.GetTagItem("simulation.id") as string == r.Name)
                .OrderBy(s => s.StartTimeUtc).Select(s => $"{s.GetTagItem("pwmk.planner.line")} {s.GetTagItem("pwmk.planner.value")}")];
        Assert.NotEmpty(Searched(runs[0]));
        // with the same model the runs search alike (the runner is deterministic); another model searches otherwise
        Assert.Equal(Searched(runs[0]), Searched(runs[1]));
        Assert.NotEqual(Searched(runs[0]), Searched(runs[2]));
    }

    private static MctsResult Searched(string best, params (string Action, double Value)[] roots) =>
        new(best, [best], 48, new MctsTreeNode(null, 48, 0, [.. roots.Select(r => new MctsTreeNode(r.Action, 10, r.Value, []))]));

    private static readonly string[] Moves = ["up", "down", "left", "right", "interact"];

    [Fact]
    public void APlanIsFollowedOnlyWhenItsActionIsLikelyToReachTheGoalAndBetterThanTheOthers()
    {
        // the goal reached only on long odds (a goal belief the model gives a small probability): the heuristic decides
        Assert.Equal(0, OnlineWorldModel.FollowValue(Searched("up", ("up", 0.12), ("down", 0), ("left", 0), ("right", 0), ("interact", 0)), Moves));
        // the goal expected whatever the agent does (the search's tie went to its first action): no preference, no plan
        Assert.Equal(0, OnlineWorldModel.FollowValue(Searched("up", [.. Moves.Select(m => (m, 0.857))]), Moves));
        // one action likely to reach it and better than another: followed
        Assert.Equal(0.9, OnlineWorldModel.FollowValue(Searched("interact", ("up", 0.86), ("down", 0.81), ("left", 0.86), ("right", 0.86), ("interact", 0.9)), Moves));
        // an action the search never tried counts as reaching nothing
        Assert.Equal(0.857, OnlineWorldModel.FollowValue(Searched("up", [.. Moves.Where(m => m != "right").Select(m => (m, 0.857))]), Moves));
    }
}
