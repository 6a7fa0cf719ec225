using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Pwmk.Server.Tests;

/// <summary>PWMK's Alertmanager receiver: authenticated, it records what it is sent, and says what is wrong with a bad payload.</summary>
public sealed class AlertWebhookTests
{
    private const string Key = "webhook-test-key";

    private static string Payload(string status, string alert = "PlanningFailureRate", string version = "4") => $$"""
        {"version":"{{version}}","groupKey":"{}:{alertname=\"{{alert}}\"}","status":"{{status}}","receiver":"critical",
         "groupLabels":{"alertname":"{{alert}}"},"commonLabels":{"alertname":"{{alert}}","severity":"critical"},"commonAnnotations":{},
         "externalURL":"http://alertmanager:9093","alerts":[{"status":"{{status}}","labels":{"alertname":"{{alert}}","severity":"critical",
         "planner_type":"epistemic_bfs"},"annotations":{"summary":"High planning failure rate","runbook_url":"http://localhost:8080/runbook#planningfailurerate"},
         "startsAt":"2026-12-06T12:00:00Z","endsAt":"{{(status == "resolved" ? "2026-12-06T12:05:00Z" : "0001-01-01T00:00:00Z")}}",
         "generatorURL":"http://prometheus:9090/graph","fingerprint":"abc123"}]}
        """;

    private static Task<HttpResponseMessage> Send(ServerFixture s, string body, string? bearer = Key)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/alerts/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (bearer is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return s.Client.SendAsync(req);
    }

    [Fact]
    public async Task Alertmanager_notifications_are_recorded_firing_then_resolved_and_shown_in_the_snapshot()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:ApiKey"] = Key });
        Assert.Equal(HttpStatusCode.NoContent, (await Send(s, Payload("firing"))).StatusCode);
        var alerts = await ServerFixture.Json(await s.Client.GetAsync("/api/alerts"));
        var firing = Assert.Single(alerts.GetProperty("firing").EnumerateArray());
        Assert.Equal("PlanningFailureRate", firing.GetProperty("name").GetString());
        Assert.Equal("critical", firing.GetProperty("severity").GetString());
        Assert.Equal("epistemic_bfs", firing.GetProperty("labels").GetProperty("planner_type").GetString());
        Assert.Equal("http://localhost:8080/runbook#planningfailurerate", firing.GetProperty("runbookUrl").GetString());
        var ui = await ServerFixture.Json(await s.Client.GetAsync("/api/snapshot"));
        Assert.Equal("PlanningFailureRate", ui.GetProperty("alerts").GetProperty("firing")[0].GetProperty("name").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await Send(s, Payload("resolved"))).StatusCode);
        alerts = await ServerFixture.Json(await s.Client.GetAsync("/api/alerts"));
        Assert.Empty(alerts.GetProperty("firing").EnumerateArray());
        Assert.Equal(["resolved", "firing"], alerts.GetProperty("received").EnumerateArray().Select(a => a.GetProperty("status").GetString()));
        Assert.Equal(2, alerts.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task The_webhook_needs_the_api_key_and_refuses_what_is_not_an_alertmanager_payload()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:ApiKey"] = Key });
        await ServerFixture.AssertProblem(await Send(s, Payload("firing"), bearer: null), HttpStatusCode.Unauthorized);
        await ServerFixture.AssertProblem(await Send(s, Payload("firing"), bearer: "wrong"), HttpStatusCode.Forbidden);
        var p = await ServerFixture.AssertProblem(await Send(s, Payload("firing", version: "3")), HttpStatusCode.BadRequest);
        Assert.Contains("version", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        p = await ServerFixture.AssertProblem(await Send(s, Payload("sleeping")), HttpStatusCode.BadRequest);
        Assert.Contains("alerts[0].status", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        p = await ServerFixture.AssertProblem(await Send(s, """{"version":"4","alerts":[{"status":"firing","labels":{}}]}"""), HttpStatusCode.BadRequest);
        Assert.Contains("alertname", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ServerFixture.AssertProblem(await Send(s, """{"version":"4","alerts":"""), HttpStatusCode.BadRequest);
        Assert.Equal(0, (await ServerFixture.Json(await s.Client.GetAsync("/api/alerts"))).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task The_runbook_opens_on_each_alerts_section()
    {
        await using var s = await ServerFixture.StartAsync();
        var r = await s.Client.GetAsync("/runbook");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var html = await r.Content.ReadAsStringAsync();
        foreach (var alert in new[] { "HighWorldModelLatency", "PlanningFailureRate", "HighMemoryUsage", "BeliefStoreOverload" })
            Assert.Contains($"id=\"{alert.ToLowerInvariant()}\"", html, StringComparison.Ordinal);
    }
}
