using System.Net;
using System.Text;

namespace Pwmk.Server.Tests;

public class BeliefApiTests
{
    [Fact]
    public async Task AssertedBeliefIsAnsweredWithWriteqValues()
    {
        await using var s = await ServerFixture.StartAsync();
        var add = await s.PostJson("/api/beliefs", new { agent = "agent_0", belief = "at(key, 'Room 1')" });
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        Assert.Equal("believes(agent_0,at(key,'Room 1'))", (await ServerFixture.Json(add)).GetProperty("fact").GetString());
        var r = await s.PostJson("/api/beliefs/query", new { query = "believes(X, at(key, R))" });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var j = await ServerFixture.Json(r);
        Assert.Equal(1, j.GetProperty("count").GetInt32());
        var sol = j.GetProperty("solutions")[0];
        Assert.Equal("agent_0", sol.GetProperty("X").GetString());
        Assert.Equal("'Room 1'", sol.GetProperty("R").GetString());
    }

    [Fact]
    public async Task NoSolutionIsAnEmptyList()
    {
        await using var s = await ServerFixture.StartAsync();
        var j = await ServerFixture.Json(await s.PostJson("/api/beliefs/query", new { query = "believes(nobody, X)" }));
        Assert.Equal(0, j.GetProperty("count").GetInt32());
        Assert.Equal(0, j.GetProperty("solutions").GetArrayLength());
    }

    [Fact]
    public async Task LimitTruncatesSolutions()
    {
        await using var s = await ServerFixture.StartAsync();
        var j = await ServerFixture.Json(await s.PostJson("/api/beliefs/query", new { query = "between(1, 100, X)", limit = 3 }));
        Assert.Equal(3, j.GetProperty("count").GetInt32());
        Assert.True(j.GetProperty("truncated").GetBoolean());
        Assert.Equal("3", j.GetProperty("solutions")[2].GetProperty("X").GetString());
    }

    [Fact]
    public async Task SyntaxErrorIs400WithPosition()
    {
        await using var s = await ServerFixture.StartAsync();
        var r = await s.PostJson("/api/beliefs/query", new { query = "believes(X, " });
        var p = await ServerFixture.AssertProblem(r, HttpStatusCode.BadRequest);
        Assert.True(p.GetProperty("line").GetInt32() >= 1);
        Assert.True(p.GetProperty("column").GetInt32() >= 1);
    }

    [Fact]
    public async Task BadRequestsAreProblems()
    {
        await using var s = await ServerFixture.StartAsync();
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs/query", new { limit = 3 }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs/query", new { query = "true", limit = 0 }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs/query", new { query = "true", timeoutMs = 10_000_000 }), HttpStatusCode.BadRequest);
        var badJson = await s.Client.PostAsync("/api/beliefs/query", new StringContent("{\"query\": ", Encoding.UTF8, "application/json"));
        await ServerFixture.AssertProblem(badJson, HttpStatusCode.BadRequest);
        var text = await s.Client.PostAsync("/api/beliefs/query", new StringContent("true", Encoding.UTF8, "text/plain"));
        await ServerFixture.AssertProblem(text, HttpStatusCode.UnsupportedMediaType);
        await ServerFixture.AssertProblem(await s.Client.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task QueryTimeoutIs408()
    {
        await using var s = await ServerFixture.StartAsync();
        var r = await s.PostJson("/api/beliefs/query", new { query = "repeat, fail", timeoutMs = 100 });
        await ServerFixture.AssertProblem(r, HttpStatusCode.RequestTimeout);
    }

    [Fact]
    public async Task QueryErrorIs422()
    {
        await using var s = await ServerFixture.StartAsync();
        var r = await s.PostJson("/api/beliefs/query", new { query = "X is foo + 1" });
        var p = await ServerFixture.AssertProblem(r, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("type_error", p.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task QueriesCannotChangeTheStoreOrTouchFiles()
    {
        await using var s = await ServerFixture.StartAsync();
        var r1 = await s.PostJson("/api/beliefs/query", new { query = "assertz(believes(a, b))" });
        Assert.NotEqual(HttpStatusCode.OK, r1.StatusCode);
        var r2 = await s.PostJson("/api/beliefs/query", new { query = "open('/etc/passwd', read, S)" });
        Assert.NotEqual(HttpStatusCode.OK, r2.StatusCode);
        var j = await ServerFixture.Json(await s.PostJson("/api/beliefs/query", new { query = "believes(a, b)" }));
        Assert.Equal(0, j.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task AssertTwiceThenRetractTwice()
    {
        await using var s = await ServerFixture.StartAsync();
        var body = new { agent = "agent_1", belief = "believes(agent_0, in(key, red_box))" };
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", body)).StatusCode);
        var again = await s.PostJson("/api/beliefs", body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False((await ServerFixture.Json(again)).GetProperty("changed").GetBoolean());
        var del = await s.DeleteJson("/api/beliefs", body);
        Assert.Equal(HttpStatusCode.OK, del.StatusCode);
        await ServerFixture.AssertProblem(await s.DeleteJson("/api/beliefs", body), HttpStatusCode.NotFound);
        var j = await ServerFixture.Json(await s.PostJson("/api/beliefs/query", new { query = "believes(agent_1, X)" }));
        Assert.Equal(0, j.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task WorldFactWithoutAgentAndBadBeliefs()
    {
        await using var s = await ServerFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { belief = "in(key, red_box)" })).StatusCode);
        var j = await ServerFixture.Json(await s.PostJson("/api/beliefs/query", new { query = "in(key, B)" }));
        Assert.Equal("red_box", j.GetProperty("solutions")[0].GetProperty("B").GetString());
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs", new { agent = "agent_0", belief = "at(X, room)" }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs", new { agent = "agent_0" }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs", new { agent = "bad agent!", belief = "a" }), HttpStatusCode.BadRequest);
    }
}
