using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;
using Pwmk.Core.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using StackExchange.Redis;

namespace Pwmk.Cluster;

/// <summary>
/// Where a member finds its cluster and how it is reached: <c>--cluster redis://HOST:PORT --silo-port N --gateway-port M</c>,
/// or <c>--cluster local</c>: a one-member cluster in this process (in-process membership, grain state on local disk, no
/// external service; <see cref="RedisHost"/> is empty, a silo port of 0 means a free one, a gateway port of 0 no gateway).
/// </summary>
public sealed record ClusterSettings(string RedisHost, int RedisPort, int SiloPort = ClusterSettings.DefaultSiloPort, int GatewayPort = ClusterSettings.DefaultGatewayPort)
{
    /// <summary>How <c>--cluster</c> names the one-member cluster in this process.</summary>
    public const string LocalName = "local";

    /// <summary>True for <c>--cluster local</c>: one member, no Redis.</summary>
    public bool IsLocal => RedisHost.Length == 0;

    /// <summary>Default port members talk to each other on.</summary>
    public const int DefaultSiloPort = 11111;

    /// <summary>Default port clients (<c>pwmk simulate --cluster</c>) reach a member on.</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>Reads <c>redis://HOST:PORT</c> or <c>local</c>; returns null and a problem naming what is wrong when it is neither.</summary>
    public static ClusterSettings? Parse(string text, int? siloPort, int? gatewayPort, out string? problem)
    {
        problem = null;
        Uri? uri = null;
        bool local = text == LocalName;
        if (!local && (!Uri.TryCreate(text, UriKind.Absolute, out uri) || uri.Scheme != "redis" || uri.Host.Length == 0))
            problem = $"expected redis://HOST:PORT, such as redis://127.0.0.1:6379, or {LocalName}, got '{text}'";
        else if (!local && (uri!.AbsolutePath is not ("/" or "") || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0))
            problem = $"'{text}' has a path, query, fragment or user; expected redis://HOST:PORT";
        else if (siloPort is < 1 or > 65535) problem = $"silo port: expected 1..65535, got {siloPort}";
        else if (gatewayPort is < 1 or > 65535) problem = $"gateway port: expected 1..65535, got {gatewayPort}";
        else if (siloPort is not null && siloPort == gatewayPort) problem = $"silo port and gateway port must differ, both are {siloPort}";
        if (problem is not null) return null;
        // one member in this process: a free silo port, no gateway (no client joins it) unless asked
        if (local) return new ClusterSettings("", 0, siloPort ?? 0, gatewayPort ?? 0);
        return new ClusterSettings(uri!.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port, siloPort ?? DefaultSiloPort, gatewayPort ?? DefaultGatewayPort);
    }

    /// <summary>StackExchange.Redis configuration of the Redis server.</summary>
    internal ConfigurationOptions Redis()
    {
        var o = ConfigurationOptions.Parse($"{RedisHost}:{RedisPort}");
        o.AbortOnConnectFail = false;
        return o;
    }

    /// <summary>True when the cluster runs on this machine's loopback (members then advertise 127.0.0.1).</summary>
    internal bool Loopback => RedisHost is "localhost" || (IPAddress.TryParse(RedisHost, out var ip) && IPAddress.IsLoopback(ip));
}

/// <summary>Makes a host a member of a PWMK cluster: an Orleans silo with Redis membership and Redis grain storage.</summary>
public static class ClusterHosting
{
    /// <summary>Name of the grain storage provider that holds belief partitions and simulations.</summary>
    public const string Storage = "pwmk";

    /// <summary>Orleans' meter (System.Diagnostics.Metrics): activations, messages, membership, storage; a host exports it.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Orleans' activity source of calls to application grains (with <c>AddActivityPropagation</c>); a host traces it.</summary>
    public const string GrainCallSpans = "Microsoft.Orleans.Application";

