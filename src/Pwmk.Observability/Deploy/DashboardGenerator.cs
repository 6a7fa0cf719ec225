using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pwmk.Observability.Deploy;

/// <summary>
/// Builds the Grafana dashboard of PWMK (classic dashboard JSON model, schema version 41): the panels of the
/// monitoring specification (inference p95 and median, belief query average time, planning success rate, training
/// loss, memory, active agents) and one panel for every other metric, as current <c>timeseries</c>/<c>stat</c>
/// panels using <c>$__rate_interval</c>, with units, a Prometheus datasource variable and template variables for
/// <c>model_type</c> and <c>agent_id</c>.
/// </summary>
public static class DashboardGenerator
{
    /// <summary>The dashboard's uid (stable across generations).</summary>
    public const string Uid = "pwmk-performance";

    /// <summary>One panel query: the PromQL expression and its legend.</summary>
    public sealed record Query(string Expr, string Legend);

    /// <summary>One panel: title, type (<c>timeseries</c> or <c>stat</c>), unit and queries.</summary>
    public sealed record PanelSpec(string Title, string Type, string Unit, string Description, params Query[] Queries);

    private const string M = "model_type=~\"$model_type\"";
    private const string A = "agent_id=~\"$agent_id\"";
    private const string R = "[$__rate_interval]";

    /// <summary>Every panel of the dashboard, in order.</summary>
    public static IReadOnlyList<PanelSpec> Panels { get; } =
    [
        new("World Model Inference Time", "timeseries", "s", "95th percentile and median latency of world-model forward passes",
            new Query($"histogram_quantile(0.95, sum by (le) (rate(pwmk_world_model_inference_seconds_bucket{{{M}}}{R})))", "95th percentile"),
            new Query($"histogram_quantile(0.50, sum by (le) (rate(pwmk_world_model_inference_seconds_bucket{{{M}}}{R})))", "Median")),
        new("Belief Query Performance", "timeseries", "s", "Average belief query time",
            new Query($"sum(rate(pwmk_belief_query_duration_seconds_sum{R})) / sum(rate(pwmk_belief_query_duration_seconds_count{R}))", "Average query time")),
        // a search that ends without a plan within its bounds is an answer (the agent uses its heuristic); only an attempt the
        // planner could not answer (success="false") is a failure, as in the PlanningFailureRate alert
        new("Planning Success Rate", "stat", "percent", "Share of planning attempts the planner answered: a plan, or none within the bounds (Planning Attempts splits them)",
            new Query($"100 * sum(rate(pwmk_planning_attempts_total{{success!=\"false\"}}{R})) / sum(rate(pwmk_planning_attempts_total{R}))", "Success Rate %")),
        new("World Model Training Loss", "timeseries", "none", "Average training loss per model and agent",
            new Query($"sum by (model_type, agent_id) (rate(pwmk_world_model_training_loss_sum{{{M},{A}}}{R})) / sum by (model_type, agent_id) (rate(pwmk_world_model_training_loss_count{{{M},{A}}}{R}))",
                "Training Loss - {{model_type}} {{agent_id}}")),
        new("Memory Usage", "timeseries", "bytes", "Bytes of world-model weights per component",
            new Query($"sum by (model_type, component) (pwmk_world_model_memory_bytes{{{M}}})", "Memory - {{model_type}} {{component}}")),
        new("Active Agents", "stat", "none", "Agents holding at least one belief",
            new Query("count(count by (agent_id) (pwmk_belief_store_facts_total{agent_id!=\"world\"}))", "Active Agents")),
        new("Belief Store Facts", "timeseries", "none", "Facts in the belief store per agent (world: facts that are not beliefs)",
            new Query($"sum by (agent_id) (pwmk_belief_store_facts_total{{{A}}})", "{{agent_id}}")),
        new("Belief Updates", "timeseries", "ops", "Belief updates per second by kind",
            new Query($"sum by (update_type) (rate(pwmk_belief_updates_total{{{A}}}{R}))", "{{update_type}}")),
        new("Belief Query Latency p95", "timeseries", "s", "95th percentile belief query time by query type and complexity",
            new Query($"histogram_quantile(0.95, sum by (le, query_type, complexity) (rate(pwmk_belief_query_duration_seconds_bucket{R})))", "{{query_type}} {{complexity}}")),
        new("Planning Duration p95", "timeseries", "s", "95th percentile planning time per planner",
            new Query($"histogram_quantile(0.95, sum by (le, planner_type) (rate(pwmk_planning_duration_seconds_bucket{R})))", "{{planner_type}}")),
        new("Planning Attempts", "timeseries", "ops", "Planning attempts per second by planner and outcome",
            new Query($"sum by (planner_type, success) (rate(pwmk_planning_attempts_total{R}))", "{{planner_type}} success={{success}}")),
        new("Plan Quality", "timeseries", "percentunit", "Median quality score of generated plans",
            new Query($"histogram_quantile(0.50, sum by (le, planner_type, goal_type) (rate(pwmk_plan_quality_score_bucket{R})))", "{{planner_type}} {{goal_type}}")),
        new("Environment Step Time p95", "timeseries", "s", "95th percentile time of one environment step",
            new Query($"histogram_quantile(0.95, sum by (le, env_type) (rate(pwmk_env_step_duration_seconds_bucket{R})))", "{{env_type}}")),
        new("Episode Length", "timeseries", "none", "Average episode length in steps",
            new Query($"sum by (env_type, success) (rate(pwmk_episode_length_steps_sum{R})) / sum by (env_type, success) (rate(pwmk_episode_length_steps_count{R}))",
                "{{env_type}} success={{success}}")),
        new("Episode Reward", "timeseries", "none", "Average episode reward per agent",
            new Query($"sum by (env_type, agent_id) (rate(pwmk_episode_reward_sum{{{A}}}{R})) / sum by (env_type, agent_id) (rate(pwmk_episode_reward_count{{{A}}}{R}))",
                "{{env_type}} {{agent_id}}")),
    ];

