using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pwmk.Cluster.Tests;

/// <summary>deploy/cluster (no Docker here: the files are parsed and checked against each other, not run).</summary>
public sealed class DeployFilesTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pwmk.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("no Pwmk.slnx above the test's folder");
    }

    private static YamlMappingNode Load(string relative)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root(), relative));
        yaml.Load(new MergingParser(new Parser(reader))); // compose files share settings through merge keys (<<: *member)
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node)[key];

    [Fact]
    public void The_compose_file_runs_redis_and_three_members_that_join_it()
    {
        var services = Map(Load("deploy/cluster/docker-compose.yml"), "services");
        var redis = Map(services, "redis");
        var redisCommand = ((YamlSequenceNode)redis["command"]).Select(n => n.ToString()).ToList();
        Assert.Contains("--appendonly", redisCommand);
        Assert.Equal("yes", redisCommand[redisCommand.IndexOf("--appendonly") + 1]);
        var members = services.Children.Keys.Select(k => k.ToString()).Where(k => k.StartsWith("pwmk-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["pwmk-1", "pwmk-2", "pwmk-3"], members);
        var hostPorts = new HashSet<string>();
        foreach (var name in members)
        {
            var m = Map(services, name);
            var command = ((YamlSequenceNode)m["command"]).Select(n => n.ToString()).ToList();
            Assert.Equal("redis://redis:6379", command[command.IndexOf("--cluster") + 1]);
            Assert.Equal("http://0.0.0.0:8080", command[command.IndexOf("--urls") + 1]);
            Assert.True(Map(m, "depends_on").Children.ContainsKey("redis"));
            Assert.True(Map(m, "depends_on").Children.ContainsKey("build"), "members run the build's output, so they wait for it");
            Assert.True(Map(m, "environment").Children.ContainsKey("PWMK_API_KEY"), "members reached from other hosts need an API key");
            foreach (var p in (YamlSequenceNode)m["ports"]) Assert.True(hostPorts.Add(p.ToString().Split(':')[0]), $"host port of {name} used twice");
        }
    }

    [Fact]
    public void Prometheus_scrapes_every_member_as_its_own_target()
    {
        var services = Map(Load("deploy/cluster/docker-compose.yml"), "services");
        var members = services.Children.Keys.Select(k => k.ToString()).Where(k => k.StartsWith("pwmk-", StringComparison.Ordinal));
        var scrape = (YamlSequenceNode)Load("deploy/cluster/prometheus.yml")["scrape_configs"];
        var job = scrape.Cast<YamlMappingNode>().Single(j => j["job_name"].ToString() == "pwmk");
        Assert.Equal("/metrics", job["metrics_path"].ToString());
        var targets = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)job["static_configs"])[0])["targets"]).Select(t => t.ToString());
        Assert.Equal(members.Select(m => m + ":8080"), targets);
        // the alert rules the compose file mounts exist
        Assert.True(File.Exists(Path.Combine(Root(), "deploy/prometheus/alerts.yml")));
    }

    [Fact]
    public void Grafana_is_provisioned_with_the_generated_cluster_dashboard()
    {
        var grafana = Map(Map(Load("deploy/cluster/docker-compose.yml"), "services"), "grafana");
        var mounts = ((YamlSequenceNode)grafana["volumes"]).Select(v => v.ToString().Split(':')).ToDictionary(v => v[1], v => v[0]);
        var dashboards = Path.GetFullPath(Path.Combine(Root(), "deploy/cluster", mounts["/var/lib/grafana/dashboards"]));
        Assert.True(File.Exists(Path.Combine(dashboards, "pwmk-cluster-dashboard.json")), $"no cluster dashboard in {dashboards}");
        var provisioning = Path.GetFullPath(Path.Combine(Root(), "deploy/cluster", mounts["/etc/grafana/provisioning"]));
        // the datasource Grafana is given is the compose file's Prometheus service
        Assert.Contains("url: http://prometheus:9090", File.ReadAllText(Path.Combine(provisioning, "datasources/prometheus.yml")), StringComparison.Ordinal);
        Assert.True(Map(Map(Load("deploy/cluster/docker-compose.yml"), "services"), "prometheus").Children.Count > 0);
    }
}
