using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pwmk.Observability.Health;

namespace Pwmk.Server.Tests.Durability;

/// <summary>A component whose health check hangs (ignoring cancellation) is injected into the real server.</summary>
public class HungComponentTests
{
    [Fact]
    public async Task Health_answers_503_with_timeout_within_its_limit_while_queries_and_metrics_keep_answering()
    {
        using var release = new ManualResetEventSlim(false);
        int entered = 0;
        await using var s = await ServerFixture.StartAsync(new() { ["Observability:HealthTimeoutSeconds"] = "1" },
            services: sv => sv.AddHealthChecks().AddTimedCheck("hung_component", _ =>
            {
                Interlocked.Increment(ref entered);
                release.Wait(TimeSpan.FromSeconds(60)); // hangs and ignores its cancellation token
                return HealthCheckResult.Healthy();
            }));
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { agent = "anne", belief = "in(marble, box)" })).StatusCode);
        try
        {
            // probes keep coming while the component hangs: each answers 503 within the 1 s timeout (plus slack)
            var probes = Enumerable.Range(0, 5).Select(async _ =>
            {
                var sw = Stopwatch.StartNew();
                var r = await s.Client.GetAsync("/health");
                return (r, sw.Elapsed);
            }).ToList();
            var queries = Task.Run(async () =>
            {
                for (int i = 0; i < 50; i++)
                {
                    var q = await s.PostJson("/api/beliefs/query", new { query = "believes(anne, X)" });
                    Assert.Equal(HttpStatusCode.OK, q.StatusCode);
                    Assert.Equal(1, (await ServerFixture.Json(q)).GetProperty("count").GetInt32());
                    var m = await s.Client.GetAsync("/metrics");
                    Assert.Equal(HttpStatusCode.OK, m.StatusCode);
                    Assert.Contains("pwmk_belief_query_duration_seconds", await m.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                }
            });
            await queries.WaitAsync(TimeSpan.FromSeconds(8));
            foreach (var p in probes)
            {
                var (r, elapsed) = await p.WaitAsync(TimeSpan.FromSeconds(8));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
                Assert.True(elapsed < TimeSpan.FromSeconds(3), $"/health took {elapsed.TotalSeconds:F1} s with a 1 s check timeout");
                var checks = (await ServerFixture.Json(r)).GetProperty("checks");
                Assert.Equal("timeout", checks.GetProperty("hung_component").GetProperty("status").GetString());
                Assert.Equal("healthy", checks.GetProperty("belief_store").GetProperty("status").GetString());
                Assert.Equal("healthy", checks.GetProperty("planning_engine").GetProperty("status").GetString());
            }
            var again = await s.Client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
            // the hung check was started once, not once per probe: a hung component pins one thread, not one per probe
            Assert.Equal(1, Volatile.Read(ref entered));
            Assert.Equal(HttpStatusCode.OK, (await s.Client.GetAsync("/live")).StatusCode);
        }
        finally
        {
            release.Set();
        }
        // once the component answers again, so does /health
        await ServerFixture.Eventually(async () => (await s.Client.GetAsync("/health")).StatusCode == HttpStatusCode.OK, seconds: 5);
    }
}
