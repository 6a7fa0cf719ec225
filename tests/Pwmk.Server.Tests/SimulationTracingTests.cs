using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pwmk.Core.Simulation;
using Pwmk.Cluster.Simulation;

namespace Pwmk.Server.Tests;

/// <summary>The span tree of the server's simulation: one env_step per step holding the step's work.</summary>
public sealed class SimulationTracingTests
{
    [Fact]
    public async Task Each_simulation_step_is_one_env_step_span_holding_belief_updates_planning_and_world_model_forward()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Pwmk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var run = new SimulationRun("trace-test", new SimulationSettings(Env: "box-world", Agents: 3, Episodes: 3, StepDelayMs: 0, MaxStepsPerEpisode: 12),
            null, NullLogger.Instance);
        run.Start(CancellationToken.None);
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Null(run.Error);

        var mine = spans.Where(s => s.GetTagItem("simulation.id") as string == "trace-test" && s.OperationName == "env_step").ToList();
        Assert.Equal(run.TotalSteps, mine.Count);
        // the environment annotated the simulation's span instead of nesting a second env_step
        Assert.All(mine, s => Assert.Equal("MultiAgentBoxWorld", s.GetTagItem("env.type")));
        var ids = mine.Select(s => s.SpanId).ToHashSet();
        Assert.DoesNotContain(spans, s => s.OperationName == "env_step" && ids.Contains(s.ParentSpanId));
        var children = spans.Where(s => ids.Contains(s.ParentSpanId)).GroupBy(s => s.OperationName).ToDictionary(g => g.Key, g => g.ToList());
        Assert.True(children.ContainsKey("belief_update"), "no belief_update inside env_step: " + string.Join(", ", children.Keys));
        // each step's belief changes reach the store inside the step, in one span
        Assert.All(children["belief_update"], s => Assert.True(s.GetTagItem("beliefs.changes") is int n && n > 0));
        // the box-world agents plan to fetch the key: the planner runs inside the steps
        Assert.True(children.TryGetValue("planning", out var plans), "no planning inside env_step: " + string.Join(", ", children.Keys));
        Assert.All(plans, p => Assert.Equal("env:MultiAgentBoxWorld", p.GetTagItem("pwmk.planner.problem")));
        // from the second episode on, the online world model predicts every step
        Assert.True(children.TryGetValue("world_model_forward", out var forwards), "no world_model_forward inside env_step: " + string.Join(", ", children.Keys));
        var forward = forwards[0];
        Assert.Equal(1, forward.GetTagItem("batch.size"));
        Assert.Equal(3, forward.GetTagItem("model.num_agents"));
        Assert.NotNull(forward.GetTagItem("prediction.mean"));
        Assert.NotEmpty(run.PredictionError.Snapshot());

        // each finished episode is a span whose children are that episode's steps
        var episodes = spans.Where(s => s.OperationName == "episode" && s.GetTagItem("simulation.id") as string == "trace-test").ToList();
        Assert.Equal(3, episodes.Count);
        foreach (var e in episodes)
        {
            int steps = mine.Count(s => s.ParentSpanId == e.SpanId);
            Assert.True(steps > 0);
            Assert.Equal(steps, e.GetTagItem("episode.steps"));
        }
    }
}