    /// <summary>
    /// Adds the silo and <see cref="ClusterBeliefs"/> (the belief router) to <paramref name="builder"/>; partitions and
    /// queries use stores made by <paramref name="newStore"/> (the host's limits and memory budget). A local cluster
    /// (<see cref="ClusterSettings.IsLocal"/>) keeps its grain state in <paramref name="stateDirectory"/> (fsynced files,
    /// <see cref="DiskGrainStorage"/>), or in memory when it is null. With <paramref name="journal"/> (a local cluster only)
    /// the belief partitions are kept in the host's journal instead (<see cref="IPartitionJournal"/>); belief partitions an
    /// earlier version kept in <paramref name="stateDirectory"/> are moved into it at start-up. The simulations named in
    /// <paramref name="held"/> do not run when activated on this member (a one-member server with no simulation holds the
    /// background simulation it saved: listed, stopped, its agents' beliefs kept).
    /// </summary>
    public static void AddPwmkCluster(this IHostApplicationBuilder builder, ClusterSettings settings, Func<BeliefStore> newStore, string? stateDirectory = null,
        Func<IServiceProvider, IPartitionJournal>? journal = null, IEnumerable<string>? held = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var started = new SiloStarted();
        builder.Services.AddSingleton(started);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(started);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(Identify);
            silo.AddActivityPropagation(); // a grain call carries its caller's trace context, across members
            if (settings.IsLocal) Local(silo, settings, stateDirectory, journaled: journal is not null);
            else Redis(silo, settings);
        });
        if (journal is not null && !settings.IsLocal) throw new ArgumentException("a journal keeps the partitions of a one-member (local) cluster only", nameof(journal));
        // a Redis cluster's belief partitions: an append-only log per partition in Redis (RedisPartitionLog)
        if (!settings.IsLocal) builder.Services.AddSingleton(new RedisPartitionLog(settings.Redis()));
        bool import = journal is not null && stateDirectory is not null;
        AddBeliefs(builder, newStore, journal, import);
        // once the silo is active: partitions left in grain storage move into the journal (belief changes wait for it)
        if (import) builder.Services.AddHostedService(sp => new PartitionImport(sp.GetRequiredService<IGrainFactory>(), started, sp.GetRequiredService<LocalPartitions>(), stateDirectory!));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new Simulation.LocalSimulations(started.Active, held));
        builder.Services.AddHostedService<Simulation.SimulationKeeper>();
        builder.Services.AddHostedService<ShutdownWatchdog>();
        // Orleans narrates membership at Information, and its placement's resilience pipeline (Polly) writes two lines per
        // activation placed; a member's log keeps their warnings and errors
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
    }

    /// <summary>
    /// One member in this process: its membership table in its memory (<see cref="LocalMembershipTable"/>), its endpoints on
    /// loopback, grain state on local disk (or in memory).
    /// </summary>
    private static void Local(ISiloBuilder silo, ClusterSettings settings, string? stateDirectory, bool journaled)
    {
        silo.ConfigureEndpoints(IPAddress.Loopback, settings.SiloPort == 0 ? FreeLoopbackPort() : settings.SiloPort, settings.GatewayPort);
        silo.Services.AddSingleton<IMembershipTable, LocalMembershipTable>();
        if (stateDirectory is null)
        {
            silo.AddMemoryGrainStorage(Storage);
            return;
        }
        // journaled: the folder is made by the first grain state written (the partitions are in the journal; the state
        // directory may even be read-only, and served)
        if (!journaled) Directory.CreateDirectory(stateDirectory);
        // a write cut short by a crash leaves its temporary file; the state file it was to replace is whole
        if (Directory.Exists(stateDirectory))
            foreach (var tmp in Directory.EnumerateFiles(stateDirectory, "*.tmp")) AtomicFile.TryDelete(tmp);
        silo.Services.AddGrainStorage(Storage, (sp, _) =>
            new DiskGrainStorage(stateDirectory, new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()), createFolder: journaled));
    }

    private static void Redis(ISiloBuilder silo, ClusterSettings settings)
    {
        silo.UseRedisClustering(o => o.ConfigurationOptions = settings.Redis());
        silo.AddRedisGrainStorage(Storage, o => o.ConfigurationOptions = settings.Redis());
        if (settings.Loopback) silo.ConfigureEndpoints(IPAddress.Loopback, settings.SiloPort, settings.GatewayPort);
        else silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        // a member killed without notice is declared dead within about ten seconds, and its grains re-activate elsewhere
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        });
    }

    private static void AddBeliefs(IHostApplicationBuilder builder, Func<BeliefStore> newStore, Func<IServiceProvider, IPartitionJournal>? journal, bool import)
    {
        builder.Services.AddSingleton(sp => new LocalPartitions(newStore, journal?.Invoke(sp), sp.GetService<RedisPartitionLog>(), import));
        builder.Services.AddSingleton(sp => new ClusterBeliefs(sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<LocalPartitions>(),
            sp.GetRequiredService<SiloStarted>().Active));
    }

    /// <summary>A port free on loopback now (the silo of a local cluster listens there; no other member connects).</summary>
    private static int FreeLoopbackPort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static void Identify(ClusterOptions o)
    {
        o.ClusterId = "pwmk";
        o.ServiceId = "pwmk";
    }

    /// <summary>
    /// Connects to the cluster as a client (through the members' gateways, found in Redis), as <c>pwmk simulate --cluster</c>
    /// does; the host's <see cref="IClusterClient"/> makes grain calls. Throws when no member can be reached.
    /// </summary>
    internal static async Task<IHost> ConnectAsync(ClusterSettings settings, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(Identify);
            client.UseRedisClustering(o => o.ConfigurationOptions = settings.Redis());
            client.AddActivityPropagation();
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(ct).ConfigureAwait(false);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>A one-member cluster in this process (localhost membership, grain state in memory or in <paramref name="stateDirectory"/>), for tests.</summary>
    internal static void AddPwmkLocalCluster(this IHostApplicationBuilder builder, int siloPort, int gatewayPort, Func<BeliefStore> newStore, string? stateDirectory = null,
        Func<IServiceProvider, IPartitionJournal>? journal = null) =>
        builder.AddPwmkCluster(new ClusterSettings("", 0, siloPort, gatewayPort), newStore, stateDirectory, journal);
}
