using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Simulation;

namespace Pwmk.Cluster.Simulation;

/// <summary>What a cluster simulation runs (the fields of <see cref="SimulationSettings"/> it takes).</summary>
[GenerateSerializer, Immutable, Alias("pwmk.simulation-spec")]
public sealed record SimulationSpec(
    [property: Id(0)] string Env = "box-world",
    [property: Id(1)] int Agents = 2,
    [property: Id(2)] int TomDepth = 2,
    [property: Id(3)] int Seed = 0,
    [property: Id(4)] int Episodes = 0,
    [property: Id(5)] int StepDelayMs = 100,
    [property: Id(6)] bool Train = false,
    [property: Id(7)] string Planner = SimulationSettings.SimulatorPlanner,
    [property: Id(8)] int MaxStepsPerEpisode = 200)
{
    /// <summary>The simulation core's settings.</summary>
    public SimulationSettings Settings() => new(Env, Agents, TomDepth, Seed, Episodes, StepDelayMs, Train, MaxStepsPerEpisode) { Planner = Planner };

    /// <summary>The spec of <paramref name="s"/>.</summary>
    public static SimulationSpec Of(SimulationSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Env, s.Agents, s.TomDepth, s.Seed, s.Episodes, s.StepDelayMs, s.Train, s.Planner, s.MaxStepsPerEpisode);
    }

    /// <summary>
    /// The first problem with the settings, or null. The learned planner plans with the online world model, so it needs
    /// <c>train</c>: without training the model never exists and every decision would fall back to the heuristic.
    /// </summary>
    public string? Validate() => Settings().Validate()
        ?? (Planner == SimulationSettings.LearnedPlanner && !Train ? "planner: 'learned' plans with the online world model, which needs train: true" : null);
}

/// <summary>A simulation as <c>/api/cluster/simulations</c> shows it: where it runs now, how far it is, and where it resumed from.</summary>
[GenerateSerializer, Immutable, Alias("pwmk.simulation-view")]
public sealed record SimulationView(
    [property: Id(0)] string Id,
    [property: Id(1)] SimulationSpec Spec,
    [property: Id(2)] string Status,
    [property: Id(3)] string Member,
    [property: Id(4)] int Episode,
    [property: Id(5)] long Steps,
    [property: Id(6)] int Activations,
    [property: Id(7)] int ResumedAt,
    [property: Id(8)] string? Error)
{
    /// <summary>The episode of the world model checkpoint its activation resumed with, or null (no model saved yet, or a first activation).</summary>
    [Id(9)] public int? ModelResumedAt { get; init; }

    /// <summary>Bytes of its last persisted world model and optimiser state.</summary>
    [Id(10)] public long CheckpointBytes { get; init; }

    /// <summary>The episode of its last persisted checkpoint (what an activation after a crash resumes at), or null before the first.</summary>
    [Id(11)] public int? CheckpointEpisode { get; init; }
}