    /// <summary>The cluster dashboard's uid.</summary>
    public const string ClusterUid = "pwmk-cluster";

    private const string I = "instance=~\"$instance\"";
    private const string G = "grain_type!~\"sys\\\\..*\"";

    /// <summary>
    /// The panels of the cluster dashboard (members of <c>pwmk serve --cluster</c>, one Prometheus target each): every panel
    /// shows the cluster's total (summed over members) and each member's own series (<c>by (instance)</c>), for PWMK's
    /// series and Orleans' own (meter <c>Microsoft.Orleans</c>, exported on each member's <c>/metrics</c>).
    /// </summary>
    public static IReadOnlyList<PanelSpec> ClusterPanels { get; } =
    [
        new("Members Up", "stat", "none", "Members Prometheus scrapes, and the members in Orleans' consistent ring as the member that sees the fewest sees it",
            new Query($"count(up{{job=\"pwmk\",{I}}} == 1)", "scraped"),
            new Query($"min(orleans_consistent_ring_size{{{I}}})", "in the ring (lowest view)")),
        new("Membership View per Member", "timeseries", "none", "Members in the consistent ring as each member sees them: members that disagree point at a member being declared dead or a partition",
            new Query($"orleans_consistent_ring_size{{{I}}}", "{{instance}}")),
        new("Grain Activations", "timeseries", "none", "Application grain activations (belief partitions, simulations, rollout workers; Orleans' system targets left out): the cluster's total and each member's",
            new Query($"sum(orleans_catalog_activations{{{I},{G}}})", "cluster"),
            new Query($"sum by (instance) (orleans_catalog_activations{{{I},{G}}})", "{{instance}}")),
        new("Grain Activations by Type", "timeseries", "none", "Application grain activations over the cluster by grain type",
            new Query($"sum by (grain_type) (orleans_catalog_activations{{{I},{G}}})", "{{grain_type}}")),
        new("Grain Calls per Second", "timeseries", "ops", "Calls to application grains per second: the cluster's total and each member's",
            new Query($"sum(rate(orleans_app_requests_latency_count{{{I}}}{R}))", "cluster"),
            new Query($"sum by (instance) (rate(orleans_app_requests_latency_count{{{I}}}{R}))", "{{instance}}")),
        new("Grain Call Latency p95", "timeseries", "ms", "95th percentile time of a call to an application grain over the cluster and on each member",
            new Query($"histogram_quantile(0.95, sum by (le) (rate(orleans_app_requests_latency_bucket{{{I}}}{R})))", "cluster"),
            new Query($"histogram_quantile(0.95, sum by (le, instance) (rate(orleans_app_requests_latency_bucket{{{I}}}{R})))", "{{instance}}")),
        new("Messages Between Members", "timeseries", "ops", "Messages sent to other members and clients per second: the cluster's total and each member's",
            new Query($"sum(rate(orleans_messaging_sent_messages_size_count{{{I}}}{R}))", "cluster"),
            new Query($"sum by (instance) (rate(orleans_messaging_sent_messages_size_count{{{I}}}{R}))", "{{instance}}")),
        new("Grain Storage Write Latency p95", "timeseries", "ms", "95th percentile time of a grain state write to Redis (every acknowledged belief change waits for one) over the cluster and on each member",
            new Query($"histogram_quantile(0.95, sum by (le) (rate(orleans_storage_write_latency_bucket{{{I}}}{R})))", "cluster"),
            new Query($"histogram_quantile(0.95, sum by (le, instance) (rate(orleans_storage_write_latency_bucket{{{I}}}{R})))", "{{instance}}")),
        new("Belief Queries per Second", "timeseries", "ops", "Belief queries answered per second: the cluster's total and each member's (a query runs on the member that received it)",
            new Query($"sum(rate(pwmk_belief_query_duration_seconds_count{{{I}}}{R}))", "cluster"),
            new Query($"sum by (instance) (rate(pwmk_belief_query_duration_seconds_count{{{I}}}{R}))", "{{instance}}")),
        new("Belief Query Latency p95", "timeseries", "s", "95th percentile belief query time over the cluster and on each member",
            new Query($"histogram_quantile(0.95, sum by (le) (rate(pwmk_belief_query_duration_seconds_bucket{{{I}}}{R})))", "cluster"),
            new Query($"histogram_quantile(0.95, sum by (le, instance) (rate(pwmk_belief_query_duration_seconds_bucket{{{I}}}{R})))", "{{instance}}")),
        new("Episodes per Second", "timeseries", "ops", "Episodes finished per second (cluster simulations and rollout workers): the cluster's total and each member's",
            new Query($"sum(rate(pwmk_episode_length_steps_count{{{I}}}{R}))", "cluster"),
            new Query($"sum by (instance) (rate(pwmk_episode_length_steps_count{{{I}}}{R}))", "{{instance}}")),
        new("Environment Steps per Second", "timeseries", "ops", "Environment steps per second: the cluster's total and each member's",
            new Query($"sum(rate(pwmk_env_step_duration_seconds_count{{{I}}}{R}))", "cluster"),
            new Query($"sum by (instance) (rate(pwmk_env_step_duration_seconds_count{{{I}}}{R}))", "{{instance}}")),
    ];

