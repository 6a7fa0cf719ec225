using System.Diagnostics;
using System.Text.Json.Nodes;
using Pwmk.Core.Beliefs;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;
using Pwmk.Core.WorldModel;

namespace Pwmk.Observability.Health;

/// <summary>Result of one component check: <c>healthy</c>, <c>unhealthy</c> (with <c>error</c>) or <c>timeout</c>, plus details.</summary>
public sealed record ComponentHealth(string Status, JsonObject Details)
{
    /// <summary>A healthy result with details.</summary>
    public static ComponentHealth Healthy(JsonObject? details = null) => new("healthy", details ?? []);
}

/// <summary>
/// The health checks of the specification: <c>world_model</c> (a tiny inference), <c>belief_store</c> (a tiny query)
/// and <c>planning_engine</c> (a tiny plan), run concurrently, each with a timeout (5 s by default) after which it
/// reports <c>timeout</c> without holding up the answer; a check still running from an earlier call is awaited, not started
/// again, so a hung component holds one thread however often <c>/health</c> is probed. Readiness adds the state directory and the model.
/// </summary>
public sealed class PwmkHealth
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<CancellationToken, ComponentHealth>> _checks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);
    private readonly long _start = Stopwatch.GetTimestamp();

    /// <summary>Creates the checker with the three component checks.</summary>
    public PwmkHealth(TimeSpan? timeout = null, string? stateDirectory = null, Func<bool>? modelLoaded = null)
    {
        Timeout = timeout ?? TimeSpan.FromSeconds(5);
        StateDirectory = stateDirectory ?? Path.Combine(Path.GetTempPath(), "pwmk-state");
        ModelLoaded = modelLoaded ?? (() => true);
        _checks["world_model"] = CheckWorldModel;
        _checks["belief_store"] = CheckBeliefStore;
        _checks["planning_engine"] = CheckPlanning;
    }

    /// <summary>Per-check timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Folder that must be writable for readiness.</summary>
    public string StateDirectory { get; }

    /// <summary>Whether the world model is loaded (readiness).</summary>
    public Func<bool> ModelLoaded { get; set; }

    /// <summary>Adds or replaces a component check.</summary>
    public void SetCheck(string name, Func<CancellationToken, ComponentHealth> check)
    {
        _checks[name] = check;
        lock (_inFlight) _inFlight.Remove(name);
    }

    /// <summary>Runs all checks concurrently: <c>{"status":"healthy"|"unhealthy","uptime_seconds":..,"checks":{..}}</c>.</summary>
    public async Task<(bool Healthy, JsonObject Body)> CheckAsync(CancellationToken cancellation = default)
    {
        var tasks = _checks.Select(kv => (kv.Key, Task: RunOne(kv.Key, kv.Value, cancellation))).ToList();
        var checks = new JsonObject();
        bool healthy = true;
        foreach (var (name, task) in tasks)
        {
            var r = await task.ConfigureAwait(false);
            var o = new JsonObject { ["status"] = r.Status };
            foreach (var (k, v) in r.Details) o[k] = v?.DeepClone();
            checks[name] = o;
            healthy &= r.Status == "healthy";
        }
        return (healthy, new JsonObject
        {
            ["status"] = healthy ? "healthy" : "unhealthy",
            ["uptime_seconds"] = Math.Round(Stopwatch.GetElapsedTime(_start).TotalSeconds, 3),
            ["checks"] = checks,
        });
    }

    /// <summary>Readiness: health plus dependencies (state directory writable, model loaded).</summary>
    public async Task<(bool Ready, JsonObject Body)> ReadyAsync(CancellationToken cancellation = default)
    {
        var (healthy, health) = await CheckAsync(cancellation).ConfigureAwait(false);
        bool writable = StateWritable(), model = SafeModelLoaded();
        bool ready = healthy && writable && model;
        return (ready, new JsonObject
        {
            ["status"] = ready ? "ready" : "not_ready",
            ["health"] = health,
            ["readiness"] = new JsonObject { ["state_directory_writable"] = writable, ["model_loaded"] = model },
        });
    }

    private bool SafeModelLoaded()
    {
        try { return ModelLoaded(); }
        catch (Exception) { return false; }
    }

    private bool StateWritable()
    {
        try
        {
            Directory.CreateDirectory(StateDirectory);
            var probe = Path.Combine(StateDirectory, $".ready-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    private async Task<ComponentHealth> RunOne(string name, Func<CancellationToken, ComponentHealth> check, CancellationToken cancellation)
    {
        InFlight run;
        lock (_inFlight)
        {
            // a check still running from an earlier request (hung) is awaited again, never started twice: a hung
            // component holds one thread however often /health is probed
            if (!_inFlight.TryGetValue(name, out run!) || run.Work.IsCompleted)
            {
                var cts = new CancellationTokenSource();
                var work = Task.Run(() => check(cts.Token), CancellationToken.None);
                _ = work.ContinueWith(_ => cts.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                run = new InFlight(work, cts, Stopwatch.GetTimestamp());
                _inFlight[name] = run;
            }
        }
        try
        {
            var r = await run.Work.WaitAsync(Timeout, cancellation).ConfigureAwait(false);
            var details = (JsonObject)r.Details.DeepClone();
            details["latency_ms"] = Math.Round(Stopwatch.GetElapsedTime(run.Start).TotalMilliseconds, 3);
            return new ComponentHealth(r.Status, details);
        }
        catch (TimeoutException)
        {
            try { await run.Cancellation.CancelAsync().ConfigureAwait(false); }
            catch (ObjectDisposedException) { }
            return new ComponentHealth("timeout", new JsonObject
            {
                ["error"] = "Health check timed out",
                ["running_seconds"] = Math.Round(Stopwatch.GetElapsedTime(run.Start).TotalSeconds, 3),
            });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return new ComponentHealth("unhealthy", new JsonObject { ["error"] = e.Message });
        }
    }

    private sealed record InFlight(Task<ComponentHealth> Work, CancellationTokenSource Cancellation, long Start);

    private static ComponentHealth CheckWorldModel(CancellationToken _)
    {
        var model = new PerspectiveWorldModel(obsDim: 4, actionDim: 2, hiddenDim: 8, numAgents: 2, numBeliefs: 2);
        var p = model.Forward(new float[16], [0, 1, 1, 0], null, batchSize: 2);
        if (p.NextObservations.Any(v => !float.IsFinite(v))) return new("unhealthy", new JsonObject { ["error"] = "non-finite prediction" });
        return ComponentHealth.Healthy(new JsonObject { ["model_type"] = model.ModelType });
    }

    private static ComponentHealth CheckBeliefStore(CancellationToken _)
    {
        var store = new BeliefStore();
        store.AddBelief("sally", "at(marble, basket)");
        if (!store.Holds("believes(sally, at(marble, basket))"))
            return new("unhealthy", new JsonObject { ["error"] = "stored belief not found" });
        return ComponentHealth.Healthy(new JsonObject { ["facts_count"] = store.FactCount });
    }

    private const string TinyPlan = """
        fluent door_open;
        action open;
        agent a;
        executable open if -door_open;
        open causes door_open;
        a observes open;
        initially -door_open;
        goal B(a, door_open);
        """;

    private static ComponentHealth CheckPlanning(CancellationToken cancellation)
    {
        var plan = MastarPlanner.Solve(MastarProblem.Parse(TinyPlan, "health"), new PlanSearchOptions(SearchStrategy.Bfs, TimeSpan.FromSeconds(5)), cancellation);
        if (!plan.Solved) return new("unhealthy", new JsonObject { ["error"] = "tiny plan not found: " + plan.Reason });
        return ComponentHealth.Healthy(new JsonObject { ["last_plan_time"] = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) });
    }
}
