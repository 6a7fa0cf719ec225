using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pwmk.Observability.Health;
using Pwmk.Observability.Hosting;

namespace Pwmk.Observability.Tests.Hosting;

public class ObservabilityEndpointTests
{
    private static async Task<WebApplication> StartAsync(Action<PwmkObservabilityOptions>? configure = null, Action<IHealthChecksBuilder>? checks = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddPwmkObservability(builder.Configuration, o =>
        {
            o.HealthTimeoutSeconds = 5; // the default: real checks get the time they take on a busy machine
            configure?.Invoke(o);
        });
        checks?.Invoke(builder.Services.AddHealthChecks());
        var app = builder.Build();
        app.UsePwmkObservability();
        app.MapPwmkObservability();
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task Metrics_endpoint_negotiates_prometheus_text_and_openmetrics()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();
        Workload.QueryBeliefs(Workload.Beliefs());
        var text = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.StartsWith("text/plain", text.Content.Headers.ContentType!.ToString());
        var body = await text.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE pwmk_belief_query_duration_seconds histogram", body);
        Assert.DoesNotContain("# EOF", body);

        var req = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        req.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0; charset=utf-8");
        var om = await client.SendAsync(req);
        Assert.StartsWith("application/openmetrics-text", om.Content.Headers.ContentType!.ToString());
        Assert.EndsWith("# EOF\n", await om.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_runs_the_real_component_checks_and_reports_the_specified_shape()
    {
        await using var app = await StartAsync();
        var r = await app.GetTestClient().GetAsync("/health");
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("healthy", (string?)body["status"]);
        Assert.True((double)body["uptime_seconds"]! >= 0);
        foreach (var name in new[] { "planning_engine", "environments" })
        {
            Assert.Equal("healthy", (string?)body["checks"]![name]!["status"]);
            Assert.True((double)body["checks"]![name]!["latency_ms"]! >= 0);
        }
        Assert.Equal("box-world,hide-and-seek,rooms", (string?)body["checks"]!["environments"]!["environments"]);
        // readiness checks are /ready's, not /health's
        Assert.Null(body["checks"]!["state_directory_writable"]);
    }

    [Fact]
    public async Task A_hung_check_reports_timeout_and_503_without_hanging_the_endpoint()
    {
        using var release = new ManualResetEventSlim();
        await using var app = await StartAsync(checks: c => c.AddTimedCheck("hung", _ =>
        {
            release.Wait(TimeSpan.FromSeconds(30));
            return HealthCheckResult.Healthy();
        }, timeout: TimeSpan.FromSeconds(1)));
        var sw = Stopwatch.StartNew();
        var r = await app.GetTestClient().GetAsync("/health");
        sw.Stop();
        release.Set();
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        Assert.Equal("unhealthy", (string?)body["status"]);
        Assert.Equal("timeout", (string?)body["checks"]!["hung"]!["status"]);
        Assert.Equal("healthy", (string?)body["checks"]!["planning_engine"]!["status"]);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task A_check_slower_than_its_timeout_is_a_timeout_even_when_it_ignores_cancellation_and_finishes_healthy()
    {
        await using var app = await StartAsync(checks: c => c.AddTimedCheck("slow", _ =>
        {
            Thread.Sleep(300); // ignores its token, then says healthy
            return HealthCheckResult.Healthy();
        }, timeout: TimeSpan.FromMilliseconds(20)));
        var client = app.GetTestClient();
        var body = JsonNode.Parse(await (await client.GetAsync("/health")).Content.ReadAsStringAsync())!;
        Assert.Equal("timeout", (string?)body["checks"]!["slow"]!["status"]);
        // the probe after the check finished: its answer came after 300 ms of a 20 ms budget, so it is still a timeout
        await Task.Delay(400);
        var again = JsonNode.Parse(await (await client.GetAsync("/health")).Content.ReadAsStringAsync())!;
        var slow = again["checks"]!["slow"]!;
        Assert.Equal("timeout", (string?)slow["status"]);
        Assert.Equal("unhealthy", (string?)again["status"]);
    }

    [Fact]
    public async Task Ready_fails_when_the_state_directory_is_not_writable_and_live_has_no_dependencies()
    {
        var file = Path.GetTempFileName(); // a file where a folder is expected: not writable as a directory
        try
        {
            await using var app = await StartAsync(o => o.StateDirectory = Path.Combine(file, "state"));
            var client = app.GetTestClient();
            var r = await client.GetAsync("/ready");
            var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            Assert.Equal("not_ready", (string?)body["status"]);
            Assert.False((bool)body["readiness"]!["state_directory_writable"]!);
            Assert.Contains("cannot be written", (string?)body["reasons"]!["state_directory_writable"]);
            Assert.Equal("healthy", (string?)body["health"]!["status"]);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/live")).StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
        var dir = Directory.CreateTempSubdirectory("pwmk-ready-").FullName;
        try
        {
            await using var ok = await StartAsync(o => o.StateDirectory = dir);
            Assert.Equal(HttpStatusCode.OK, (await ok.GetTestClient().GetAsync("/ready")).StatusCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
