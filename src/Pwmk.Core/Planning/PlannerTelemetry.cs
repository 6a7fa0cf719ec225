using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pwmk.Core.Planning;

/// <summary>BCL-only telemetry of the planners (names from the monitoring specification).</summary>
internal static class PlannerTelemetry
{
    public static ActivitySource Source => CoreDiagnostics.Source;
    private static Meter Meter => CoreDiagnostics.Meter;

    private static readonly Histogram<double> Duration =
        Meter.CreateHistogram<double>("pwmk_planning_duration_seconds", "s", "Wall-clock time of one planning run");

    private static readonly Counter<long> Attempts =
        Meter.CreateCounter<long>("pwmk_planning_attempts_total", null, "Planning runs, by planner and success");

    private static readonly Histogram<double> Quality =
        Meter.CreateHistogram<double>("pwmk_plan_quality_score", null, "Quality score of generated plans (1/(1+0.1*length) when solved, 0 when not)");

    /// <summary>The plan quality score in [0, 1]: 0 for no plan, 1 for an empty plan, shorter plans score higher.</summary>
    public static double QualityScore(bool success, int length) => success ? 1.0 / (1.0 + 0.1 * length) : 0.0;

    public static void Record(string plannerType, bool success, int horizon, TimeSpan elapsed, string goalType = "achievement")
    {
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
            new KeyValuePair<string, object?>("success", success ? "true" : "false"));
    }
}
