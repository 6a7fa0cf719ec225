using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Pwmk.Server.Hosting;
using Pwmk.Server.Security;

namespace Pwmk.Server.Tests;

public class SecurityTests
{
    private static readonly object Body = new { agent = "agent_0", belief = "at(key, room_1)" };

    [Fact]
    public async Task MissingKeyIs401AndWrongKeyIs403()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:ApiKey"] = "s3cret" });
        var missing = await s.PostJson("/api/beliefs", Body);
        await ServerFixture.AssertProblem(missing, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", missing.Headers.WwwAuthenticate.ToString());
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs", Body, key: "s3creT"), HttpStatusCode.Forbidden);
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs", Body, key: "s3cret-and-more"), HttpStatusCode.Forbidden);
        await ServerFixture.AssertProblem(await s.DeleteJson("/api/beliefs", Body), HttpStatusCode.Unauthorized);
        await ServerFixture.AssertProblem(await s.PostJson("/api/simulations", new { }), HttpStatusCode.Unauthorized);
        await ServerFixture.AssertProblem(await s.PostJson("/api/simulations/sim-1/stop", new { }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RightKeyInEitherHeaderIsAccepted()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:ApiKey"] = "s3cret" });
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", Body, key: "s3cret", remote: "203.0.113.9")).StatusCode);
        var req = new HttpRequestMessage(HttpMethod.Delete, "/api/beliefs") { Content = JsonContent.Create(Body) };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        Assert.Equal(HttpStatusCode.OK, (await s.Client.SendAsync(req)).StatusCode);
    }

    [Fact]
    public async Task ReadsNeedNoKey()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:ApiKey"] = "s3cret" });
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs/query", new { query = "true" }, remote: "203.0.113.9")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.Client.GetAsync("/api/agents")).StatusCode);
    }

    [Fact]
    public async Task WithoutKeyOnlyLoopbackMayChange()
    {
        await using var s = await ServerFixture.StartAsync();
        var remote = await s.PostJson("/api/beliefs", Body, remote: "192.0.2.7");
        var p = await ServerFixture.AssertProblem(remote, HttpStatusCode.Forbidden);
        Assert.Contains("loopback", p.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", Body, remote: "127.0.0.1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs", Body, remote: "::1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs/query", new { query = "true" }, remote: "192.0.2.7")).StatusCode);
    }

    [Fact]
    public void KeyComparisonAcceptsOnlyTheExactKey()
    {
        var f = new ApiKeyFilter(Options.Create(new PwmkServerOptions { ApiKey = "abc" }));
        Assert.True(f.Matches("abc"));
        Assert.False(f.Matches("abd"));
        Assert.False(f.Matches("ab"));
        Assert.False(f.Matches("abcd"));
        Assert.False(f.Matches(""));
    }

    [Fact]
    public async Task BodyOverTheLimitIs413()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:MaxBodyBytes"] = "2048" }, kestrel: true);
        var big = new { query = "atom(" + new string('a', 4000) + ")" };
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs/query", big), HttpStatusCode.RequestEntityTooLarge);
        // no Content-Length (chunked): refused while reading
        var stream = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(big))));
        stream.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var req = new HttpRequestMessage(HttpMethod.Post, "/api/beliefs/query") { Content = stream };
        req.Headers.TransferEncodingChunked = true;
        await ServerFixture.AssertProblem(await s.Client.SendAsync(req), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs/query", new { query = "true" })).StatusCode);
    }

    [Fact]
    public async Task TooManyRequestsIs429PerClient()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:RateLimitPerSecond"] = "2" });
        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (int i = 0; i < 10; i++)
        {
            var r = await s.PostJson("/api/beliefs/query", new { query = "true" }, remote: "198.51.100.1");
            codes.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests) limited = r;
        }
        Assert.Contains(HttpStatusCode.OK, codes);
        Assert.NotNull(limited);
        await ServerFixture.AssertProblem(limited!, HttpStatusCode.TooManyRequests);
        Assert.True(limited!.Headers.RetryAfter is not null);
        // another client has its own budget
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs/query", new { query = "true" }, remote: "198.51.100.2")).StatusCode);
    }
}