/// <summary>
/// One simulation (environment, agents, world model and their beliefs) living on one member: the same
/// <see cref="SimulationRun"/> plain <c>pwmk serve</c> runs. Its state (settings, counters, chart histories, the world
/// model and its optimiser) is written to grain storage after finished episodes, so when its member dies it re-activates
/// on another from there (<see cref="SimulationKeeper"/> calls every registered simulation, which activates it where
/// placement puts it). The API reaches it on any member: directly when its activation is on that member
/// (<see cref="LocalSimulations"/>), else through these calls, whose answers are the API's own JSON.
/// </summary>
[Alias("pwmk.simulation")]
public interface ISimulationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the simulation (once: a second start answers its view). <paramref name="startedBy"/> is the W3C trace id of
    /// the request that asked for it: the simulation is a trace of its own linked to it, as in plain serve.
    /// </summary>
    [Alias("start")]
    Task<SimulationView> Start(SimulationSpec spec, string? startedBy = null);

    /// <summary>Its view; calling it activates a registered simulation that lost its member.</summary>
    [Alias("view"), ReadOnly]
    Task<SimulationView> View();

    /// <summary>Saves a finished episode's state (called by the simulation's own loop).</summary>
    [Alias("checkpoint")]
    Task Checkpoint(SimulationCheckpoint checkpoint);

    /// <summary>Records how its loop ended by itself (episodes done, failure), so a later activation does not run it again.</summary>
    [Alias("ended")]
    Task Ended(string status, string? error);

    /// <summary>The simulation as <c>GET /api/simulations/{id}</c> answers it (404 for an id that was never started).</summary>
    [Alias("describe"), ReadOnly]
    Task<SimulationAnswer> Describe();

    /// <summary>The world as <paramref name="agent"/> sees it, or as it is (null).</summary>
    [Alias("render"), ReadOnly]
    Task<SimulationAnswer> Render(string? agent);

    /// <summary>A page of its timeline.</summary>
    [Alias("timeline"), ReadOnly]
    Task<SimulationAnswer> Timeline(long? from, int count);

    /// <summary>One recorded step (the latest when <paramref name="sequence"/> is null).</summary>
    [Alias("step"), ReadOnly]
    Task<SimulationAnswer> Step(long? sequence);

    /// <summary>Its agents' beliefs now (the belief graph's view).</summary>
    [Alias("agents"), ReadOnly]
    Task<SimulationAnswer> Agents();

    /// <summary>Its agents and fact predicates, for a member preparing a plan on it (null: no such simulation).</summary>
    [Alias("plan-context"), ReadOnly]
    Task<SimulationPlanContext?> PlanContext();

    /// <summary>
    /// Plans a request <see cref="SimulationPlanning.Prepare"/> made ready on its environment as it is now (<c>POST /api/plan</c>
    /// with <c>simulation</c>, from another member). The caller's token bounds the call (the request's time-out plus a
    /// margin) and, cancelled, stops the search here; Orleans' own response time-out of this method is only a ceiling.
    /// </summary>
    [Alias("plan"), ReadOnly, ResponseTimeout("01:00:00")]
    Task<SimulationAnswer> Plan(SimulationPlanAsk ask, CancellationToken cancellation);

    /// <summary>Stops it (it stays listed, stopped); answers its description.</summary>
    [Alias("stop")]
    Task<SimulationAnswer> Stop();

    /// <summary>Stops it and forgets it: its state is cleared, its agents' beliefs are withdrawn from the partitions, and it leaves the registry.</summary>
    [Alias("forget")]
    Task<SimulationAnswer> Forget();

    /// <summary>
    /// Keeps it running with <paramref name="spec"/> (a server's background simulation, at the server's start): starts it when
    /// it was never started, resumes it (from its checkpoint) when it was stopped, and starts it afresh with
    /// <paramref name="spec"/> when it was saved with other settings (its state is dropped, and the log says why).
    /// </summary>
    [Alias("keep")]
    Task<SimulationView> Keep(SimulationSpec spec);

    /// <summary>
    /// Stops its loop, writes its checkpoint and deactivates it, without ending it (its member is shutting down gracefully):
    /// the next activation resumes it.
    /// </summary>
    [Alias("suspend")]
    Task Suspend();

    /// <summary>What the UI's live page shows of it (<see cref="LiveSimulation"/>).</summary>
    [Alias("live"), ReadOnly]
    Task<SimulationAnswer> Live();
}

/// <summary>Persisted state of a simulation.</summary>
[GenerateSerializer, Alias("pwmk.simulation-state")]
public sealed class SimulationGrainState
{
    [Id(0)] public SimulationSpec? Spec { get; set; }
    [Id(3)] public int Activations { get; set; }
    [Id(4)] public SimulationCheckpoint? Checkpoint { get; set; }

    /// <summary>How it ended (stopped, completed, failed), or null while it should run.</summary>
    [Id(5)] public string? Ended { get; set; }
    [Id(6)] public string? Error { get; set; }
}

