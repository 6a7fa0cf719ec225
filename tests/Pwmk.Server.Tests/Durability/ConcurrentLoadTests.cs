using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Pwmk.Server.Tests.Durability;

/// <summary>Prometheus scraping often while many API clients write and query, on the real server with a durable state directory.</summary>
public class ConcurrentLoadTests
{
    [Fact]
    public async Task Four_scrapers_and_32_clients_see_no_5xx_and_every_acknowledged_write_is_kept()
    {
        var dir = Directory.CreateTempSubdirectory("pwmk-load-").FullName;
        try
        {
            var acknowledged = new ConcurrentBag<(int Client, int N)>();
            var failures = new ConcurrentQueue<string>();
            int scrapes = 0, queries = 0;
            await using (var s = await ServerFixture.StartAsync(new() { ["Pwmk:StateDir"] = dir }))
            {
                var until = Stopwatch.StartNew();
                var duration = TimeSpan.FromSeconds(3);
                var scrapers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
                {
                    while (until.Elapsed < duration)
                    {
                        var r = await s.Client.GetAsync("/metrics");
                        var text = await r.Content.ReadAsStringAsync();
                        if (r.StatusCode != HttpStatusCode.OK || !text.Contains("pwmk_belief_updates_total", StringComparison.Ordinal))
                            failures.Enqueue($"/metrics: {(int)r.StatusCode}");
                        Interlocked.Increment(ref scrapes);
                    }
                }));
                var clients = Enumerable.Range(0, 32).Select(c => Task.Run(async () =>
                {
                    for (int i = 0; until.Elapsed < duration; i++)
                    {
                        var w = await s.PostJson("/api/beliefs", new { agent = $"c{c}", belief = $"n({i})" });
                        if (w.StatusCode == HttpStatusCode.Created) acknowledged.Add((c, i));
                        else failures.Enqueue($"write: {(int)w.StatusCode} {await w.Content.ReadAsStringAsync()}");
                        var q = await s.PostJson("/api/beliefs/query", new { query = $"believes(c{c}, n({i}))" });
                        if (q.StatusCode != HttpStatusCode.OK || (await ServerFixture.Json(q)).GetProperty("count").GetInt32() != 1)
                            failures.Enqueue($"query: {(int)q.StatusCode} (own write not visible)");
                        Interlocked.Increment(ref queries);
                    }
                }));
                await Task.WhenAll(scrapers.Concat(clients)).WaitAsync(TimeSpan.FromSeconds(20));
                Assert.True(failures.IsEmpty, $"{failures.Count} failures, first: {failures.FirstOrDefault()}");
                Assert.True(acknowledged.Count >= 64, $"only {acknowledged.Count} writes in 3 s");
                Assert.True(scrapes >= 8, $"only {scrapes} scrapes");
                await AssertAllPresent(s, acknowledged);
            }
            // and after a restart on the same state directory
            await using var again = await ServerFixture.StartAsync(new() { ["Pwmk:StateDir"] = dir });
            await AssertAllPresent(again, acknowledged);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task AssertAllPresent(ServerFixture s, IEnumerable<(int Client, int N)> acknowledged)
    {
        foreach (var group in acknowledged.GroupBy(a => a.Client))
        {
            var j = await ServerFixture.Json(await s.PostJson("/api/beliefs/query", new { query = $"believes(c{group.Key}, n(X))", limit = 10000 }));
            var found = j.GetProperty("solutions").EnumerateArray().Select(x => x.GetProperty("X").GetString()).ToHashSet();
            var missing = group.Where(a => !found.Contains(a.N.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            Assert.True(missing.Count == 0, $"client {group.Key}: {missing.Count} acknowledged writes missing, e.g. n({missing.FirstOrDefault().N})");
            Assert.Equal(group.Count(), j.GetProperty("count").GetInt32());
        }
    }
}
