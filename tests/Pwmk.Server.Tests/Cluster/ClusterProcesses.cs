using System.Net.Http.Json;
using Pwmk.Cluster.Tests;
using Pwmk.Server.Tests.Durability;

namespace Pwmk.Server.Tests.Cluster;

/// <summary>
/// A real <c>redis-server</c> on a loopback port (no persistence to disk: it lives as long as the test) and
/// <c>pwmk serve --cluster</c> member processes of this test build joined through it.
/// </summary>
internal sealed class ClusterProcesses : IDisposable
{
    private readonly RedisServer _redis;
    private readonly string _dir;
    private readonly List<Member> _members = [];

    public sealed record Member(ChildServer Server, int SiloPort, int GatewayPort);

    public ClusterProcesses()
    {
        _dir = Directory.CreateTempSubdirectory("pwmk-cluster-").FullName;
        _redis = new RedisServer(_dir, "--save", "", "--appendonly", "no");
    }

    public int RedisPort => _redis.Port;

    public IReadOnlyList<Member> Members => _members;

    /// <summary>
    /// Starts a member (on the ports given, else free ones) and waits until it serves. With <paramref name="background"/> it
    /// asks for the cluster's background simulation; otherwise it runs with <c>--no-simulation</c> (the tests' own workloads
    /// own the agents' beliefs).
    /// </summary>
    public async Task<Member> StartMember(int? httpPort = null, int? siloPort = null, int? gatewayPort = null, int at = -1, string[]? extra = null, bool background = false)
    {
        int port = httpPort ?? Loopback.FreePort(), silo = siloPort ?? Loopback.FreePort(), gateway = gatewayPort ?? Loopback.FreePort();
        var server = new ChildServer(
            ["dotnet", Path.Combine(AppContext.BaseDirectory, "pwmk.dll"), "serve", "--urls", $"http://127.0.0.1:{port}",
             "--cluster", $"redis://127.0.0.1:{RedisPort}", "--silo-port", $"{silo}", "--gateway-port", $"{gateway}",
             "--rate-limit", "0", .. background ? Array.Empty<string>() : ["--no-simulation"], .. extra ?? ["--log-format", "plain"]],
            port, _dir, new Dictionary<string, string> { ["PWMK_API_KEY"] = Key });
        server.Http.DefaultRequestHeaders.Add("X-API-Key", Key);
        var member = new Member(server, silo, gateway);
        if (at < 0) _members.Add(member);
        else _members[at] = member;
        await server.WaitLive();
        return member;
    }

    public const string Key = "cluster-key";

    /// <summary>SIGKILLs the Redis server (the cluster's membership and storage become unreachable).</summary>
    public void KillRedis() => _redis.Kill();

    /// <summary>Waits until <paramref name="s"/> answers a belief query (its silo has joined the cluster).</summary>
    public static async Task WaitAnswers(ChildServer s) => await s.WaitFor(async () =>
        (await s.Http.PostAsJsonAsync("/api/beliefs/query", new { query = "true" })).IsSuccessStatusCode ? 0 : null);

    public void Dispose()
    {
        foreach (var m in _members) m.Server.Dispose();
        _redis.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
