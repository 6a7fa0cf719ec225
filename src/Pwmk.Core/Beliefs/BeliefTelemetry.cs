using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>
/// BCL-only telemetry of the belief store (ActivitySource/Meter "Pwmk", names of the monitoring specification):
/// <c>pwmk_belief_query_duration_seconds</c>, <c>pwmk_belief_updates_total</c>, <c>pwmk_belief_store_facts_total</c>
/// and the spans <c>belief_query</c>/<c>belief_update</c>. The host decides where they go.
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

    private static readonly ObservableGauge<long> s_facts = s_meter.CreateObservableGauge(
        "pwmk_belief_store_facts_total", ObserveFacts, null, "Number of facts in belief store");

    private static readonly List<WeakReference<BeliefStore>> s_stores = [];
    private static int s_addsSincePrune;

    /// <summary>True when someone listens to query timings (callers skip the clock otherwise).</summary>
    public static bool QueryTimingEnabled => s_queryDuration[0].Enabled;

    /// <summary>
    /// Tracks a store for the facts gauge, weakly (stores are not kept alive). Every store is tracked, also those made
    /// before a listener starts, so a host that wires its exporter after creating its store still reports it.
    /// </summary>
    public static void Track(BeliefStore store)
    {
        lock (s_stores)
        {
            if (++s_addsSincePrune >= 64)
            {
                s_addsSincePrune = 0;
                s_stores.RemoveAll(w => !w.TryGetTarget(out _));
            }
            s_stores.Add(new WeakReference<BeliefStore>(store));
        }
    }

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

    private static IEnumerable<Measurement<long>> ObserveFacts()
    {
        var sums = new Dictionary<(string Agent, string Predicate), long>();
        lock (s_stores)
        {
            s_stores.RemoveAll(w => !w.TryGetTarget(out _));
            foreach (var w in s_stores)
            {
                if (!w.TryGetTarget(out var store)) continue;
                foreach (var c in store.GetCounts().ByAgentAndPredicate)
                {
                    var key = (c.Agent ?? "world", c.Predicate.ToString());
                    sums[key] = sums.GetValueOrDefault(key) + c.Count;
                }
            }
        }
        foreach (var ((agent, predicate), count) in sums)
        {
            yield return new Measurement<long>(count,
                new KeyValuePair<string, object?>("agent_id", agent),
                new KeyValuePair<string, object?>("predicate_type", predicate));
        }
    }
}
