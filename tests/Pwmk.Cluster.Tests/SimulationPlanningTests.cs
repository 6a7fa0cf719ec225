using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Pwmk.Cluster.Simulation;
using Pwmk.Core.Beliefs;

namespace Pwmk.Cluster.Tests;

/// <summary>
/// <c>POST /api/plan</c> on a simulation reached through its grain (as from another member): the plan is the one this
/// member makes on the run itself with its own belief store's rules, a plan may take longer than Orleans' response
/// time-out, and the search stops on the grain's side when the caller gives up.
/// </summary>
public sealed class SimulationPlanningTests : LocalClusterTestBase
{
    private static readonly SimulationSpec Spec = new("box-world", 2, 2, Seed: 5, Episodes: 0, StepDelayMs: 0, Train: false, MaxStepsPerEpisode: 200);

    /// <summary>A cluster whose grain calls time out after three seconds (Orleans' default is 30 s), with a stopped simulation.</summary>
    private async Task<(IHost Host, ISimulationGrain Grain, SimulationRun Run)> StoppedSimulation(string id)
    {
        var host = await Start(configure: b => b.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(3)));
        var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ISimulationGrain>(id);
        await grain.Start(Spec);
        var run = host.Services.GetRequiredService<LocalSimulations>().Find(id)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (run.Runner.FinishedSteps < 3) await Task.Delay(20, deadline.Token);
        await grain.Stop(); // its world no longer moves: every plan below starts from the same state
        return (host, grain, run);
    }

    /// <summary>The answer of the grain path: prepared with <paramref name="rules"/> here, planned by the grain.</summary>
    private static async Task<(int Status, string Body)> ThroughGrain(ISimulationGrain grain, string id, SimulationPlanAsk ask, BeliefStore? rules,
        CancellationToken ct = default)
    {
        var context = await grain.PlanContext();
        Assert.NotNull(context);
        var (ready, status, detail) = SimulationPlanning.Prepare(ask, context, id, rules);
        if (ready is null) return (status, detail!);
        var answer = await grain.Plan(ready, ct);
        return (answer.Status, answer.Body);
    }

    private static (int Status, string Body) OnTheRun(SimulationRun run, SimulationPlanAsk ask, BeliefStore? rules)
    {
        var (status, plan, detail) = SimulationPlanning.Plan(run, ask, rules);
        return (status, plan is null ? detail! : JsonSerializer.Serialize(plan, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }

    private static void AssertSamePlan((int Status, string Body) local, (int Status, string Body) remote)
    {
        Assert.Equal(local.Status, remote.Status);
        if (local.Status != 200)
        {
            Assert.Equal(local.Body, remote.Body);
            return;
        }
        using var a = JsonDocument.Parse(local.Body);
        using var b = JsonDocument.Parse(remote.Body);
        foreach (var field in new[] { "solved", "actions", "beliefTrajectory", "expanded", "reason", "domain" })
            Assert.Equal(a.RootElement.GetProperty(field).GetRawText(), b.RootElement.GetProperty(field).GetRawText());
    }

    [Fact]
    public async Task A_plan_through_the_grain_is_the_plan_made_on_the_run_with_this_members_rules()
    {
        var (host, grain, run) = await StoppedSimulation("csim-plan-rules");
        using var _ = host;
        var rules = new BeliefStore();
        rules.AddRule("holds(A, O) :- pos(O, A).");
        rules.AddRule("both_hold(O) :- holds(agent_0, O), holds(agent_1, O).");
        rules.AssertFact("carried(key)");
        rules.AddRule("wanted(O, A) :- carried(O), holds(A, O).");
        var asks = new[]
        {
            new SimulationPlanAsk("holds(agent_1, key)", null, null, null, 8, 20_000, 200_000),
            new SimulationPlanAsk("wanted(key, agent_0)", ["believes(agent_1, pos(key, agent_0))"], null, "agent_0", 8, 20_000, 200_000),
            new SimulationPlanAsk("holds(agent_0, key) OR NOT holds(agent_1, key)", null, ["NOT both_hold(key)"], null, 8, 20_000, 200_000),
            new SimulationPlanAsk("both_hold(key)", null, null, null, 20, 20_000, 50),
            new SimulationPlanAsk("holds(agent_0, key)", null, null, "ghost", 8, 20_000, 200_000),
        };
        foreach (var ask in asks)
            AssertSamePlan(OnTheRun(run, ask, rules), await ThroughGrain(grain, "csim-plan-rules", ask, rules));
        // the rule matters: the derived goal is planned with it (solved or not, as the stopped run's state allows), and unknown to
        // a planner without it
        var derived = OnTheRun(run, asks[0], rules);
        Assert.Equal(200, derived.Status);
        Assert.Equal(400, (await ThroughGrain(grain, "csim-plan-rules", asks[0], null)).Status);
    }

    [Fact]
    public async Task A_plan_longer_than_the_response_time_out_gets_the_planners_answer()
    {
        var (host, grain, _) = await StoppedSimulation("csim-plan-long");
        using var _h = host;
        // key at two places at once: the search runs until its own time limit (5 s), past the calls' 3 s time-out
        var ask = new SimulationPlanAsk("pos(key, agent_0) AND pos(key, agent_1)", null, null, null, 20, 5_000, 1_000_000);
        var (status, body) = await ThroughGrain(grain, "csim-plan-long", ask, null);
        Assert.True(status == 408, $"{status}: {body}");
    }

    [Fact]
    public async Task A_caller_that_gives_up_stops_the_search_on_the_grains_side()
    {
        var (host, grain, _) = await StoppedSimulation("csim-plan-cancel");
        using var _h = host;
        using var started = new SemaphoreSlim(0);
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var source = new ActivitySource("pwmk-plan-cancel-test");
        ActivityTraceId trace = default;
        // the search of this test's call: a "planning" span in the trace the call carries to the grain (other tests plan too)
        bool Ours(Activity a) => a.OperationName == "planning" && a.TraceId == trace;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Pwmk" or "pwmk-plan-cancel-test" or ClusterHosting.GrainCallSpans,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = a =>
            {
                if (Ours(a)) started.Release();
            },
            ActivityStopped = a =>
            {
                if (Ours(a)) ended.TrySetResult(a.GetTagItem("pwmk.planner.outcome") + ": " + a.GetTagItem("pwmk.planner.reason"));
            },
        };
        ActivitySource.AddActivityListener(listener);
        // a search that would run for a minute
        var ask = new SimulationPlanAsk("pos(key, agent_0) AND pos(key, agent_1)", null, null, null, 20, 60_000, 1_000_000);
        using var giveUp = new CancellationTokenSource();
        Task<(int, string)> call;
        using (var request = source.StartActivity("request"))
        {
            trace = request!.TraceId;
            call = ThroughGrain(grain, "csim-plan-cancel", ask, null, giveUp.Token);
        }
        Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(30)), "the search did not start");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        // the search ends long before its minute: cancelled where it ran
        string outcome = await ended.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("cancel", outcome, StringComparison.OrdinalIgnoreCase);
    }
}