[KeepAlive]
internal sealed class SimulationGrain(
    [PersistentState("simulation", ClusterHosting.Storage)] IPersistentState<SimulationGrainState> state,
    ILocalSiloDetails silo, LocalSimulations local, ClusterBeliefs beliefs, ILogger<SimulationGrain> log, TimeProvider time) : Grain, ISimulationGrain
{
    /// <summary>The domain's activity source ("Pwmk"), where plain serve's simulation spans are too.</summary>
    private static readonly ActivitySource s_spans = new("Pwmk");

    private SimulationRun? _run;
    private SimulationBeliefs? _beliefs;
    private GrainCheckpoints? _checkpoints;
    private int _resumedAt;
    private int? _modelResumedAt;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Spec is null) return;
        state.State.Activations++;
        await state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        Host(start: state.State.Ended is null);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_run is not { } run) return;
        _checkpoints!.Closed = true;
        local.Remove(run);
        if (run.Status != SimulationStatus.Running) return;
        try
        {
            await run.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(true);
            // the loop has stopped: its last finished episode is what a later activation resumes
            state.State.Checkpoint = SimulationCheckpoint.Capture(run);
            await state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task<SimulationView> Start(SimulationSpec spec, string? startedBy = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec is not null) return Current();
        if (spec.Validate() is { } problem) throw new ArgumentException(problem);
        state.State.Spec = spec;
        state.State.Activations = 1;
        await state.WriteStateAsync().ConfigureAwait(true);
        await GrainFactory.GetGrain<ISimulationRegistryGrain>(0).Add(Id).ConfigureAwait(true);
        HostTraced(spec, startedBy);
        return Current();
    }

    /// <summary>Hosts and starts the run as a trace of its own (its start), linked to the request that asked for it; each of its episodes is again a trace of its own, linked to this one (see EpisodeRunner).</summary>
    private void HostTraced(SimulationSpec spec, string? startedBy)
    {
        var caller = Activity.Current;
        Activity.Current = null;
        try
        {
            var links = startedBy is not null && ActivityContext.TryParse(startedBy, null, out var request) ? new[] { new ActivityLink(request) } : null;
            using var span = s_spans.StartActivity("simulation", ActivityKind.Internal, default(ActivityContext), links: links);
            span?.SetTag("simulation.id", Id);
            span?.SetTag("env.type", spec.Env);
            span?.SetTag("env.num_agents", spec.Agents);
            span?.SetTag("simulation.mirrors_beliefs", true);
            Host(start: true);
        }
        finally
        {
            Activity.Current = caller;
        }
    }

    public async Task<SimulationView> Keep(SimulationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec is null) return await Start(spec).ConfigureAwait(true);
        var saved = state.State.Spec;
        bool running = _run is { Status: SimulationStatus.Running } && state.State.Ended is null;
        if (saved == spec && running) return Current();
        // the episodes (their rewards, goals, the model's training data) are those of these settings: with others it starts afresh;
        // the pace, training on or off and the episode count may change and it resumes
        bool resumable = saved.Env == spec.Env && saved.Agents == spec.Agents && saved.TomDepth == spec.TomDepth && saved.Seed == spec.Seed
            && saved.MaxStepsPerEpisode == spec.MaxStepsPerEpisode && saved.Planner == spec.Planner;
        if (_run is { } old)
        {
            _checkpoints!.Closed = true;
            local.Remove(old);
            await old.StopAsync().ConfigureAwait(true);
            // the stopped loop's last finished episode is what the new run resumes from
            if (resumable && old.Status != SimulationStatus.Failed) state.State.Checkpoint = SimulationCheckpoint.Capture(old);
            _run = null;
        }
        if (!resumable)
        {
            log.LogError("simulation {Id} was saved for {Saved}; it is asked for {Spec}: it starts afresh at episode 0", Id, saved, spec);
            state.State.Checkpoint = null;
            _resumedAt = 0;
            _modelResumedAt = null;
        }
        state.State.Spec = spec;
        state.State.Ended = null;
        state.State.Error = null;
        await state.WriteStateAsync().ConfigureAwait(true);
        await GrainFactory.GetGrain<ISimulationRegistryGrain>(0).Add(Id).ConfigureAwait(true);
        HostTraced(spec, null);
        return Current();
    }

    public async Task Suspend()
    {
        if (_run is not { } run) return;
        _checkpoints!.Closed = true;
        local.Remove(run);
        _run = null;
        DeactivateOnIdle();
        if (run.Status != SimulationStatus.Running) return;
        await run.StopAsync().ConfigureAwait(true);
        await SaveAsync(SimulationCheckpoint.Capture(run)).ConfigureAwait(true);
    }

    public Task<SimulationAnswer> Live() => Answer(run => SimulationAnswer.Ok(SimulationViews.Live(run, silo.SiloAddress.ToString())));

    public Task<SimulationView> View()
    {
        if (state.State.Spec is null) DeactivateOnIdle();
        return Task.FromResult(Current());
    }

    public async Task Checkpoint(SimulationCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (state.State.Spec is null || checkpoint.Episode < (state.State.Checkpoint?.Episode ?? 0)) return;
        await SaveAsync(checkpoint).ConfigureAwait(true);
    }

    private async Task SaveAsync(SimulationCheckpoint checkpoint)
    {
        state.State.Checkpoint = checkpoint;
        await state.WriteStateAsync().ConfigureAwait(true);
        // the line names the simulation (session_id) as its loop's lines do
        using (log.BeginScope(LogScope))
            log.LogDebug("simulation {Id}: state saved at episode {Episode} ({Bytes} bytes of world model)", Id, checkpoint.Episode, checkpoint.ModelBytes);
    }

    private KeyValuePair<string, object?>[] LogScope => [new("session_id", Id)];

    public async Task Ended(string status, string? error)
    {
        if (state.State.Spec is null || state.State.Ended is not null) return;
        state.State.Ended = status;
        state.State.Error = error;
        await state.WriteStateAsync().ConfigureAwait(true);
    }

    public Task<SimulationAnswer> Describe() => Answer(run => SimulationAnswer.Ok(Response(run)));

    public Task<SimulationAnswer> Render(string? agent) => Answer(run => SimulationViews.Render(run, agent));

    public Task<SimulationAnswer> Timeline(long? from, int count) => Answer(run => SimulationAnswer.Ok(SimulationViews.Timeline(run, from, count)));

    public Task<SimulationAnswer> Step(long? sequence) => Answer(run => SimulationViews.Step(run, sequence));

    public Task<SimulationAnswer> Agents() => Answer(run => SimulationAnswer.Ok(run.Agents()));

    public Task<SimulationPlanContext?> PlanContext() => Task.FromResult(_run is { } run ? SimulationPlanning.Context(run) : null);

    public async Task<SimulationAnswer> Plan(SimulationPlanAsk ask, CancellationToken cancellation)
    {
        if (_run is not { } run) return await Answer(_ => Unknown()).ConfigureAwait(true);
        // the search runs on the thread pool, not in the grain's turn, so the activation goes on answering (a cancellation too)
        var (status, plan, detail) = await Task.Run(() => SimulationPlanning.PlanUnfolded(run, ask, cancellation), CancellationToken.None).ConfigureAwait(true);
        return status == 200 ? SimulationAnswer.Ok(plan) : SimulationAnswer.Problem(status, detail!);
    }

    public async Task<SimulationAnswer> Stop()
    {
        if (_run is not { } run) return Unknown();
        await run.StopAsync().ConfigureAwait(true);
        if (state.State.Ended is null)
        {
            state.State.Ended = run.Status.ToString().ToLowerInvariant();
            state.State.Error = run.Error;
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        return SimulationAnswer.Ok(Response(run));
    }

    public async Task<SimulationAnswer> Forget()
    {
        if (_run is not { } run) return Unknown();
        _checkpoints!.Closed = true;
        await run.StopAsync().ConfigureAwait(true);
        // forgotten, its agents' beliefs leave the partitions with it (a stopped simulation keeps them, to be queried)
        await _beliefs!.WithdrawBeliefsOfAsync(run.AgentNames).ConfigureAwait(true);
        var answer = SimulationAnswer.Ok(Response(run));
        await GrainFactory.GetGrain<ISimulationRegistryGrain>(0).Remove(Id).ConfigureAwait(true);
        local.Remove(run);
        _run = null;
        await state.ClearStateAsync().ConfigureAwait(true);
        DeactivateOnIdle();
        return answer;
    }

    /// <summary>Builds the run from the state (resuming from its checkpoint) and registers it with this member; starts its loop when <paramref name="start"/>.</summary>
    private void Host(bool start)
    {
        var spec = state.State.Spec!;
        var self = this.AsReference<ISimulationGrain>();
        _checkpoints = new GrainCheckpoints(self, time);
        // every simulation's agents write their beliefs through the cluster's partitions (one path), under their names there
        var agentBeliefs = _beliefs = new SimulationBeliefs(beliefs, Id, log);
        var run = new SimulationRun(Id, spec.Settings(), agentBeliefs, log, _checkpoints, time)
        {
            LogScope = LogScope,
        };
        agentBeliefs.NameAgents(run.AgentNames);
        if (state.State.Checkpoint is { } checkpoint)
        {
            if (checkpoint.RestoreInto(run) is { } refused) log.LogError("simulation {Id}: its world model checkpoint was refused, it trains a new one: {Reason}", Id, refused);
            _resumedAt = checkpoint.Episode;
            _modelResumedAt = run.ModelResumedFrom;
        }
        _run = run;
        local.Add(run);
        // a member shutting down gracefully starts no loop (its simulations are being suspended), nor one it holds
        if (start && local.MayStart(Id)) run.Start(CancellationToken.None);
        // a loop that ends by itself (episodes done, failure) is recorded so a later activation does not run it again
        var checkpoints = _checkpoints;
        _ = run.Completion.ContinueWith(_ =>
        {
            if (!checkpoints.Closed && run.Status != SimulationStatus.Stopped) self.Ended(run.Status.ToString().ToLowerInvariant(), run.Error).Ignore();
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private SimulationResponse Response(SimulationRun run)
    {
        var r = SimulationViews.Describe(run, silo.SiloAddress.ToString());
        return state.State.Ended is { } ended && run.Status == SimulationStatus.Running ? r with { Status = ended, Error = state.State.Error } : r;
    }

    private Task<SimulationAnswer> Answer(Func<SimulationRun, SimulationAnswer> view)
    {
        if (_run is not { } run)
        {
            DeactivateOnIdle();
            return Task.FromResult(Unknown());
        }
        return Task.FromResult(view(run));
    }

    private SimulationAnswer Unknown() => SimulationAnswer.Problem(404, $"No simulation '{Id}'.");

    private SimulationView Current()
    {
        var s = state.State;
        var r = _run;
        string status = s.Spec is null ? "unknown"
            : s.Ended ?? (r is null ? "unknown" : r.Status == SimulationStatus.Running ? "running" : r.Status.ToString().ToLowerInvariant());
        return new SimulationView(Id, s.Spec ?? new SimulationSpec(), status, silo.SiloAddress.ToString(),
            r?.Episode ?? s.Checkpoint?.Episode ?? 0, r?.Runner.FinishedSteps ?? s.Checkpoint?.Steps ?? 0, s.Activations, _resumedAt, r?.Error ?? s.Error)
        { ModelResumedAt = _modelResumedAt, CheckpointBytes = s.Checkpoint?.ModelBytes ?? 0, CheckpointEpisode = s.Checkpoint?.Episode };
    }
}

/// <summary>Sends a simulation's state to its grain after finished episodes, at most once per <see cref="MinInterval"/> (always when the loop ends).</summary>
internal sealed class GrainCheckpoints(ISimulationGrain grain, TimeProvider time) : ISimulationCheckpoints
{
    /// <summary>Shortest time between two periodic checkpoints (each writes the world model to the cluster's storage).</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(5);

    private long _last = long.MinValue;

    /// <summary>Set when the activation goes away: no checkpoint is sent after that (it would re-activate the grain).</summary>
    public volatile bool Closed;

    public void Save(SimulationRun run, bool force)
    {
        if (Closed) return;
        long now = time.GetTimestamp();
        if (!force && _last != long.MinValue && time.GetElapsedTime(_last, now) < MinInterval) return;
        _last = now;
        grain.Checkpoint(SimulationCheckpoint.Capture(run)).Ignore();
    }
}
