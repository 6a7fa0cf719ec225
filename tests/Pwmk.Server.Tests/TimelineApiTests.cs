using System.Net;
using System.Text.Json;

namespace Pwmk.Server.Tests;

public class TimelineApiTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("local")]
    public async Task RecordedStepsCanBeListedAndFetchedAndAgreeWithTheLiveViews(string? cluster)
    {
        await using var s = await ServerFixture.StartAsync(ServerFixture.Cluster(cluster));
        var created = await s.PostJson("/api/simulations", new { env = "box-world", agents = 2, stepDelayMs = 1, train = false });
        var id = (await ServerFixture.Json(created)).GetProperty("id").GetString()!;
        await ServerFixture.Eventually(async () =>
            (await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/timeline?count=0"))).GetProperty("next").GetInt64() > 20);
        await s.PostJson($"/api/simulations/{id}/stop", new { });

        var timeline = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/timeline?from=0&count=1000"));
        long next = timeline.GetProperty("next").GetInt64();
        var steps = timeline.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(Math.Min(next, 500), steps.Count);
        Assert.Equal(500, timeline.GetProperty("capacity").GetInt32());
        Assert.Equal(Enumerable.Range((int)timeline.GetProperty("first").GetInt64(), steps.Count).Select(i => (long)i),
            steps.Select(x => x.GetProperty("sequence").GetInt64()));

        // the latest record is the world as it is now that the simulation stopped
        var latest = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/timeline/latest"));
        Assert.Equal(next - 1, latest.GetProperty("sequence").GetInt64());
        var world = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/render"));
        Assert.Equal(Strings(world.GetProperty("rows")), Strings(latest.GetProperty("world")));
        var view = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/render?agent=agent_1"));
        Assert.Equal(Strings(view.GetProperty("rows")), Strings(latest.GetProperty("views")[1]));

        // a step in the middle: its beliefs carry the truth of that step, its decisions one per agent
        var mid = steps[steps.Count / 2];
        var record = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/timeline/{mid.GetProperty("sequence").GetInt64()}"));
        Assert.Equal(mid.GetProperty("step").GetInt32(), record.GetProperty("step").GetInt32());
        var beliefs = record.GetProperty("beliefs").EnumerateArray().ToList();
        Assert.Equal(mid.GetProperty("falseBeliefs").GetInt32(), beliefs.Count(b => b.GetProperty("false").GetBoolean()));
        Assert.All(beliefs, b => Assert.Equal(b.GetProperty("false").GetBoolean(),
            b.GetProperty("trueFact").ValueKind == JsonValueKind.String && b.GetProperty("trueFact").GetString() != b.GetProperty("fact").GetString()));
        if (record.GetProperty("step").GetInt32() > 0)
            Assert.Equal(["agent_0", "agent_1"], record.GetProperty("decisions").EnumerateArray().Select(d => d.GetProperty("agent").GetString()));

        await ServerFixture.AssertProblem(await s.Client.GetAsync($"/api/simulations/{id}/timeline/{next + 5}"), HttpStatusCode.NotFound);
        await ServerFixture.AssertProblem(await s.Client.GetAsync($"/api/simulations/{id}/timeline/abc"), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.Client.GetAsync($"/api/simulations/{id}/timeline?count=5000"), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.Client.GetAsync("/api/simulations/sim-999/timeline"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheFaviconIsServed()
    {
        await using var s = await ServerFixture.StartAsync();
        var r = await s.Client.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("image/svg+xml", r.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<svg", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string?[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];
}
