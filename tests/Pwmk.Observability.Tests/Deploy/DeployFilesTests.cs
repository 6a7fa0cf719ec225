using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Pwmk.Observability.Deploy;
using Pwmk.Observability.Metrics;

namespace Pwmk.Observability.Tests.Deploy;

[Trait("Category", "Integration")]
public sealed partial class DeployFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-deploy-").FullName;

    public DeployFilesTests() => DeployFiles.Write(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"(?<![:\w])pwmk_[a-z_]+(?![:\w])")]
    private static partial Regex MetricName();

    [Fact]
    public void Committed_deploy_files_match_a_fresh_generation()
    {
        var stale = DeployFiles.Stale(Tools.RepoRoot());
        Assert.True(stale.Count == 0, $"stale generated files (run {DeployFiles.Command}): {string.Join(", ", stale)}");
    }

    [Fact]
    public void Stale_detects_a_hand_edit()
    {
        var alerts = Path.Combine(_dir, "deploy/prometheus/alerts.yml");
        File.AppendAllText(alerts, "# edited\n");
        Assert.Equal(["deploy/prometheus/alerts.yml"], DeployFiles.Stale(_dir));
    }

    [Fact]
    public void Every_generated_file_names_the_command_that_regenerates_it()
    {
        foreach (var (path, content) in DeployFiles.Generate())
            Assert.Contains(DeployFiles.Command, content.Split('\n').First(l => l.Length > 0 && !l.StartsWith('{')) + content[..Math.Min(400, content.Length)]);
    }

    [Fact]
    public void Promtool_accepts_the_prometheus_config_and_rules_and_the_alert_unit_tests_pass()
    {
        var prom = Path.Combine(_dir, "deploy/prometheus");
        var config = Tools.Run("promtool", "check config prometheus.yml", workingDirectory: prom);
        Assert.True(config.Exit == 0, config.Output);
        var rules = Tools.Run("promtool", "check rules alerts.yml", workingDirectory: prom);
        Assert.True(rules.Exit == 0, rules.Output);
        Assert.Contains("SUCCESS: 6 rules found", rules.Output);
        var tests = Tools.Run("promtool", "test rules alerts_test.yml", workingDirectory: prom);
        Assert.True(tests.Exit == 0, tests.Output);
        Assert.Contains("SUCCESS", tests.Output);
    }

    [Fact]
    public void Alert_unit_tests_cover_each_alert_firing_and_not_firing_and_catch_a_wrong_threshold()
    {
        var test = File.ReadAllText(Path.Combine(_dir, "deploy/prometheus/alerts_test.yml"));
        foreach (var a in AlertRules.Alerts)
        {
            Assert.Contains($"# {a.Name} fires", test);
            Assert.Contains($"# {a.Name} does not fire", test);
        }
        Assert.Equal(Regex.Matches(test, @"- interval: 1m").Count, Regex.Matches(test, @"alert_rule_test:").Count);
        // a rule file with the planning threshold raised past the test's 25% failure rate makes promtool fail
        var prom = Path.Combine(_dir, "deploy/prometheus");
        File.WriteAllText(Path.Combine(prom, "alerts.yml"), AlertRules.Generate().Replace("failure_ratio_rate5m > 0.1", "failure_ratio_rate5m > 0.5", StringComparison.Ordinal));
        var broken = Tools.Run("promtool", "test rules alerts_test.yml", workingDirectory: prom);
        Assert.NotEqual(0, broken.Exit);
        Assert.Contains("PlanningFailureRate", broken.Output);
    }

    [Fact]
    public void Amtool_accepts_the_alertmanager_config_with_routes_receivers_and_inhibit_rule()
    {
        var r = Tools.Run("amtool", "check-config alertmanager.yml", workingDirectory: Path.Combine(_dir, "deploy/alertmanager"));
        Assert.True(r.Exit == 0, r.Output);
        Assert.Contains("1 inhibit rules", r.Output);
        Assert.Contains("2 receivers", r.Output);
        var yml = AlertmanagerConfig.Generate();
        Assert.Contains("smtp_auth_password_file", yml);
        Assert.Contains("group_by: ['alertname']", yml);
    }

    [SchemaFact("grafana")]
    public void Dashboard_validates_against_the_grafana_schemas() => AssertDashboard("pwmk-dashboard.json", DashboardGenerator.Panels, ["datasource", "model_type", "agent_id"]);

    [SchemaFact("grafana")]
    public void Cluster_dashboard_validates_against_the_grafana_schemas() => AssertDashboard("pwmk-cluster-dashboard.json", DashboardGenerator.ClusterPanels, ["datasource", "instance"]);

    [Fact]
    public void Every_cluster_panel_shows_the_cluster_and_each_member()
    {
        foreach (var p in DashboardGenerator.ClusterPanels)
        {
            var exprs = p.Queries.Select(q => q.Expr).ToList();
            Assert.All(exprs, e => Assert.Contains("instance=~\"$instance\"", e, StringComparison.Ordinal));
            // a panel with the cluster's total also splits it by member, with the member as legend
            if (p.Queries.Any(q => q.Legend == "cluster"))
                Assert.Contains(p.Queries, q => q.Legend == "{{instance}}" && (q.Expr.Contains("by (instance)", StringComparison.Ordinal) || q.Expr.Contains("le, instance", StringComparison.Ordinal)));
        }
        Assert.True(DashboardGenerator.ClusterPanels.Count(p => p.Queries.Any(q => q.Legend == "cluster")) >= 8);
        Assert.Contains(DashboardGenerator.ClusterPanels.SelectMany(p => p.Queries), q => q.Expr.Contains("orleans_", StringComparison.Ordinal) && q.Legend == "{{instance}}");
        // the PWMK series they use are ones PWMK emits (Orleans' are checked against a live member in ClusterTests)
        var known = MetricCatalog.All.Select(m => m.Name).ToHashSet();
        foreach (var m in DashboardGenerator.ClusterPanels.SelectMany(p => p.Queries).SelectMany(q => MetricName().Matches(q.Expr)))
            Assert.Contains(Regex.Replace(m.Value, "_(bucket|sum|count)$", ""), known);
    }

    private void AssertDashboard(string file, IReadOnlyList<DashboardGenerator.PanelSpec> specs, string[] variables)
    {
        var dir = SchemaDir();
        var json = File.ReadAllText(Path.Combine(_dir, "deploy/grafana/dashboards", file));
        using var doc = JsonDocument.Parse(json);
        AssertValid(Schema(Path.Combine(dir, "dashboard.jsonschema.json"), null), doc.RootElement, "dashboard");
        var query = Schema(Path.Combine(dir, "prometheus.jsonschema.json"), "Dataquery");
        var stat = Schema(Path.Combine(dir, "stat.jsonschema.json"), "Options");
        var timeseries = Schema(Path.Combine(dir, "timeseries.jsonschema.json"), "Options");
        int panels = 0;
        foreach (var panel in doc.RootElement.GetProperty("panels").EnumerateArray())
        {
            panels++;
            string type = panel.GetProperty("type").GetString()!;
            Assert.Contains(type, new[] { "timeseries", "stat" });
            AssertValid(type == "stat" ? stat : timeseries, panel.GetProperty("options"), type + " options");
            foreach (var t in panel.GetProperty("targets").EnumerateArray())
            {
                AssertValid(query, t, "target");
                Assert.Contains("$__rate_interval", t.GetProperty("expr").GetString()!.Contains("rate(", StringComparison.Ordinal) ? t.GetProperty("expr").GetString() : "$__rate_interval");
            }
            Assert.False(string.IsNullOrEmpty(panel.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString()));
        }
        Assert.Equal(specs.Count, panels);
        var vars = doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(variables, vars);
    }

    [SchemaFact("grafana")]
    public void The_schema_check_rejects_an_unknown_dashboard_key()
    {
        var node = DashboardGenerator.Build();
        node["grafanaVersionFromTheFuture"] = 1;
        using var doc = JsonDocument.Parse(node.ToJsonString());
        var r = Schema(Path.Combine(SchemaDir(), "dashboard.jsonschema.json"), null).Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.False(r.IsValid);
    }

    [Fact]
    public void Panels_and_alerts_use_only_emitted_metrics_and_every_metric_has_a_panel()
    {
        var known = MetricCatalog.All.Select(m => m.Name).ToHashSet();
        var exprs = DashboardGenerator.Panels.SelectMany(p => p.Queries.Select(q => q.Expr))
            .Concat(AlertRules.Alerts.Select(a => a.Expr)).Concat(AlertRules.Recording.Select(r => r.Expr)).ToList();
        var used = new HashSet<string>();
        foreach (var e in exprs)
        {
            foreach (Match m in MetricName().Matches(e))
            {
                var name = Regex.Replace(m.Value, "_(bucket|sum|count)$", "");
                Assert.True(known.Contains(name), $"'{m.Value}' in '{e}' is not a metric PWMK emits");
                used.Add(name);
            }
        }
        var panelMetrics = DashboardGenerator.Panels.SelectMany(p => p.Queries).SelectMany(q => MetricName().Matches(q.Expr).Select(m => Regex.Replace(m.Value, "_(bucket|sum|count)$", ""))).ToHashSet();
        Assert.Empty(known.Except(panelMetrics));
    }

    [Fact]
    public void Every_panel_query_is_valid_promql()
    {
        // promtool has no query parser command; recording rules are parsed by `promtool check rules`
        var sb = new System.Text.StringBuilder("groups:\n  - name: panels\n    rules:\n");
        int i = 0;
        foreach (var q in DashboardGenerator.Panels.Concat(DashboardGenerator.ClusterPanels).SelectMany(p => p.Queries))
        {
            var expr = Substitute(q.Expr);
            sb.Append("      - record: panel_").Append(i++).Append("\n        expr: '").Append(expr.Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
        }
        var file = Path.Combine(_dir, "panels.yml");
        File.WriteAllText(file, sb.ToString());
        var r = Tools.Run("promtool", "check rules " + file);
        Assert.True(r.Exit == 0, r.Output);
        Assert.Contains($"SUCCESS: {i} rules found", r.Output);
    }

    [Fact]
    public void Every_alert_links_a_runbook_section_that_exists_in_the_operations_guide()
    {
        var guide = File.ReadAllText(Path.Combine(Tools.RepoRoot(), "docs", "OPERATIONS.md"));
        var alerts = AlertRules.Generate();
        foreach (var a in AlertRules.Alerts)
        {
            Assert.Contains($"runbook_url: '{AlertRules.DefaultRunbookBase}#{a.Name.ToLowerInvariant()}'", alerts, StringComparison.Ordinal);
            Assert.Contains($"\n### {a.Name}\n", guide, StringComparison.Ordinal);
        }
    }

    /// <summary>A panel query with Grafana's variables replaced as Grafana would (all values, 1m rate interval).</summary>
    internal static string Substitute(string expr) => expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal)
        .Replace("$model_type", ".*", StringComparison.Ordinal).Replace("$agent_id", ".*", StringComparison.Ordinal)
        .Replace("$instance", ".*", StringComparison.Ordinal);

    // Grafana's dashboard schemas (Apache-2.0, third party) are not copied into the repository: they are read beside the data folder.
    internal static string SchemaDir() => TestData.Schemas("grafana") ?? throw new InvalidOperationException("the test must be a SchemaFact");

    private static JsonSchema Schema(string file, string? definition)
    {
        var node = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        if (definition is not null) node["$ref"] = "#/definitions/" + definition;
        return JsonSchema.FromText(node.ToJsonString(), baseUri: new Uri($"https://pwmk.test/{Guid.NewGuid():N}/{Path.GetFileName(file)}"));
    }

    private static void AssertValid(JsonSchema schema, JsonElement e, string what)
    {
        var r = schema.Evaluate(e, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (r.IsValid) return;
        var errors = (r.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(x => $"{d.InstanceLocation}: {x.Key}: {x.Value}"));
        Assert.Fail($"{what} does not validate:\n" + string.Join("\n", errors.Take(20)));
    }
}
