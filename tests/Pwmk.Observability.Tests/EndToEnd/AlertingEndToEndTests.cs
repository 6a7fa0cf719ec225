using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pwmk.Core.Beliefs;
using Pwmk.Observability.Deploy;
using Pwmk.Observability.Tests.Deploy;
using Pwmk.Server;

namespace Pwmk.Observability.Tests.EndToEnd;

/// <summary>
/// The default PWMK server (its background simulation, plus API clients that do what users do) on loopback, scraped by a
/// real Prometheus 2.42 with the shipped rules on compressed time (every rate window and <c>for</c> divided by
/// <see cref="TimeScale"/>, 1 s scrapes and evaluations), which sends alerts to a real Alertmanager 0.25 with the shipped
/// configuration (its receivers post to PWMK's own <c>/alerts/webhook</c> with PWMK's API key; Slack and e-mail point at
/// closed ports). A healthy server fires nothing; then one fault at a time makes its alert, and only it, fire, arrive at
/// PWMK and resolve once the fault is removed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AlertingEndToEndTests : IAsyncLifetime
{
    /// <summary>
    /// Compressed time: 5 minutes of the shipped rules take 15 seconds. Not more: a 5 s rate window holds so few forward
    /// passes that one scheduling stall of a loaded test machine moved the healthy server's p95 past the latency alert.
    /// </summary>
    private const double TimeScale = 20;

    private const string ApiKey = "e2e-alerting-key";

    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-alerting-").FullName;
    private readonly List<Process> _processes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentQueue<string> _workloadErrors = new();
    private WebApplication? _pwmk;
    private HttpClient? _api;
    private Task? _workload;
    private int _promPort;

    public async Task InitializeAsync()
    {
        _pwmk = PwmkServer.Build(PwmkServer.CreateBuilder(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Pwmk:ApiKey"] = ApiKey,
            ["Pwmk:RateLimitPerSecond"] = "0",
            ["Pwmk:StateDir"] = Path.Combine(_dir, "state"),
            ["Pwmk:Fsync"] = "batched",
            ["Observability:LogLevel"] = "Warning",
        }));
        await _pwmk.StartAsync();
        _api = new HttpClient { BaseAddress = new Uri(_pwmk.Urls.First()), Timeout = TimeSpan.FromSeconds(10) };
        _api.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        _workload = Task.Run(RunUsers);

        var secrets = Directory.CreateDirectory(Path.Combine(_dir, "secrets")).FullName;
        File.WriteAllText(Path.Combine(secrets, "pwmk_api_key"), ApiKey);
        File.WriteAllText(Path.Combine(secrets, "slack_webhook_url"), $"http://127.0.0.1:{Loopback.FreePort()}/slack");
        File.WriteAllText(Path.Combine(secrets, "smtp_password"), "unused");
        int amPort = Loopback.FreePort();
        _promPort = Loopback.FreePort();
        var am = Directory.CreateDirectory(Path.Combine(_dir, "alertmanager")).FullName;
        File.WriteAllText(Path.Combine(am, "alertmanager.yml"), AlertmanagerConfig.Generate(new Uri(_api.BaseAddress, "/alerts/webhook").ToString(),
            smtpSmarthost: $"127.0.0.1:{Loopback.FreePort()}", secrets: secrets, groupWait: "1s", groupInterval: "1s"));
        Start("prometheus-alertmanager", $"--config.file={am}/alertmanager.yml --storage.path={am}/data --web.listen-address=127.0.0.1:{amPort} --cluster.listen-address=");

        var prom = Directory.CreateDirectory(Path.Combine(_dir, "prometheus")).FullName;
        File.WriteAllText(Path.Combine(prom, "prometheus.yml"),
            DeployFiles.PrometheusConfig($"127.0.0.1:{Port(_pwmk)}", $"127.0.0.1:{amPort}", "1s", "1s"));
        File.WriteAllText(Path.Combine(prom, "alerts.yml"), AlertRules.Generate(TimeScale));
        Start("prometheus", $"--config.file={prom}/prometheus.yml --storage.tsdb.path={prom}/data --web.listen-address=127.0.0.1:{_promPort} --enable-feature=exemplar-storage");
    }

    private static int Port(WebApplication app) => new Uri(app.Urls.First()).Port;

    private void Start(string tool, string args)
    {
        var p = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
        p.ErrorDataReceived += (_, _) => { };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        _processes.Add(p);
    }

    /// <summary>What users do, all along: assert and query beliefs, ask for plans (some have no plan: an answer, not a fault).</summary>
    private async Task RunUsers()
    {
        int i = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Post("/api/beliefs", $$"""{"agent":"agent_{{i % 3}}","belief":"at(marble_{{i % 20}}, basket)"}""");
                await Post("/api/beliefs/query", """{"query":"believes(X, at(M, basket))"}""");
                await Post("/api/plan", """{"goal":"in(key, blue_box) AND believes(agent_1, in(key, red_box))"}""");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            catch (Exception e) { _workloadErrors.Enqueue(e.Message); }
            i++;
            _stop.Token.WaitHandle.WaitOne(200);
        }
    }

    private async Task Post(string path, string json, int expect = 0)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var r = await _api!.PostAsync(path, content, _stop.Token);
        if (expect == 0 ? !r.IsSuccessStatusCode : (int)r.StatusCode != expect)
            throw new InvalidOperationException($"{path} {json}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }

    private async Task<JsonArray> Query(string promql)
    {
        var url = $"http://127.0.0.1:{_promPort}/api/v1/query?query={Uri.EscapeDataString(promql)}";
        var body = JsonNode.Parse(await _http.GetStringAsync(url))!;
        Assert.Equal("success", (string?)body["status"]);
        return body["data"]!["result"]!.AsArray();
    }

    /// <summary>Names of the alerts Prometheus has pending or firing now.</summary>
    private async Task<List<string>> Alerts(string state = "")
    {
        var q = state.Length == 0 ? "ALERTS" : $"ALERTS{{alertstate=\"{state}\"}}";
        return (await Query(q)).Select(r => (string)r!["metric"]!["alertname"]!).Distinct().ToList();
    }

    private async Task<JsonNode> Received() => JsonNode.Parse(await _api!.GetStringAsync("/api/alerts"))!;

    private static async Task<bool> Eventually(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            try
            {
                if (await condition()) return true;
            }
            catch (HttpRequestException) { }
            await Task.Delay(500);
        }
        return false;
    }

    /// <summary>A fault: what makes it, and what removes it.</summary>
    private sealed record Fault(string Alert, string What, Func<CancellationToken, Task> Run);

    [Fact]
    public async Task A_healthy_server_fires_nothing_and_each_fault_fires_its_alert_alone_which_reaches_pwmk_and_resolves()
    {
        Assert.True(await Eventually(async () => (await Query("up{job=\"pwmk\"} == 1")).Count == 1, TimeSpan.FromSeconds(40)), "Prometheus never scraped PWMK");
        // the shipped rules were loaded (a wrong file would leave Prometheus without them, and nothing would ever fire)
        Assert.True(await Eventually(async () => (await Query("count(planner_type:pwmk_planning_attempts:failure_ratio_rate5m)")).Count == 1
            || (await Query("count(pwmk_planning_attempts_total)")).Count == 1, TimeSpan.FromSeconds(30)), "no planning attempts were scraped");

        // healthy: 30 s here are 10 minutes of the shipped rules; nothing may even be pending, and PWMK receives nothing
        var healthy = Stopwatch.StartNew();
        while (healthy.Elapsed < TimeSpan.FromSeconds(30))
        {
            var now = await Alerts();
            Assert.True(now.Count == 0, $"a healthy server raised {string.Join(", ", now)} after {healthy.Elapsed.TotalSeconds:F0} s");
            await Task.Delay(1000);
        }
        Assert.Equal(0, (long)(await Received())["total"]!);

        var factory = _pwmk!.Services.GetRequiredService<IMeterFactory>();
        Fault[] faults =
        [
            new("PlanningFailureRate", "planner out of time on every call", async ct =>
            {
                while (!ct.IsCancellationRequested)
                {
                    try
                    {
                        await Post("/api/plan", """{"goal":"pos(key, agent_0) AND pos(key, agent_1)","simulation":"sim-1","maxDepth":12,"timeoutMs":1}""", expect: 408);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
                    await Task.Delay(50, CancellationToken.None);
                }
            }),
            new("HighWorldModelLatency", "world-model inferences of 0.5 s (measured on the host's meter)", async ct =>
            {
                var meter = factory.Create(new MeterOptions("Pwmk") { Tags = [new("fault", "slow_inference")] });
                var inference = meter.CreateHistogram<double>("pwmk_world_model_inference_seconds", "s");
                while (!ct.IsCancellationRequested)
                {
                    inference.Record(0.5, new("model_type", "perspective"), new("batch_size", 1));
                    await Task.Delay(20, CancellationToken.None);
                }
            }),
            new("HighMemoryUsage", "a world model of 3 GB (reported on the host's meter)", async ct =>
            {
                // the factory owns its meters (disposing one does nothing): the gauge stops reporting the model instead
                var meter = factory.Create(new MeterOptions("Pwmk") { Tags = [new("fault", "memory")] });
                bool held = true;
                meter.CreateObservableGauge("pwmk_world_model_memory_bytes", () => held
                    ? [new Measurement<long>(3_000_000_000, new("model_type", "perspective"), new("component", "fault"))]
                    : Array.Empty<Measurement<long>>(), "By");
                await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
                held = false;
            }),
            new("BeliefStoreOverload", "10,000 more facts in the served store", async ct =>
            {
                var store = _pwmk.Services.GetRequiredService<BeliefStore>();
                for (int i = 0; i < 10_000; i++) store.AddBelief("flood", $"at(item_{i}, attic)");
                await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
                for (int i = 0; i < 10_000; i++) store.RemoveBelief("flood", $"at(item_{i}, attic)");
            }),
        ];
        Assert.Equal(AlertRules.Alerts.Select(a => a.Name).Order(), faults.Select(f => f.Alert).Order());

        foreach (var fault in faults)
        {
            using var cts = new CancellationTokenSource();
            var running = Task.Run(() => fault.Run(cts.Token));
            try
            {
                Assert.True(await Eventually(async () =>
                {
                    var now = await Alerts();
                    Assert.True(now.All(a => a == fault.Alert), $"{fault.What}: {string.Join(", ", now)} raised, expected only {fault.Alert}");
                    return (await Alerts("firing")).Contains(fault.Alert);
                }, TimeSpan.FromSeconds(60)), $"{fault.Alert} did not fire in Prometheus with {fault.What}");
                Assert.True(await Eventually(async () => (await Received())["firing"]!.AsArray().Any(a => (string?)a!["name"] == fault.Alert),
                    TimeSpan.FromSeconds(30)), $"{fault.Alert} never reached PWMK's webhook: " + (await Received()).ToJsonString());
            }
            finally
            {
                await cts.CancelAsync();
                await running;
            }
            Assert.True(await Eventually(async () =>
            {
                var r = await Received();
                return r["firing"]!.AsArray().Count == 0
                    && r["received"]!.AsArray().Any(a => (string?)a!["name"] == fault.Alert && (string?)a["status"] == "resolved");
            }, TimeSpan.FromSeconds(60)), $"{fault.Alert} was not resolved at PWMK after the fault was removed: " + (await Received()).ToJsonString());
            Assert.True(await Eventually(async () => (await Alerts()).Count == 0, TimeSpan.FromSeconds(30)), $"{fault.Alert} still active in Prometheus");
        }

        var received = await Received();
        var names = received["received"]!.AsArray().Select(a => (string)a!["name"]!).ToHashSet();
        Assert.Equal(AlertRules.Alerts.Select(a => a.Name).Order(), names.Order());
        Assert.All(received["received"]!.AsArray(), a => Assert.StartsWith(AlertRules.DefaultRunbookBase + "#", (string?)a!["runbookUrl"]));
        Assert.Empty(_workloadErrors);

        // every dashboard panel has data after this run
        var dead = new List<string>();
        foreach (var (title, expr) in DashboardGenerator.Panels.SelectMany(p => p.Queries.Select(q => (p.Title, Expr: DeployFilesTests.Substitute(q.Expr)))))
        {
            if (!await Eventually(async () => (await Query(expr)).Count > 0, TimeSpan.FromSeconds(20))) dead.Add($"{title}: {expr}");
        }
        Assert.True(dead.Count == 0, "queries without data:\n" + string.Join("\n", dead));
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException) { }
            p.Dispose();
        }
        if (_workload is not null) await _workload;
        if (_pwmk is not null) await _pwmk.DisposeAsync();
        _api?.Dispose();
        _http.Dispose();
        _stop.Dispose();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
