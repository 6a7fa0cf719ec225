namespace Pwmk.Server.Hosting;

/// <summary>
/// Settings of <c>pwmk serve</c>, bound from the <c>Pwmk</c> configuration section (appsettings.json),
/// environment variables <c>PWMK_*</c> (for example <c>PWMK_API_KEY</c>, <c>PWMK_TOM_DEPTH</c>) and command-line options,
/// later sources winning.
/// </summary>
public sealed class PwmkServerOptions
{
    /// <summary>API key required by mutating endpoints; null or empty: mutation only from loopback clients.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Start the background simulation.</summary>
    public bool Simulate { get; set; } = true;

    /// <summary>Environment of the background simulation: box-world, hide-and-seek or rooms.</summary>
    public string Env { get; set; } = "box-world";

    /// <summary>Agents in the background simulation.</summary>
    public int Agents { get; set; } = 2;

    /// <summary>Nesting depth of the agents' beliefs.</summary>
    public int TomDepth { get; set; } = 2;

    /// <summary>Seed of the background simulation.</summary>
    public int Seed { get; set; }

    /// <summary>Pause between simulation steps (keeps the UI watchable and leaves CPU to requests).</summary>
    public int StepDelayMs { get; set; } = 100;

    /// <summary>Train the world model online after each episode.</summary>
    public bool Train { get; set; } = true;

    /// <summary>
    /// What the background simulation's agents plan with: <c>simulator</c> (a copy of the true environment) or
    /// <c>learned</c> (the online world model: imagined rollouts through its predicted observations and beliefs).
    /// </summary>
    public string Planner { get; set; } = "simulator";

    /// <summary>
    /// State directory: the belief store's journal and snapshots (see <see cref="Persistence.DurableBeliefStore"/>), locked
    /// against a second server; graceful shutdown also exports <c>beliefs.pl</c> and the world model there. Empty: no state.
    /// </summary>
    public string? StateDir { get; set; } = DefaultStateDir;