    /// <summary>The dashboard as indented JSON.</summary>
    public static string Generate() => Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>The cluster dashboard (<see cref="ClusterPanels"/>) as indented JSON.</summary>
    public static string GenerateCluster() => BuildCluster().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>The dashboard as a JSON tree.</summary>
    public static JsonObject Build() => Dashboard(Uid, "PWMK Performance Dashboard",
        "World model, belief store, planner and environments of PWMK. Generated by ./pwmk dashboards generate; do not edit by hand.", Panels,
        Variable("model_type", "Model type", "label_values(pwmk_world_model_inference_seconds_count, model_type)"),
        Variable("agent_id", "Agent", "label_values(pwmk_belief_store_facts_total, agent_id)"));

    /// <summary>The cluster dashboard as a JSON tree.</summary>
    public static JsonObject BuildCluster() => Dashboard(ClusterUid, "PWMK Cluster",
        "Members of a PWMK cluster (Orleans): each panel sums the members and splits by instance. Generated by ./pwmk dashboards generate; do not edit by hand.",
        ClusterPanels, Variable("instance", "Member", "label_values(up{job=\"pwmk\"}, instance)"));

    private static JsonObject Dashboard(string uid, string title, string description, IReadOnlyList<PanelSpec> specs, params JsonObject[] variables)
    {
        var panels = new JsonArray();
        for (int i = 0; i < specs.Count; i++)
        {
            panels.Add(Panel(specs[i], i + 1, (i % 2) * 12, (i / 2) * 8));
        }
        var list = new JsonArray(new JsonObject
        {
            ["type"] = "datasource",
            ["name"] = "datasource",
            ["label"] = "Data source",
            ["query"] = "prometheus",
            ["current"] = new JsonObject { ["text"] = "Prometheus", ["value"] = "prometheus" },
        });
        foreach (var v in variables) list.Add(v);
        return new JsonObject
        {
            ["uid"] = uid,
            ["title"] = title,
            ["description"] = description,
            ["tags"] = new JsonArray("pwmk"),
            ["timezone"] = "browser",
            ["editable"] = true,
            ["graphTooltip"] = 1,
            ["time"] = new JsonObject { ["from"] = "now-1h", ["to"] = "now" },
            ["refresh"] = "5s",
            ["schemaVersion"] = 41,
            ["version"] = 1,
            ["panels"] = panels,
            ["templating"] = new JsonObject { ["list"] = list },
            ["annotations"] = new JsonObject
            {
                ["list"] = new JsonArray(new JsonObject
                {
                    ["name"] = "Annotations & Alerts",
                    ["builtIn"] = 1,
                    ["enable"] = true,
                    ["hide"] = true,
                    ["iconColor"] = "rgba(0, 211, 255, 1)",
                    ["type"] = "dashboard",
                    ["datasource"] = new JsonObject { ["type"] = "grafana", ["uid"] = "-- Grafana --" },
                }),
            },
        };
    }

