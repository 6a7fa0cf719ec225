using System.Net.Http.Json;
using System.Text.Json;
using Pwmk.Server.Tests.Durability;

namespace Pwmk.Server.Tests.Cluster;

/// <summary>
/// <c>pwmk serve --cluster local</c> (the same as plain <c>pwmk serve</c>): a one-member cluster in one process, no Redis,
/// its belief partitions in the state directory's journal. Every belief it acknowledged under a concurrent write load is
/// there after SIGKILL and a restart, and <c>/health</c> reports the one member. (Without <c>--no-simulation</c> the
/// background simulation would own the beliefs of agent_0..N and withdraw them at its start.)
/// </summary>
[Trait("Category", "Integration")]
public class LocalClusterServeTests
{
    private const string Key = "local-cluster-key";

    private static ChildServer Start(string dir)
    {
        int port = Loopback.FreePort();
        var server = new ChildServer(ChildServer.ServeCommand(port, dir, "--cluster", "local", "--no-simulation", "--rate-limit", "0", "--log-format", "plain"), port, dir,
            new Dictionary<string, string> { ["PWMK_API_KEY"] = Key });
        server.Http.DefaultRequestHeaders.Add("X-API-Key", Key);
        return server;
    }

    [Fact]
    public async Task Acknowledged_beliefs_survive_sigkill_and_health_reports_one_member()
    {
        var dir = Directory.CreateTempSubdirectory("pwmk-local-cluster-").FullName;
        var acknowledged = new List<string>();
        try
        {
            for (int cycle = 0; cycle < 2; cycle++)
            {
                using var child = Start(dir);
                await child.WaitLive();
                await ClusterProcesses.WaitAnswers(child);
                await Present(child, acknowledged);
                using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(800));
                var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
                {
                    var mine = new List<string>();
                    for (int n = 0; !stop.IsCancellationRequested; n++)
                    {
                        string belief = $"wrote({w}, {cycle * 100_000 + n})";
                        try
                        {
                            using var r = await child.Http.PostAsJsonAsync("/api/beliefs", new { agent = $"agent_{n % 3}", belief });
                            if ((int)r.StatusCode == 201) mine.Add($"agent_{n % 3}|{belief}");
                        }
                        catch (HttpRequestException)
                        {
                        }
                    }
                    return mine;
                })).ToArray();
                foreach (var w in await Task.WhenAll(writers)) acknowledged.AddRange(w);
                var membership = (await child.Http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("checks").GetProperty("cluster");
                Assert.Equal("Active", membership.GetProperty("member_status").GetString());
                Assert.Equal(1, membership.GetProperty("members_active").GetInt32());
                child.Kill(); // SIGKILL right after the last acknowledgement
            }
            Assert.True(acknowledged.Count > 20, $"too little load: {acknowledged.Count} acknowledged writes");
            using var last = Start(dir);
            await last.WaitLive();
            await ClusterProcesses.WaitAnswers(last);
            await Present(last, acknowledged);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Beliefs_written_as_soon_as_ready_answers_are_acknowledged_and_answered()
    {
        // the silo starts beside the web server and warms its grain calls in the background: the first writes, sent the
        // moment /ready answers (from several clients at once), neither fail nor wait for anything that does not come
        var dir = Directory.CreateTempSubdirectory("pwmk-local-cluster-").FullName;
        try
        {
            using var child = Start(dir);
            await child.WaitFor(async () => (await child.Http.GetAsync("/ready")).IsSuccessStatusCode ? 0 : null);
            var writes = Enumerable.Range(0, 6).Select(n => child.Http.PostAsJsonAsync("/api/beliefs", new { agent = $"agent_{n % 3}", belief = $"first({n})" })).ToArray();
            foreach (var w in await Task.WhenAll(writes))
                using (w)
                    Assert.Equal(201, (int)w.StatusCode);
            using var r = await child.Http.PostAsJsonAsync("/api/beliefs/query", new { query = "believes(A, first(N))" });
            var body = await r.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(6, body.GetProperty("solutions").GetArrayLength());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task Present(ChildServer s, List<string> acknowledged)
    {
        foreach (var agent in acknowledged.Select(a => a.Split('|')[0]).Distinct())
        {
            using var r = await s.Http.PostAsJsonAsync("/api/beliefs/query", new { query = $"believes({agent}, wrote(W, N))", limit = 10_000 });
            var body = await r.Content.ReadFromJsonAsync<JsonElement>();
            var held = body.GetProperty("solutions").EnumerateArray().Select(x => $"{agent}|wrote({x.GetProperty("W").GetString()}, {x.GetProperty("N").GetString()})").ToHashSet();
            foreach (var a in acknowledged.Where(a => a.StartsWith(agent + "|", StringComparison.Ordinal))) Assert.Contains(a, held);
        }
    }
}
