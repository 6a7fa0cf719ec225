using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Pwmk.Observability.Deploy;
using Pwmk.Observability.Tests.Deploy;
using Pwmk.Server;

namespace Pwmk.Observability.Tests.EndToEnd;

/// <summary>
/// The PWMK server (its background simulation plus API clients) on loopback, scraped by a real Prometheus (the generated config and rules,
/// 1 s intervals, alert 'for' shortened to 2 s) that sends alerts to a real Alertmanager (the generated config,
/// webhook pointed at this test). Every panel query and alert expression returns data; induced planning failures
/// make PlanningFailureRate fire and arrive at the webhook.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PrometheusEndToEndTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-e2e-").FullName;
    private readonly List<Process> _processes = [];
    private readonly ConcurrentQueue<string> _webhook = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private WebApplication? _pwmk, _hook;
    private Task? _workload;
    private int _promPort;

    private static async Task<WebApplication> Host(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null)
    {
        var b = WebApplication.CreateBuilder();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        configure?.Invoke(b);
        var app = b.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    private static int Port(WebApplication app) => new Uri(app.Urls.First()).Port;

    public async Task InitializeAsync()
    {
        _pwmk = PwmkServer.Build(PwmkServer.CreateBuilder(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Pwmk:StepDelayMs"] = "5",
            ["Pwmk:RateLimitPerSecond"] = "0",
            ["Pwmk:StateDir"] = Path.Combine(_dir, "state"),
            ["Observability:LogLevel"] = "Warning",
        }));
        await _pwmk.StartAsync();
        _hook = await Host(app => app.MapPost("/alerts", async (HttpRequest r) =>
        {
            using var reader = new StreamReader(r.Body);
            _webhook.Enqueue(await reader.ReadToEndAsync());
            return Results.Ok();
        }));
        _workload = Task.Run(RunWorkload);

        int amPort = Loopback.FreePort();
        _promPort = Loopback.FreePort();
        var am = Directory.CreateDirectory(Path.Combine(_dir, "alertmanager")).FullName;
        File.WriteAllText(Path.Combine(am, "alertmanager.yml"),
            AlertmanagerConfig.Generate($"http://127.0.0.1:{Port(_hook)}/alerts", smtpSmarthost: $"127.0.0.1:{Loopback.FreePort()}"));
        Start("prometheus-alertmanager", $"--config.file={am}/alertmanager.yml --storage.path={am}/data --web.listen-address=127.0.0.1:{amPort} --cluster.listen-address=");

        var prom = Directory.CreateDirectory(Path.Combine(_dir, "prometheus")).FullName;
        File.WriteAllText(Path.Combine(prom, "prometheus.yml"),
            DeployFiles.PrometheusConfig($"127.0.0.1:{Port(_pwmk)}", $"127.0.0.1:{amPort}", "1s", "1s"));
        File.WriteAllText(Path.Combine(prom, "alerts.yml"), AlertRules.Generate(forOverride: "2s"));
        Start("prometheus", $"--config.file={prom}/prometheus.yml --storage.tsdb.path={prom}/data --web.listen-address=127.0.0.1:{_promPort}");
    }

    private void Start(string tool, string args)
    {
        var p = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
        p.ErrorDataReceived += (_, _) => { };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        _processes.Add(p);
    }

    /// <summary>
    /// Besides the server's own background simulation (episodes, online training, world-model predictions), clients
    /// assert and query beliefs and ask for plans; half the plans are impossible (the induced fault).
    /// </summary>
    private async Task RunWorkload()
    {
        var api = new Uri(_pwmk!.Urls.First());
        using var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        int i = 0;
        while (!_stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                await Post(client, "/api/beliefs", $$"""{"agent":"agent_{{i % 3}}","belief":"at(marble_{{i % 20}}, basket)"}""");
                await Post(client, "/api/beliefs/query", """{"query":"believes(X, at(M, basket))"}""");
                await Post(client, "/api/beliefs/query", """{"query":"believes(agent_0, at(marble_1, R)) AND NOT believes(agent_1, at(marble_1, R))"}""");
                await Post(client, "/api/plan", """{"goal":"in(key, blue_box) AND believes(agent_1, in(key, red_box))"}""");
                await Post(client, "/api/plan", """{"goal":"in(key, blue_box) AND in(key, red_box)","maxDepth":3}""");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            i++;
            _stop.Token.WaitHandle.WaitOne(200);
        }
    }

    private static async Task Post(HttpClient client, string path, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var r = await client.PostAsync(path, content);
        Assert.True(r.IsSuccessStatusCode, $"{path} {json}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }

    private async Task<JsonArray> Query(string promql)
    {
        var url = $"http://127.0.0.1:{_promPort}/api/v1/query?query={Uri.EscapeDataString(promql)}";
        var body = JsonNode.Parse(await _http.GetStringAsync(url))!;
        Assert.Equal("success", (string?)body["status"]);
        return body["data"]!["result"]!.AsArray();
    }

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

    [Fact]
    public async Task Prometheus_scrapes_every_panel_and_alert_has_data_and_planning_failures_reach_the_webhook()
    {
        Assert.True(await Eventually(async () => (await Query("up{job=\"pwmk\"} == 1")).Count == 1, TimeSpan.FromSeconds(40)), "Prometheus never scraped PWMK");
        var exprs = DashboardGenerator.Panels.SelectMany(p => p.Queries.Select(q => (p.Title, Expr: DeployFilesTests.Substitute(q.Expr))))
            .Concat(AlertRules.Alerts.Select(a => (a.Name, Expr: a.Expr[..a.Expr.LastIndexOf(" > ", StringComparison.Ordinal)])))
            .ToList();
        var dead = new List<string>();
        foreach (var (what, expr) in exprs)
        {
            if (!await Eventually(async () => (await Query(expr)).Count > 0, TimeSpan.FromSeconds(20))) dead.Add($"{what}: {expr}");
        }
        Assert.True(dead.Count == 0, "queries without data:\n" + string.Join("\n", dead));

        Assert.True(await Eventually(async () =>
            (await Query("ALERTS{alertname=\"PlanningFailureRate\",alertstate=\"firing\"}")).Count > 0, TimeSpan.FromSeconds(30)),
            "PlanningFailureRate did not fire in Prometheus");
        Assert.True(await Eventually(() => Task.FromResult(_webhook.Any(b =>
            b.Contains("\"alertname\":\"PlanningFailureRate\"", StringComparison.Ordinal) && b.Contains("\"status\":\"firing\"", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(40)), "the alert never reached the webhook; got: " + string.Join("\n", _webhook));
        var payload = JsonNode.Parse(_webhook.First(b => b.Contains("PlanningFailureRate", StringComparison.Ordinal)))!;
        Assert.Equal("critical", (string?)payload["commonLabels"]!["severity"]);
        Assert.Equal("critical", (string?)payload["receiver"]);
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
        if (_hook is not null) await _hook.DisposeAsync();
        _http.Dispose();
        _stop.Dispose();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