    private static JsonObject DataSource() => new() { ["type"] = "prometheus", ["uid"] = "${datasource}" };

    private static JsonObject Variable(string name, string label, string query) => new()
    {
        ["type"] = "query",
        ["name"] = name,
        ["label"] = label,
        ["datasource"] = DataSource(),
        ["query"] = query,
        ["definition"] = query,
        ["refresh"] = 2,
        ["includeAll"] = true,
        ["multi"] = true,
        ["allValue"] = ".*",
        ["sort"] = 1,
        ["current"] = new JsonObject { ["text"] = "All", ["value"] = "$__all" },
    };

    private static JsonObject Panel(PanelSpec p, int id, int x, int y)
    {
        var targets = new JsonArray();
        for (int i = 0; i < p.Queries.Length; i++)
        {
            targets.Add(new JsonObject
            {
                ["refId"] = ((char)('A' + i)).ToString(),
                ["datasource"] = DataSource(),
                ["editorMode"] = "code",
                ["expr"] = p.Queries[i].Expr,
                ["legendFormat"] = p.Queries[i].Legend,
                ["range"] = true,
            });
        }
        var thresholds = new JsonObject
        {
            ["mode"] = "absolute",
            ["steps"] = new JsonArray(new JsonObject { ["value"] = null, ["color"] = "green" }),
        };
        var defaults = new JsonObject
        {
            ["unit"] = p.Unit,
            ["color"] = new JsonObject { ["mode"] = p.Type == "stat" ? "thresholds" : "palette-classic" },
            ["thresholds"] = thresholds,
        };
        if (p.Unit == "percent")
        {
            defaults["min"] = 0;
            defaults["max"] = 100;
            ((JsonArray)thresholds["steps"]!).Clear();
            ((JsonArray)thresholds["steps"]!).Add(new JsonObject { ["value"] = null, ["color"] = "red" });
            ((JsonArray)thresholds["steps"]!).Add(new JsonObject { ["value"] = 90, ["color"] = "green" });
        }
        return new JsonObject
        {
            ["id"] = id,
            ["type"] = p.Type,
            ["title"] = p.Title,
            ["description"] = p.Description,
            ["datasource"] = DataSource(),
            ["gridPos"] = new JsonObject { ["h"] = 8, ["w"] = 12, ["x"] = x, ["y"] = y },
            ["targets"] = targets,
            ["fieldConfig"] = new JsonObject { ["defaults"] = defaults, ["overrides"] = new JsonArray() },
            ["options"] = p.Type == "stat" ? StatOptions() : TimeseriesOptions(),
        };
    }

    private static JsonObject StatOptions() => new()
    {
        ["graphMode"] = "area",
        ["colorMode"] = "value",
        ["justifyMode"] = "auto",
        ["textMode"] = "auto",
        ["wideLayout"] = true,
        ["showPercentChange"] = false,
        ["percentChangeColorMode"] = "standard",
        ["orientation"] = "auto",
        ["reduceOptions"] = new JsonObject { ["calcs"] = new JsonArray("lastNotNull"), ["values"] = false, ["fields"] = "" },
    };

    private static JsonObject TimeseriesOptions() => new()
    {
        ["legend"] = new JsonObject { ["displayMode"] = "list", ["placement"] = "bottom", ["showLegend"] = true, ["calcs"] = new JsonArray() },
        ["tooltip"] = new JsonObject { ["mode"] = "multi", ["sort"] = "desc" },
    };
}
