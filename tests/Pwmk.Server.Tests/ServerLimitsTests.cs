using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;
using Pwmk.Server.Api;
using Pwmk.Server.Persistence;

namespace Pwmk.Server.Tests;

/// <summary>
/// The limits that keep one client from taking the server: query slots and their queue, the memory budget all queries
/// share, event-stream caps, the Host allow-list without a key, and the health of the store's commits.
/// </summary>
public class ServerLimitsTests
{
    private const string Slow = "between(1, inf, N), atom_length(abc, _), N < 0";

    private static async Task WaitRunning(ServerFixture s, int n)
    {
        var admission = s.App.Services.GetRequiredService<QueryAdmission>();
        await ServerFixture.Eventually(() => Task.FromResult(admission.Running >= n));
    }

    [Fact]
    public async Task A_full_query_queue_answers_429_and_a_wait_past_the_deadline_503_both_with_retry_after()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:MaxConcurrentQueries"] = "1", ["Pwmk:QueryQueueLimit"] = "1" });
        var running = s.PostJson("/api/beliefs/query", new { query = Slow, timeoutMs = 8000 });
        await WaitRunning(s, 1);
        // one may wait: it waits for its own 2 s, then gets 503
        var waiting = s.PostJson("/api/beliefs/query", new { query = "true", timeoutMs = 2000 });
        var admission = s.App.Services.GetRequiredService<QueryAdmission>();
        await ServerFixture.Eventually(() => Task.FromResult(admission.Waiting == 1));
        var full = await s.PostJson("/api/beliefs/query", new { query = "true" });
        var p = await ServerFixture.AssertProblem(full, HttpStatusCode.TooManyRequests);
        Assert.Contains("queries are running", p.GetProperty("detail").GetString());
        Assert.NotNull(full.Headers.RetryAfter);
        var late = await waiting;
        await ServerFixture.AssertProblem(late, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(late.Headers.RetryAfter);
        await ServerFixture.AssertProblem(await running, HttpStatusCode.RequestTimeout);
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs/query", new { query = "true" })).StatusCode);
    }

    [Fact]
    public async Task Queries_that_together_pass_the_memory_budget_get_503_and_the_memory_comes_back()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:QueryMemoryMb"] = "64" });
        var budget = s.App.Services.GetRequiredService<Pwmk.Logic.MemoryBudget>();
        var r = await s.PostJson("/api/beliefs/query", new { query = "numlist(1, 5000000, L), sum_list(L, S)", timeoutMs = 30000 });
        var p = await ServerFixture.AssertProblem(r, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("64 MiB", p.GetProperty("detail").GetString());
        Assert.NotNull(r.Headers.RetryAfter);
        Assert.True(budget.InUse < 8 << 20, $"{budget.InUse} bytes still held");
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs/query", new { query = "numlist(1, 1000, L), sum_list(L, S)" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_query_that_tries_to_change_the_store_is_told_queries_are_read_only()
    {
        await using var s = await ServerFixture.StartAsync();
        var r = await s.PostJson("/api/beliefs/query", new { query = "atom_codes(P, \"assertz\"), G =.. [P, believes(a, b)], call(G)" });
        var p = await ServerFixture.AssertProblem(r, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("read-only", p.GetProperty("detail").GetString());
        Assert.Contains("permission_error(modify,static_procedure,believes/2)", p.GetProperty("detail").GetString());
        // and what the old name list refused as data is fine
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { agent = "a", belief = "topic(consult)" })).StatusCode);
        var j = await ServerFixture.Json(await s.PostJson("/api/beliefs/query", new { query = "believes(X, topic(consult))" }));
        Assert.Equal(1, j.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Event_streams_are_capped_per_client_and_in_total()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:MaxEventStreams"] = "3", ["Pwmk:MaxEventStreamsPerClient"] = "2" });
        var open = new List<HttpResponseMessage>();
        async Task<HttpResponseMessage> Stream(string ip)
        {
            var req = new HttpRequestMessage(HttpMethod.Get, "/api/events");
            req.Headers.Add("X-Test-Remote-IP", ip);
            return await s.Client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        }
        try
        {
            open.Add(await Stream("192.0.2.1"));
            open.Add(await Stream("192.0.2.1"));
            Assert.All(open, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            var third = await Stream("192.0.2.1");
            var p = await ServerFixture.AssertProblem(third, HttpStatusCode.TooManyRequests);
            Assert.Contains("this client", p.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
            open.Add(await Stream("192.0.2.2"));
            Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            var fourth = await Stream("192.0.2.3");
            Assert.Contains("event streams are open", (await ServerFixture.AssertProblem(fourth, HttpStatusCode.TooManyRequests)).GetProperty("detail").GetString());
            // a stream that closes frees its place
            open[0].Dispose();
            var streams = s.App.Services.GetRequiredService<EventStreams>();
            await ServerFixture.Eventually(() => Task.FromResult(streams.Open == 2));
            var again = await Stream("192.0.2.3");
            open.Add(again);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        finally
        {
            foreach (var r in open) r.Dispose();
        }
    }

    [Theory]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("localhost:8000", HttpStatusCode.OK)]
    [InlineData("127.0.0.1:8000", HttpStatusCode.OK)]
    [InlineData("[::1]:8000", HttpStatusCode.OK)]
    [InlineData("192.168.1.20", HttpStatusCode.OK)]
    [InlineData("attacker.example", HttpStatusCode.Forbidden)]
    [InlineData("localhost.attacker.example:8000", HttpStatusCode.Forbidden)]
    [InlineData("pwmk.lan", HttpStatusCode.OK)]
    public async Task Without_a_key_only_local_names_ip_addresses_and_allowed_hosts_are_answered(string host, HttpStatusCode expected)
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:AllowedHosts"] = "pwmk.lan" });
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/beliefs/query") { Content = System.Net.Http.Json.JsonContent.Create(new { query = "true" }) };
        req.Headers.Host = host;
        var r = await s.Client.SendAsync(req);
        if (expected == HttpStatusCode.Forbidden)
            Assert.Contains("DNS rebinding", (await ServerFixture.AssertProblem(r, HttpStatusCode.Forbidden)).GetProperty("detail").GetString());
        else Assert.Equal(expected, r.StatusCode);
    }

    [Fact]
    public async Task With_a_key_any_host_is_answered()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:ApiKey"] = "k" });
        var req = new HttpRequestMessage(HttpMethod.Get, "/live");
        req.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.OK, (await s.Client.SendAsync(req)).StatusCode);
    }

    [Fact]
    public async Task Belief_store_health_is_unhealthy_while_the_store_refuses_the_simulations_commits()
    {
        await using var s = await ServerFixture.StartAsync();
        var durable = s.App.Services.GetRequiredService<DurableBeliefStore>();
        // a change the store cannot take (nested deeper than its limit): what a broken store does to every simulation commit
        Term deep = Term.Parse("at(key, room_1)");
        for (int i = 0; i < 20; i++) deep = new Compound("believes", new Atom("a" + i), deep);
        await durable.CommitAsync([BeliefChange.Assert(deep)], simulation: true);
        var h = await s.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, h.StatusCode);
        Assert.Contains("refused", await h.Content.ReadAsStringAsync());
        // an API client's bad change is its own problem, not the store's health
        await durable.CommitAsync([BeliefChange.Assert(deep)], simulation: false);
        await durable.CommitAsync([BeliefChange.Assert(Term.Parse("believes(agent_0, at(key, room_2))"))], simulation: true);
        Assert.Equal(HttpStatusCode.OK, (await s.Client.GetAsync("/health")).StatusCode);
    }
}
