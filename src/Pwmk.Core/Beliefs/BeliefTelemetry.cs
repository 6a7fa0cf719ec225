using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>
/// BCL-only telemetry of the belief store (ActivitySource/Meter "Pwmk", names of the monitoring specification):
/// <c>pwmk_belief_query_duration_seconds</c>, <c>pwmk_belief_updates_total</c> and the spans <c>belief_query</c>/<c>belief_update</c>.
/// The host decides where they go. The facts gauge (<c>pwmk_belief_store_facts_total</c>) belongs to the host that serves a
/// store: it reads <see cref="BeliefStore.GetCounts"/> from an observable instrument of its own, which lives as long as the store.
/// </summary>
internal static class BeliefTelemetry
{
    public static ActivitySource Source => CoreDiagnostics.Source;
    private static Meter s_meter => CoreDiagnostics.Meter;

    // one instrument per (query_type, complexity), labels as instrument tags: a query records only its value, and a
    // listener resolves the series once per instrument instead of per query
    private static readonly Histogram<double>[] s_queryDuration =
        [QueryHistogram("point", "simple"), QueryHistogram("point", "complex"), QueryHistogram("search", "simple"), QueryHistogram("search", "complex")];

    private static Histogram<double> QueryHistogram(string queryType, string complexity) => s_meter.CreateHistogram<double>(
        "pwmk_belief_query_duration_seconds", "s", "Time spent on belief queries",
        [new("query_type", queryType), new("complexity", complexity)]);

    private static readonly Counter<long> s_updates = s_meter.CreateCounter<long>(
        "pwmk_belief_updates_total", null, "Total number of belief updates");

    /// <summary>True when someone listens to query timings (callers skip the clock otherwise).</summary>
    public static bool QueryTimingEnabled => s_queryDuration[0].Enabled;

    /// <summary>"point" for a yes/no query (no reported variables), "search" otherwise.</summary>
    public static string QueryType(int reportedVariables) => reportedVariables == 0 ? "point" : "search";

    /// <summary>"complex" for a control construct at the top (conjunction, disjunction, negation, if-then), else "simple".</summary>
    public static string Complexity(Term goal) => IsComplex(goal) ? "complex" : "simple";

    private static bool IsComplex(Term goal) =>
        goal is Compound { Functor.Length: <= 3, Functor: "," or ";" or "\\+" or "->" or "*->" or "AND" or "OR" or "NOT" };

    /// <summary>The duration instrument of a query with <paramref name="reportedVariables"/> reported variables (see <see cref="QueryType"/> and <see cref="Complexity"/>).</summary>
    public static Histogram<double> QueryDuration(int reportedVariables, Term goal) =>
        s_queryDuration[(reportedVariables == 0 ? 0 : 2) + (IsComplex(goal) ? 1 : 0)];

    public static void RecordUpdate(Term? agent, BeliefUpdateKind kind)
    {
        if (!s_updates.Enabled) return;
        s_updates.Add(1,
            new KeyValuePair<string, object?>("agent_id", agent is null ? "world" : agent.ToString()),
            new KeyValuePair<string, object?>("update_type", UpdateType(kind)));
    }

    private static string UpdateType(BeliefUpdateKind kind) => kind switch
    {
        BeliefUpdateKind.Added => "added",
        BeliefUpdateKind.Replaced => "replaced",
        BeliefUpdateKind.Removed => "removed",
        BeliefUpdateKind.Revised => "revised",
        _ => "loaded",
    };
}
