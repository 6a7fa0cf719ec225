using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Pwmk.Observability.Deploy;

/// <summary>
/// The Prometheus rules of PWMK: two recording rules and the four alerts of the monitoring specification
/// (HighWorldModelLatency, PlanningFailureRate, HighMemoryUsage, BeliefStoreOverload) with their thresholds and
/// <c>for</c> durations, quantiles taken over <c>rate(..._bucket[5m])</c> summed by <c>le</c>; and the
/// <c>promtool test rules</c> unit tests of each alert firing and not firing. Valid for Prometheus 2.42.
/// </summary>
public static class AlertRules
{
    /// <summary>p95 inference latency per model type over 5 minutes.</summary>
    public const string InferenceP95 = "model_type:pwmk_world_model_inference_seconds:p95_rate5m";

    /// <summary>Share of failed planning attempts per planner over 5 minutes.</summary>
    public const string PlanningFailureRatio = "planner_type:pwmk_planning_attempts:failure_ratio_rate5m";

    /// <summary>One alert: name, expression, for, severity, summary and description template.</summary>
    public sealed record Alert(string Name, string Expr, string For, string Severity, string Summary, string Description);

    /// <summary>
    /// Where the alerts' <c>runbook_url</c> annotations point by default: PWMK's own <c>/runbook</c> (docs/OPERATIONS.md as
    /// the server serves it) at the address the compose file publishes. <c>./pwmk dashboards generate --runbook-base URL</c>
    /// points them elsewhere (one base for every alert).
    /// </summary>
    public const string DefaultRunbookBase = "http://localhost:8080/runbook";

    /// <summary>The runbook link of an alert: the base and the alert's section (its lower-cased name is the anchor).</summary>
    public static string Runbook(string alert, string runbookBase = DefaultRunbookBase) => runbookBase.TrimEnd('#') + "#" + alert.ToLowerInvariant();

    /// <summary>The recording rules (name, expression).</summary>
    public static IReadOnlyList<(string Record, string Expr)> Recording { get; } =
    [
        (InferenceP95, "histogram_quantile(0.95, sum by (job, instance, le, model_type) (rate(pwmk_world_model_inference_seconds_bucket[5m])))"),
        // success="false" is a planner that could not answer; "no_plan" (no plan within the bounds, the agent used its
        // heuristic) is an answer and counts only in the denominator
        (PlanningFailureRatio, "sum by (job, instance, planner_type) (rate(pwmk_planning_attempts_total{success=\"false\"}[5m])) / sum by (job, instance, planner_type) (rate(pwmk_planning_attempts_total[5m]))"),
    ];

    /// <summary>The alerts of the specification.</summary>
    public static IReadOnlyList<Alert> Alerts { get; } =
    [
        new("HighWorldModelLatency", InferenceP95 + " > 0.1", "2m", "warning",
            "High world model inference latency", "95th percentile latency of {{ $labels.model_type }} is {{ $value | humanize }}s"),
        new("PlanningFailureRate", PlanningFailureRatio + " > 0.1", "5m", "critical",
            "High planning failure rate", "Planning failure rate of {{ $labels.planner_type }} is {{ $value | humanizePercentage }}"),
        new("HighMemoryUsage", "sum by (job, instance, model_type) (pwmk_world_model_memory_bytes) > 2e9", "1m", "warning",
            "High memory usage", "Memory usage of {{ $labels.model_type }} is {{ $value | humanize1024 }}B"),
        new("BeliefStoreOverload", "sum by (job, instance) (pwmk_belief_store_facts_total) > 10000", "5m", "warning",
            "Belief store growing too large", "Belief store contains {{ $value }} facts"),
    ];