    /// <summary>Default state directory: <c>pwmk-state</c> under the user's local application data folder.</summary>
    public static string DefaultStateDir => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify) is { Length: > 0 } d ? d : Path.GetTempPath(),
        "pwmk-state");

    /// <summary>fsync policy of API changes: always (before the response), batched (within <see cref="FsyncBatchMs"/>) or never (left to the OS).</summary>
    public string Fsync { get; set; } = "always";

    /// <summary>Longest time a batched journal write (simulation steps; API changes under <c>--fsync batched</c>) waits for its fsync.</summary>
    public int FsyncBatchMs { get; set; } = 200;

    /// <summary>Journal records between snapshots (each snapshot compacts the journal).</summary>
    public int SnapshotEvery { get; set; } = 20_000;

    /// <summary>Largest request body accepted (413 beyond).</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Requests per second allowed per client on /api (token bucket, burst twice that); 0 disables rate limiting.</summary>
    public int RateLimitPerSecond { get; set; } = 200;

    /// <summary>Default and largest time limit of a belief query.</summary>
    public int QueryTimeoutMs { get; set; } = 2_000;

    /// <summary>Largest time limit a client may ask for a belief query or plan.</summary>
    public int MaxTimeoutMs { get; set; } = 30_000;

    /// <summary>Default time limit of a plan.</summary>
    public int PlanTimeoutMs { get; set; } = 5_000;

    /// <summary>Largest number of simulations running at once.</summary>
    public int MaxSimulations { get; set; } = 8;

    /// <summary>Belief queries running at once; more wait in a queue. 0: twice the number of cores (at least 4).</summary>
    public int MaxConcurrentQueries { get; set; }

    /// <summary>Belief queries that may wait for a free slot (a full queue answers 429 with Retry-After).</summary>
    public int QueryQueueLimit { get; set; } = 256;

    /// <summary>Memory all running queries may hold together, in MiB (a query that would pass it gets 503 with Retry-After). 0: a quarter of the memory available to the process.</summary>
    public long QueryMemoryMb { get; set; }

    /// <summary>Server-Sent Events streams (<c>/api/events</c>) open at once.</summary>
    public int MaxEventStreams { get; set; } = 64;

    /// <summary>Server-Sent Events streams one client address may hold open.</summary>
    public int MaxEventStreamsPerClient { get; set; } = 4;

    /// <summary>
    /// Host header values accepted when no API key is configured (';' separates several; a DNS-rebinding page reaches
    /// the server under its own host name and is refused). Empty: localhost, 127.0.0.1, [::1] and the hosts of the
    /// listening URLs. With an API key every host is accepted.
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary>
    /// The cluster to join or form, <c>redis://HOST:PORT</c> (Redis holds membership and the belief partitions); null, empty
    /// or <c>local</c>: a one-member cluster in this process, its belief partitions in the journaled store.
    /// </summary>
    public string? Cluster { get; set; }

    /// <summary>Port this member talks to the other members on (default 11111).</summary>
    public int? SiloPort { get; set; }

    /// <summary>Port clients of the cluster reach this member on (default 30000).</summary>
    public int? GatewayPort { get; set; }

    /// <summary>The cluster settings: a one-member cluster in this process (<c>local</c>) unless <see cref="Cluster"/> names Redis.</summary>
    internal Pwmk.Cluster.ClusterSettings ClusterSettings =>
        Pwmk.Cluster.ClusterSettings.Parse(string.IsNullOrWhiteSpace(Cluster) ? Pwmk.Cluster.ClusterSettings.LocalName : Cluster, SiloPort, GatewayPort, out _)
        ?? throw new InvalidOperationException("cluster settings were not validated");

    /// <summary>The query slots in effect.</summary>
    internal int QuerySlots => MaxConcurrentQueries > 0 ? MaxConcurrentQueries : Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Checks the values; returns the first problem or null.</summary>
    internal string? Validate()
    {
        if (Env is not ("box-world" or "hide-and-seek" or "rooms")) return $"env: expected box-world, hide-and-seek or rooms, got '{Env}'";
        if (Agents is < 1 or > 16) return $"agents: expected 1..16, got {Agents}";
        if (Env == "hide-and-seek" && Agents < 2) return "agents: hide-and-seek needs at least 2 agents";
        if (TomDepth is < 1 or > 6) return $"tom-depth: expected 1..6, got {TomDepth}";
        if (Planner is not ("simulator" or "learned")) return $"planner: expected simulator or learned, got '{Planner}'";
        if (StepDelayMs is < 0 or > 60_000) return $"step-delay-ms: expected 0..60000, got {StepDelayMs}";
        if (MaxBodyBytes is < 1024 or > 1L << 30) return $"max-body-bytes: expected 1024..{1L << 30}, got {MaxBodyBytes}";
        if (RateLimitPerSecond < 0) return $"rate-limit: expected >= 0, got {RateLimitPerSecond}";
        if (QueryTimeoutMs < 1 || PlanTimeoutMs < 1 || MaxTimeoutMs < 1) return "timeouts must be positive";
        if (Fsync is not ("always" or "batched" or "never")) return $"fsync: expected always, batched or never, got '{Fsync}'";
        if (FsyncBatchMs is < 1 or > 60_000) return $"fsync-batch-ms: expected 1..60000, got {FsyncBatchMs}";
        if (SnapshotEvery is < 1 or > 100_000_000) return $"snapshot-every: expected 1..100000000, got {SnapshotEvery}";
        if (MaxSimulations is < 1 or > 256) return $"max-simulations: expected 1..256, got {MaxSimulations}";
        if (MaxConcurrentQueries is < 0 or > 4096) return $"max-concurrent-queries: expected 0..4096, got {MaxConcurrentQueries}";
        if (QueryQueueLimit is < 0 or > 100_000) return $"query-queue-limit: expected 0..100000, got {QueryQueueLimit}";
        if (QueryMemoryMb is < 0 or > 1L << 30 or (> 0 and < 16)) return $"query-memory-mb: expected 0 (a quarter of the machine's) or 16.., got {QueryMemoryMb}";
        if (Pwmk.Cluster.ClusterSettings.Parse(string.IsNullOrWhiteSpace(Cluster) ? Pwmk.Cluster.ClusterSettings.LocalName : Cluster, SiloPort, GatewayPort, out var clusterProblem) is null)
            return "cluster: " + clusterProblem;
        if (MaxEventStreams is < 1 or > 100_000) return $"max-event-streams: expected 1..100000, got {MaxEventStreams}";
        if (MaxEventStreamsPerClient is < 1 or > 100_000) return $"max-event-streams-per-client: expected 1..100000, got {MaxEventStreamsPerClient}";
        return null;
    }
}
