using System.Net;
using System.Text.RegularExpressions;

namespace Pwmk.Server.Tests;

/// <summary>Tests that read the process-wide domain metrics exactly: they run alone (no other test moves those series meanwhile).</summary>
[CollectionDefinition(nameof(ExactMetrics), DisableParallelization = true)]
public sealed class ExactMetrics;

/// <summary>Health probes measure the server's components without changing what the dashboards and alerts see.</summary>
[Collection(nameof(ExactMetrics))]
public sealed partial class HealthProbeTests
{
    [GeneratedRegex(@"^pwmk_[a-z_]+(\{[^}]*\})? \S+$", RegexOptions.Multiline)]
    private static partial Regex PwmkSample();

    private static async Task<string[]> BusinessSeries(ServerFixture s)
    {
        var text = await s.Client.GetStringAsync("/metrics");
        // every pwmk_* sample but the exporter's own counters of spans (not business, and moved by no probe either)
        return [.. PwmkSample().Matches(text).Select(m => m.Value).Where(l => !l.StartsWith("pwmk_otel_", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task A_hundred_health_and_ready_probes_change_no_pwmk_series()
    {
        await using var s = await ServerFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { agent = "probe_anne", belief = "in(marble, box)" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs/query", new { query = "believes(probe_anne, X)" })).StatusCode);
        var before = await BusinessSeries(s);
        Assert.Contains(before, l => l.StartsWith("pwmk_belief_query_duration_seconds_count{", StringComparison.Ordinal));
        for (int i = 0; i < 100; i++)
        {
            var r = await s.Client.GetAsync(i % 10 == 9 ? "/ready" : "/health");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        var after = await BusinessSeries(s);
        Assert.Equal(before, after);
    }
}

/// <summary>What <c>/health</c> and <c>/ready</c> say about the model and environments the server really serves.</summary>
public sealed class ServedModelHealthTests
{
    [Fact]
    public async Task Ready_waits_for_the_served_world_model_and_health_runs_that_model()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:Simulate"] = "true", ["Pwmk:StepDelayMs"] = "20" });
        // a fresh state: the background simulation trains its model after its first episode; until then not ready, and why
        var first = await s.Client.GetAsync("/ready");
        if (first.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            var body = await ServerFixture.Json(first);
            Assert.False(body.GetProperty("readiness").GetProperty("model_loaded").GetBoolean());
            Assert.Contains("no world model yet", body.GetProperty("reasons").GetProperty("model_loaded").GetString(), StringComparison.Ordinal);
            // the model may have been trained between the two requests: then /health runs it
            var wm0 = (await ServerFixture.Json(await s.Client.GetAsync("/health"))).GetProperty("checks").GetProperty("world_model");
            if (wm0.TryGetProperty("model", out var none)) Assert.Equal("none yet", none.GetString());
            else Assert.Equal(2, wm0.GetProperty("num_agents").GetInt32());
        }
        await ServerFixture.Eventually(async () => (await s.Client.GetAsync("/ready")).StatusCode == HttpStatusCode.OK, seconds: 90);
        var ready = await ServerFixture.Json(await s.Client.GetAsync("/ready"));
        Assert.True(ready.GetProperty("readiness").GetProperty("model_loaded").GetBoolean());
        var wm = ready.GetProperty("health").GetProperty("checks").GetProperty("world_model");
        Assert.Equal("healthy", wm.GetProperty("status").GetString());
        Assert.Equal("sim-1", wm.GetProperty("simulation").GetString());
        Assert.Equal(2, wm.GetProperty("num_agents").GetInt32());
        Assert.Equal("healthy", ready.GetProperty("health").GetProperty("checks").GetProperty("environments").GetProperty("status").GetString());
    }
}