    /// <summary>deploy/prometheus/alerts.yml.</summary>
    /// <param name="timeScale">Compresses time (end-to-end tests): every rate window and <c>for</c> is divided by it (30 makes
    /// 5 minutes 10 seconds); 1 keeps the specified durations.</param>
    /// <param name="runbookBase">Base of the <c>runbook_url</c>s (see <see cref="DefaultRunbookBase"/>).</param>
    public static string Generate(double timeScale = 1, string runbookBase = DefaultRunbookBase)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeScale, 1);
        var sb = new StringBuilder(DeployFiles.Header("#"));
        sb.Append("groups:\n");
        sb.Append("  - name: pwmk.rules\n");
        sb.Append("    rules:\n");
        foreach (var (record, expr) in Recording)
        {
            sb.Append("      - record: ").Append(record).Append('\n');
            sb.Append("        expr: ").Append(Yaml.Quote(Scale(expr, timeScale))).Append('\n');
        }
        foreach (var a in Alerts)
        {
            sb.Append("      - alert: ").Append(a.Name).Append('\n');
            sb.Append("        expr: ").Append(Yaml.Quote(Scale(a.Expr, timeScale))).Append('\n');
            sb.Append("        for: ").Append(Scale(a.For, timeScale)).Append('\n');
            sb.Append("        labels:\n          severity: ").Append(a.Severity).Append('\n');
            sb.Append("        annotations:\n");
            sb.Append("          summary: ").Append(Yaml.Quote(a.Summary)).Append('\n');
            sb.Append("          description: ").Append(Yaml.Quote(a.Description)).Append('\n');
            sb.Append("          runbook_url: ").Append(Yaml.Quote(Runbook(a.Name, runbookBase))).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Every duration of <paramref name="text"/> (<c>5m</c>, <c>[5m]</c>, <c>2m</c>) divided by <paramref name="timeScale"/>, in whole seconds.</summary>
    internal static string Scale(string text, double timeScale) => timeScale == 1 ? text : Regex.Replace(text, @"(?<![\w.])(\d+)([smh])(?![\w(])", m =>
    {
        double seconds = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * m.Groups[2].Value switch { "h" => 3600, "m" => 60, _ => 1 };
        return Math.Max(1, (int)Math.Round(seconds / timeScale)).ToString(CultureInfo.InvariantCulture) + "s";
    });

    private sealed record Case(string Alert, bool Fires, string EvalTime, string[] Series, string[] Labels, string Description);

    // Input series are sampled every minute (interval: 1m); eval_time is after the 'for' duration has passed.
    private static readonly Case[] s_cases =
    [
        new("HighWorldModelLatency", true, "10m",
            ["pwmk_world_model_inference_seconds_bucket{model_type=\"perspective\",batch_size=\"2\",le=\"0.1\"}|0+0x20",
             "pwmk_world_model_inference_seconds_bucket{model_type=\"perspective\",batch_size=\"2\",le=\"0.25\"}|0+60x20",
             "pwmk_world_model_inference_seconds_bucket{model_type=\"perspective\",batch_size=\"2\",le=\"+Inf\"}|0+60x20"],
            ["model_type: perspective"], "95th percentile latency of perspective is 242.5ms"),
        new("HighWorldModelLatency", false, "10m",
            ["pwmk_world_model_inference_seconds_bucket{model_type=\"perspective\",batch_size=\"2\",le=\"0.05\"}|0+60x20",
             "pwmk_world_model_inference_seconds_bucket{model_type=\"perspective\",batch_size=\"2\",le=\"0.1\"}|0+60x20",
             "pwmk_world_model_inference_seconds_bucket{model_type=\"perspective\",batch_size=\"2\",le=\"+Inf\"}|0+60x20"],
            [], ""),
        new("PlanningFailureRate", true, "15m",
            ["pwmk_planning_attempts_total{planner_type=\"mastar_bfs\",success=\"false\"}|0+10x30",
             "pwmk_planning_attempts_total{planner_type=\"mastar_bfs\",success=\"true\"}|0+30x30"],
            ["planner_type: mastar_bfs"], "Planning failure rate of mastar_bfs is 25%"),
        new("PlanningFailureRate", false, "15m",
            ["pwmk_planning_attempts_total{planner_type=\"mastar_bfs\",success=\"false\"}|0+1x30",
             "pwmk_planning_attempts_total{planner_type=\"mastar_bfs\",success=\"true\"}|0+30x30"],
            [], ""),
        // the simulation's agents: 42% of searches end without a plan within the bounds (they use their heuristic): no page
        new("PlanningFailureRate", false, "15m",
            ["pwmk_planning_attempts_total{planner_type=\"epistemic_bfs\",success=\"no_plan\"}|0+42x30",
             "pwmk_planning_attempts_total{planner_type=\"epistemic_bfs\",success=\"true\"}|0+58x30"],
            [], ""),
        new("HighMemoryUsage", true, "5m",
            ["pwmk_world_model_memory_bytes{job=\"pwmk\",instance=\"pwmk:8080\",model_type=\"perspective\",component=\"encoder\"}|2e9x10",
             "pwmk_world_model_memory_bytes{job=\"pwmk\",instance=\"pwmk:8080\",model_type=\"perspective\",component=\"decoder\"}|1e9x10"],
            ["job: pwmk", "instance: pwmk:8080", "model_type: perspective"], "Memory usage of perspective is 2.794GiB"),
        new("HighMemoryUsage", false, "5m",
            ["pwmk_world_model_memory_bytes{job=\"pwmk\",instance=\"pwmk:8080\",model_type=\"perspective\",component=\"encoder\"}|1e9x10"],
            [], ""),
        new("BeliefStoreOverload", true, "10m",
            ["pwmk_belief_store_facts_total{job=\"pwmk\",instance=\"pwmk:8080\",agent_id=\"sally\",predicate_type=\"at/2\"}|6000x20",
             "pwmk_belief_store_facts_total{job=\"pwmk\",instance=\"pwmk:8080\",agent_id=\"anne\",predicate_type=\"at/2\"}|6000x20"],
            ["job: pwmk", "instance: pwmk:8080"], "Belief store contains 12000 facts"),
        new("BeliefStoreOverload", false, "10m",
            ["pwmk_belief_store_facts_total{job=\"pwmk\",instance=\"pwmk:8080\",agent_id=\"sally\",predicate_type=\"at/2\"}|6000x20",
             "pwmk_belief_store_facts_total{job=\"pwmk\",instance=\"pwmk:8080\",agent_id=\"anne\",predicate_type=\"at/2\"}|3000x20"],
            [], ""),
    ];

    /// <summary>deploy/prometheus/alerts_test.yml: one test group per alert and outcome.</summary>
    public static string GenerateTests()
    {
        var sb = new StringBuilder(DeployFiles.Header("#"));
        sb.Append("rule_files:\n  - alerts.yml\n\nevaluation_interval: 1m\n\ntests:\n");
        foreach (var c in s_cases)
        {
            var alert = Alerts.Single(a => a.Name == c.Alert);
            sb.Append("  # ").Append(c.Alert).Append(c.Fires ? " fires\n" : " does not fire\n");
            sb.Append("  - interval: 1m\n    input_series:\n");
            foreach (var s in c.Series)
            {
                var parts = s.Split('|');
                sb.Append("      - series: ").Append(Yaml.Quote(parts[0])).Append('\n');
                sb.Append("        values: ").Append(Yaml.Quote(parts[1])).Append('\n');
            }
            sb.Append("    alert_rule_test:\n");
            sb.Append("      - eval_time: ").Append(c.EvalTime).Append('\n');
            sb.Append("        alertname: ").Append(c.Alert).Append('\n');
            if (!c.Fires)
            {
                sb.Append("        exp_alerts: []\n");
                continue;
            }
            sb.Append("        exp_alerts:\n          - exp_labels:\n");
            sb.Append("              severity: ").Append(alert.Severity).Append('\n');
            foreach (var l in c.Labels) sb.Append("              ").Append(l).Append('\n');
            sb.Append("            exp_annotations:\n");
            sb.Append("              summary: ").Append(Yaml.Quote(alert.Summary)).Append('\n');
            sb.Append("              description: ").Append(Yaml.Quote(c.Description)).Append('\n');
            sb.Append("              runbook_url: ").Append(Yaml.Quote(Runbook(alert.Name))).Append('\n');
        }
        return sb.ToString();
    }
}

/// <summary>Minimal YAML scalar quoting (single-quoted style).</summary>
internal static class Yaml
{
    public static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
}
