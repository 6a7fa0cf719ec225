using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Tests.Planning;

/// <summary>
/// What a planning attempt reports: a plan (<c>success="true"</c>, span OK), no plan within the search's bounds
/// (<c>no_plan</c>: an answer a caller falls back from, span unset) or a planner that could not answer (<c>false</c>, span
/// ERROR with the reason). Only the last is a failure an operator is paged for.
/// </summary>
public sealed class PlanningOutcomeTests
{
    private const string Solvable = """
        fluent door_open;
        action open;
        agent a;
        executable open if -door_open;
        open causes door_open;
        a observes open;
        initially -door_open;
        goal B(a, door_open);
        """;

    private const string Impossible = """
        fluent door_open, locked;
        action open;
        agent a;
        executable open if -door_open;
        open causes door_open;
        a observes open;
        initially -door_open, -locked;
        goal B(a, locked);
        """;

    private static (string Outcome, Activity Span) Attempt(string problem, PlanSearchOptions options)
    {
        string source = "outcome-" + Guid.NewGuid().ToString("N"); // tells this attempt's span and measurement from other tests'
        var outcomes = new ConcurrentQueue<(string Planner, string Outcome, string? Problem)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == "Pwmk" && i.Name == "pwmk_planning_attempts_total") l.EnableMeasurementEvents(i);
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? planner = null, outcome = null;
            foreach (var t in tags)
            {
                if (t.Key == "planner_type") planner = t.Value as string;
                if (t.Key == "success") outcome = t.Value as string;
            }
            outcomes.Enqueue((planner!, outcome!, Activity.Current?.GetTagItem("pwmk.planner.problem") as string));
        });
        meters.Start();
        using var recorder = new PwmkSpans();
        var spans = recorder.Stopped;
        MastarPlanner.Solve(MastarProblem.Parse(problem, source), options);
        var span = Assert.Single(spans, s => s.OperationName == "planning" && (string?)s.GetTagItem("pwmk.planner.problem") == source);
        var (planner, outcome, _) = Assert.Single(outcomes, o => o.Problem == source);
        // the span and the metric name the same planner
        Assert.Equal(planner, span.GetTagItem("planner.type"));
        Assert.Equal(outcome, span.GetTagItem("pwmk.planner.outcome"));
        return (outcome, span);
    }

    [Fact]
    public void A_plan_found_is_success_true_with_an_ok_span()
    {
        var (outcome, span) = Attempt(Solvable, new PlanSearchOptions(SearchStrategy.Bfs, TimeSpan.FromSeconds(30)));
        Assert.Equal("true", outcome);
        Assert.Equal(ActivityStatusCode.Ok, span.Status);
        Assert.Equal("mastar_bfs", span.GetTagItem("planner.type"));
    }

    [Fact]
    public void No_plan_within_the_bounds_is_an_answer_not_a_failure()
    {
        var (outcome, span) = Attempt(Impossible, new PlanSearchOptions(SearchStrategy.Bfs, TimeSpan.FromSeconds(30)));
        Assert.Equal("no_plan", outcome);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal("search space exhausted", span.GetTagItem("pwmk.planner.reason"));
        var (bounded, _) = Attempt(Impossible, new PlanSearchOptions(SearchStrategy.IterativeDeepening, TimeSpan.FromSeconds(30), MaxDepth: 2));
        Assert.Equal("no_plan", bounded);
    }

    [Fact]
    public void A_planner_out_of_time_is_a_failure_with_an_error_span_naming_the_reason()
    {
        var (outcome, span) = Attempt(Impossible, new PlanSearchOptions(SearchStrategy.Bfs, TimeSpan.FromTicks(1)));
        Assert.Equal("false", outcome);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("timeout", span.StatusDescription);
    }
}
