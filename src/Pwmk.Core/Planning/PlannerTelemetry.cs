using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pwmk.Core.Planning;

/// <summary>
/// BCL-only telemetry of the planners (names from the monitoring specification). A planning attempt is one call of a
/// planner; its <c>success</c> label says what came of it: <c>true</c> (a plan), <c>no_plan</c> (the search ended within its
/// bounds without one: the space is exhausted, or the depth or node budget is spent; a caller such as an agent then falls
/// back to its heuristic: an answer, not a fault) or <c>false</c> (the planner could not answer: out of time, over its
/// memory bound, cancelled). Only <c>false</c> is a failure (the PlanningFailureRate alert).
/// </summary>
internal static class PlannerTelemetry
{
    /// <summary>Outcome label of a plan found.</summary>
    public const string Solved = "true";

    /// <summary>Outcome label of a search that ended within its bounds without a plan.</summary>
    public const string NoPlan = "no_plan";

    /// <summary>Outcome label of a planner that could not answer.</summary>
    public const string Failed = "false";

    public static ActivitySource Source => CoreDiagnostics.Source;
    private static Meter Meter => CoreDiagnostics.Meter;

    private static readonly Histogram<double> Duration =
        Meter.CreateHistogram<double>("pwmk_planning_duration_seconds", "s", "Wall-clock time of one planning run");

    private static readonly Counter<long> Attempts =
        Meter.CreateCounter<long>("pwmk_planning_attempts_total", null, "Planning runs, by planner and outcome (true, no_plan, false)");

    private static readonly Histogram<double> Quality =
        Meter.CreateHistogram<double>("pwmk_plan_quality_score", null, "Quality score of generated plans (1/(1+0.1*length) when solved, 0 when not)");

    /// <summary>The plan quality score in [0, 1]: 0 for no plan, 1 for an empty plan, shorter plans score higher.</summary>
    public static double QualityScore(bool success, int length) => success ? 1.0 / (1.0 + 0.1 * length) : 0.0;

    /// <summary>The planner_type label: the front door (<c>mastar</c>, <c>epistemic</c>) and the strategy, e.g. <c>epistemic_bfs</c>.</summary>
    public static string PlannerType(string frontDoor, SearchStrategy strategy) => strategy switch
    {
        SearchStrategy.Bfs => frontDoor + "_bfs",
        SearchStrategy.AStar => frontDoor + "_astar",
        SearchStrategy.Gbfs => frontDoor + "_gbfs",
        SearchStrategy.IterativeDeepening => frontDoor + "_iterativedeepening",
        _ => frontDoor + "_" + strategy.ToString().ToLowerInvariant(),
    };

    /// <summary>The outcome label of a search that ended with <paramref name="status"/>: a plan, no plan within the bounds
    /// (the space exhausted, the node or depth limit spent), or no answer (out of time or memory, cancelled).</summary>
    public static string OutcomeOf(PlanStatus status) => status switch
    {
        PlanStatus.Solved => Solved,
        PlanStatus.ProvedUnsolvable or PlanStatus.NodeLimit or PlanStatus.DepthLimit => NoPlan,
        _ => Failed,
    };

    public static void Record(string plannerType, string outcome, int horizon, TimeSpan elapsed, string goalType = "achievement")
    {
        bool success = outcome == Solved;
        if (Quality.Enabled)
        {
            Quality.Record(QualityScore(success, horizon),
                new KeyValuePair<string, object?>("planner_type", plannerType),
                new KeyValuePair<string, object?>("goal_type", goalType));
        }
        Duration.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("planner_type", plannerType),
            new KeyValuePair<string, object?>("horizon_length", horizon));
        Attempts.Add(1,
            new KeyValuePair<string, object?>("planner_type", plannerType),
            new KeyValuePair<string, object?>("success", outcome));
    }
}
