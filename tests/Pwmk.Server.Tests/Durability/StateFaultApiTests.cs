using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pwmk.Server.Persistence;

namespace Pwmk.Server.Tests.Durability;

/// <summary>A state directory that cannot be written (injected: tests may run as root, where chmod does not block writes).</summary>
public class StateFaultApiTests
{
    [Fact]
    public async Task MutatingEndpointsAnswer503ReadsKeepWorkingAndWritesResumeWhenTheDiskRecovers()
    {
        var dir = Directory.CreateTempSubdirectory("pwmk-fault-").FullName;
        try
        {
            await using (var s = await ServerFixture.StartAsync(new() { ["Pwmk:StateDir"] = dir }))
            {
                var durable = s.App.Services.GetRequiredService<DurableBeliefStore>();
                Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { agent = "anne", belief = "in(marble, box)" })).StatusCode);
                durable.InjectWriteFault = () => "No space left on device";

                var r = await s.PostJson("/api/beliefs", new { agent = "anne", belief = "in(marble, basket)" });
                var p = await ServerFixture.AssertProblem(r, HttpStatusCode.ServiceUnavailable);
                Assert.Contains("No space left on device", p.GetProperty("detail").GetString());
                Assert.True(r.Headers.RetryAfter is not null);
                await ServerFixture.AssertProblem(await s.DeleteJson("/api/beliefs", new { agent = "anne", belief = "in(marble, box)" }), HttpStatusCode.ServiceUnavailable);

                var j = await ServerFixture.Json(await s.PostJson("/api/beliefs/query", new { query = "believes(anne, X)" }));
                Assert.Equal(1, j.GetProperty("count").GetInt32()); // the rejected changes were not applied; reads work
                Assert.Equal("in(marble,box)", j.GetProperty("solutions")[0].GetProperty("X").GetString());

                var health = await s.Client.GetAsync("/health");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                var store = (await ServerFixture.Json(health)).GetProperty("checks").GetProperty("belief_store");
                Assert.Equal("unhealthy", store.GetProperty("status").GetString());
                Assert.Contains("No space left on device", store.GetProperty("error").GetString());

                durable.InjectWriteFault = null;
                Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { agent = "anne", belief = "in(marble, basket)" })).StatusCode);
            }
            await using var again = await ServerFixture.StartAsync(new() { ["Pwmk:StateDir"] = dir });
            Assert.Equal(HttpStatusCode.OK, (await again.Client.GetAsync("/health")).StatusCode);
            var after = await ServerFixture.Json(await again.PostJson("/api/beliefs/query", new { query = "believes(anne, X)" }));
            Assert.Equal(2, after.GetProperty("count").GetInt32());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task BadBeliefsAreRejectedBeforeTheJournal()
    {
        var dir = Directory.CreateTempSubdirectory("pwmk-bad-").FullName;
        try
        {
            await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:StateDir"] = dir });
            var durable = s.App.Services.GetRequiredService<DurableBeliefStore>();
            long before = durable.LastLsn;
            var p = await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs", new { belief = "at(key,\n room" }), HttpStatusCode.BadRequest);
            Assert.Equal(2, p.GetProperty("line").GetInt32());
            await ServerFixture.AssertProblem(await s.PostJson("/api/beliefs", new { agent = "a", belief = "at(X, room)" }), HttpStatusCode.BadRequest);
            Assert.Equal(before, durable.LastLsn);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
