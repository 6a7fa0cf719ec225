using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
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

    /// <summary>
    /// The first problem with the settings, or null. The learned planner plans with the online world model, so it needs
    /// <c>train</c>: without training the model never exists and every decision would fall back to the heuristic.
    /// </summary>
    public string? Validate() => Settings().Validate()
        ?? (Planner == SimulationSettings.LearnedPlanner && !Train ? "planner: 'learned' plans with the online world model, which needs train: true" : null);
}

/// <summary>A simulation as the API shows it: where it runs now, how far it is, and where it resumed from.</summary>
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
    [property: Id(8)] string? Error);

/// <summary>
/// One simulation (environment, agents, world model and their beliefs) living on one member; its state (settings and the
/// episodes finished) is written to grain storage after every episode, so when its member dies it re-activates on another
/// from there (<see cref="SimulationKeeper"/> calls every registered simulation, which activates it where placement puts it).
/// </summary>
[Alias("pwmk.simulation")]
public interface ISimulationGrain : IGrainWithStringKey
{
    /// <summary>Starts the simulation (once: a second start answers its view).</summary>
    [Alias("start")]
    Task<SimulationView> Start(SimulationSpec spec);

    /// <summary>Its view; calling it activates a registered simulation that lost its member.</summary>
    [Alias("view"), ReadOnly]
    Task<SimulationView> View();

    /// <summary>Records a finished episode (called by the simulation's own loop).</summary>
    [Alias("checkpoint")]
    Task Checkpoint(int episode, long steps);
}

/// <summary>Persisted state of a simulation.</summary>
[GenerateSerializer, Alias("pwmk.simulation-state")]
public sealed class SimulationGrainState
{
    [Id(0)] public SimulationSpec? Spec { get; set; }
    [Id(1)] public int Episode { get; set; }
    [Id(2)] public long Steps { get; set; }
    [Id(3)] public int Activations { get; set; }
}

[KeepAlive]
internal sealed class SimulationGrain(
    [PersistentState("simulation", ClusterHosting.Storage)] IPersistentState<SimulationGrainState> state,
    ILocalSiloDetails silo, ILogger<SimulationGrain> log) : Grain, ISimulationGrain
{
    private readonly CancellationTokenSource _stop = new();
    private EpisodeRunner? _runner;
    private Task _loop = Task.CompletedTask;
    private string? _error;
    private int _resumedAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Spec is null) return;
        state.State.Activations++;
        await state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        Run();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(true);
        try { await _loop.WaitAsync(cancellationToken).ConfigureAwait(true); }
        catch (OperationCanceledException) { }
    }

    public async Task<SimulationView> Start(SimulationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec is not null) return Current();
        if (spec.Validate() is { } problem) throw new ArgumentException(problem);
        state.State.Spec = spec;
        state.State.Activations = 1;
        await state.WriteStateAsync().ConfigureAwait(true);
        await GrainFactory.GetGrain<ISimulationRegistryGrain>(0).Add(this.GetPrimaryKeyString()).ConfigureAwait(true);
        Run();
        return Current();
    }

    public Task<SimulationView> View() => Task.FromResult(Current());

    public async Task Checkpoint(int episode, long steps)
    {
        if (episode <= state.State.Episode) return;
        state.State.Episode = episode;
        state.State.Steps = steps;
        await state.WriteStateAsync().ConfigureAwait(true);
    }

    private void Run()
    {
        var spec = state.State.Spec!;
        var runner = new EpisodeRunner(spec.Settings()) { Name = this.GetPrimaryKeyString() };
        runner.ResumeAt(state.State.Episode, state.State.Steps);
        _resumedAt = state.State.Episode;
        _runner = runner;
        var self = this.AsReference<ISimulationGrain>();
        runner.EpisodeCompleted += r => self.Checkpoint(runner.Episode, runner.FinishedSteps).Ignore();
        var ct = _stop.Token;
        _loop = Task.Run(() => SimulationLoop.RunAsync(runner, self, e =>
        {
            _error = e.Message;
            log.LogError(e, "simulation {Id} failed", runner.Name);
        }, ct), CancellationToken.None);
    }

    private SimulationView Current()
    {
        var s = state.State;
        var r = _runner;
        string status = s.Spec is null ? "unknown" : _error is not null ? "failed" : _loop.IsCompleted ? "completed" : "running";
        return new SimulationView(this.GetPrimaryKeyString(), s.Spec ?? new SimulationSpec(), status, silo.SiloAddress.ToString(),
            r?.Episode ?? s.Episode, r?.FinishedSteps ?? s.Steps, s.Activations, _resumedAt, _error);
    }
}

/// <summary>A simulation grain's episodes, run on the thread pool (outside the grain's turns); checkpoints go through the grain.</summary>
internal static class SimulationLoop
{
    public static async Task RunAsync(EpisodeRunner runner, ISimulationGrain self, Action<Exception> failed, CancellationToken ct)
    {
        try
        {
            await runner.RunAsync(ct).ConfigureAwait(false);
            await self.Checkpoint(runner.Episode, runner.FinishedSteps).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failed(e);
        }
    }
}
