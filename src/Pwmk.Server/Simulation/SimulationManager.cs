using Pwmk.Core.Simulation;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pwmk.Server.Persistence;
using Pwmk.Server.Hosting;
using Pwmk.Observability.Logging;
using Pwmk.Cluster.Simulation;
using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;

namespace Pwmk.Server.Simulation;

/// <summary>Starts, finds and stops simulations; the first one started with mirroring feeds the server's belief store.</summary>
internal sealed class SimulationManager(DurableBeliefStore store, IOptions<PwmkServerOptions> options, IHostApplicationLifetime lifetime, ILogger<SimulationManager> log)
{
    private readonly ConcurrentDictionary<string, SimulationRun> _runs = new();
    private readonly Lock _lock = new();
    private int _next;

    /// <summary>The simulation whose agents the belief store mirrors (the background one), if any.</summary>
    public SimulationRun? Primary { get; private set; }

    public IEnumerable<SimulationRun> All => _runs.Values.OrderBy(r => r.Started);

    public SimulationRun? Find(string id) => _runs.TryGetValue(id, out var r) ? r : null;

    /// <summary>
    /// Starts a simulation; null when as many as allowed are already running. With <paramref name="persistence"/> it first
    /// resumes from the saved state (when it can trust it) and saves its state as it goes.
    /// </summary>
    public SimulationRun? Start(SimulationSettings parameters, bool mirrorBeliefs, SimulationPersistence? persistence = null)
    {
        lock (_lock)
        {
            int running = _runs.Values.Count(r => r.Status == SimulationStatus.Running);
            if (running >= options.Value.MaxSimulations) return null;
            bool mirror = mirrorBeliefs && (Primary is null || Primary.Status != SimulationStatus.Running);
            var id = "sim-" + Interlocked.Increment(ref _next);
            // a simulation is a trace of its own (its start: resuming and starting the loop), linked to the request that asked
            // for it; each of its episodes is again a trace of its own, linked to this one (see EpisodeRunner)
            var request = Activity.Current;
            // a root: without a current activity, StartActivity's default parent is no parent
            Activity.Current = null;
            try
            {
                return StartTraced(id, parameters, mirror, persistence, request);
            }
            finally
            {
                Activity.Current = request;
            }
        }
    }

    private SimulationRun StartTraced(string id, SimulationSettings parameters, bool mirror, SimulationPersistence? persistence, Activity? request)
    {
        using var span = ServerDiagnostics.Source.StartActivity("simulation", ActivityKind.Internal, default(ActivityContext),
            links: request is null ? null : [new ActivityLink(request.Context)]);
        span?.SetTag("simulation.id", id);
        span?.SetTag("env.type", parameters.Env);
        span?.SetTag("env.num_agents", parameters.Agents);
        span?.SetTag("simulation.mirrors_beliefs", mirror);
        var run = new SimulationRun(id, parameters, mirror ? Mirror(store, log) : null, log, persistence)
        {
            LogScope = new LogContext { SessionId = id },
            Failed = e => log.SimulationFailed(e, id),
        };
        persistence?.TryResume(run);
        _runs[id] = run;
        if (mirror) Primary = run;
        span?.SetTag("simulation.resumed_from", run.ResumedFrom);
        run.Start(lifetime.ApplicationStopping);
        log.SimulationStarted(id, parameters.Env, parameters.Agents, parameters.TomDepth, run.Episode);
        return run;
    }

    /// <summary>Stops simulation <paramref name="id"/> and forgets it; null when there is none.</summary>
    public async Task<SimulationRun?> RemoveAsync(string id)
    {
        if (!_runs.TryRemove(id, out var run)) return null;
        await run.StopAsync().ConfigureAwait(false);
        lock (_lock)
            if (ReferenceEquals(Primary, run)) Primary = null;
        return run;
    }

    /// <summary>The server's durable store as a simulation's agents' beliefs.</summary>
    internal static ISimulationBeliefs Mirror(DurableBeliefStore store, ILogger log) => new MirroredBeliefs(new SimulationBeliefs(store, log));

    public async Task StopAllAsync()
    {
        foreach (var r in _runs.Values) await r.StopAsync().ConfigureAwait(false);
    }
}

/// <summary>The server's durable store as a simulation's agents' beliefs (<see cref="SimulationBeliefs"/> as the simulation run takes it).</summary>
internal sealed class MirroredBeliefs(SimulationBeliefs beliefs) : ISimulationBeliefs
{
    public bool Failing => beliefs.Failing;

    public int Count => beliefs.Count;

    public bool Contains(Term fact) => beliefs.Contains(fact);

    public IEnumerable<Term> Query(Term pattern) => beliefs.Query(pattern);

    public ValueTask ApplyAsync(IReadOnlyList<BeliefChange> changes, CancellationToken cancellationToken = default) => beliefs.ApplyAsync(changes, cancellationToken);

    public Task WithdrawBeliefsOfAsync(IEnumerable<string> agents) => beliefs.WithdrawBeliefsOfAsync(agents);
}
