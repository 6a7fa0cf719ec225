using Microsoft.Extensions.Logging;
using Pwmk.Core.Beliefs;
using Pwmk.Core.Simulation;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cluster.Simulation;

/// <summary>State of a simulation.</summary>
public enum SimulationStatus
{
    /// <summary>Its loop runs.</summary>
    Running,

    /// <summary>Stopped on request (or by the host stopping).</summary>
    Stopped,

    /// <summary>Ran the episodes asked for.</summary>
    Completed,

    /// <summary>Ended with an error.</summary>
    Failed,
}

/// <summary>The beliefs a simulation's agents read and write when they are not the simulation's own (a server's durable store).</summary>
public interface ISimulationBeliefs : IBeliefStore
{
    /// <summary>True while belief changes cannot be made durable and wait in memory.</summary>
    bool Failing { get; }

    /// <summary>Withdraws every belief of <paramref name="agents"/> (the simulation owns them) before it starts.</summary>
    Task WithdrawBeliefsOfAsync(IEnumerable<string> agents, CancellationToken cancellationToken = default);
}

/// <summary>Where a simulation saves its state as it goes (after finished episodes, and once more when its loop ends).</summary>
public interface ISimulationCheckpoints
{
    /// <summary>Saves <paramref name="run"/>'s state as of its last finished episode (at most now and then unless <paramref name="force"/>); never throws on I/O errors.</summary>
    void Save(SimulationRun run, bool force);
}

/// <summary>
/// One simulation: the simulation core (<see cref="EpisodeRunner"/>) run in the background, with what a server adds
/// around it: an id and a status, live chart histories, a replay timeline, views of the world and the agents' beliefs, and
/// its state saved after episodes (<see cref="ISimulationCheckpoints"/>) and resumed before it starts (<see cref="Resume"/>).
/// The same run is hosted by plain <c>pwmk serve</c> and by a cluster's simulation grain.
/// </summary>
public sealed class SimulationRun
{
    private readonly CancellationTokenSource _cts = new();
    private readonly ISimulationBeliefs? _beliefs;
    private readonly ISimulationCheckpoints? _checkpoints;
    private readonly ILogger _log;
    private readonly Lock _lock = new();

    /// <summary>A run of <paramref name="settings"/>; its agents use <paramref name="beliefs"/> when given, else a store of their own.</summary>
    public SimulationRun(string id, SimulationSettings settings, ISimulationBeliefs? beliefs, ILogger log, ISimulationCheckpoints? checkpoints = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Id = id;
        _log = log;
        Rewards = new MetricHistory(time: time);
        TrainingLoss = new MetricHistory(time: time);
        PlanRate = new MetricHistory(time: time);
        PredictionError = new MetricHistory(time: time);
        _checkpoints = checkpoints;
        _beliefs = beliefs;
        Runner = new EpisodeRunner(settings, beliefs, time) { Name = id, Timeline = new StepTimeline(TimelineSteps) };
        Runner.StepCompleted += r =>
        {
            if (r.PredictionError is { } e) PredictionError.Add(e);
        };
        Runner.EpisodeCompleted += r =>
        {
            Rewards.Add(r.Reward);
            int decisions = r.PlannedDecisions + r.HeuristicDecisions;
            if (decisions > 0) PlanRate.Add((double)r.PlannedDecisions / decisions);
            if (r.TrainingLoss is { } loss) TrainingLoss.Add(loss);
            EpisodeFinished?.Invoke(r.Reward);
            _checkpoints?.Save(this, force: false);
        };
        Started = (time ?? TimeProvider.System).GetUtcNow();
    }

    /// <summary>Steps each simulation keeps for replay (the oldest are dropped).</summary>
    public const int TimelineSteps = 500;

    /// <summary>Its id.</summary>
    public string Id { get; }

    /// <summary>State a log scope is opened with around the loop (so every line it logs names the simulation), or null.</summary>
    public object? LogScope { get; init; }

    /// <summary>Called when the loop fails (after which <see cref="Status"/> is <see cref="SimulationStatus.Failed"/>).</summary>
    public Action<Exception>? Failed { get; init; }

    /// <summary>The last <see cref="TimelineSteps"/> steps, for replay.</summary>
    public StepTimeline Timeline => Runner.Timeline!;

    /// <summary>The simulation core this run hosts.</summary>
    public EpisodeRunner Runner { get; }

    /// <summary>What it runs.</summary>
    public SimulationSettings Parameters => Runner.Settings;

    /// <summary>When it was made.</summary>
    public DateTimeOffset Started { get; }

    /// <summary>Its state now: <see cref="SimulationStatus.Stopped"/> until <see cref="Start"/>.</summary>
    public SimulationStatus Status { get; private set; } = SimulationStatus.Stopped;

    /// <summary>Why it failed, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>The episode running (episodes finished).</summary>
    public int Episode => Runner.Episode;

    /// <summary>The episode this run resumed at from a saved state, or null when it started fresh.</summary>
    public int? ResumedFrom { get; private set; }

    /// <summary>The episode of the world model checkpoint it resumed with, or null when it started with no model.</summary>
    public int? ModelResumedFrom { get; private set; }

    /// <summary>The step of the running episode.</summary>
    public int Step => Runner.Step;

    /// <summary>Steps run, the running episode's included.</summary>
    public long TotalSteps => Runner.TotalSteps;

    /// <summary>The running episode's reward so far.</summary>
    public double EpisodeReward => Runner.EpisodeReward;

    /// <summary>True when its agents' beliefs are the server's store (<see cref="ISimulationBeliefs"/>).</summary>
    public bool MirrorsBeliefs => _beliefs is not null;

    /// <summary>True while the simulation's belief changes cannot be made durable (they wait in memory).</summary>
    public bool BeliefsFailing => _beliefs?.Failing ?? false;

    /// <summary>Each finished episode's total reward.</summary>
    public MetricHistory Rewards { get; }

    /// <summary>Each online training's loss.</summary>
    public MetricHistory TrainingLoss { get; }

    /// <summary>Per finished episode: the share of the agents' decisions taken from a plan (the rest were heuristic).</summary>
    public MetricHistory PlanRate { get; }

    /// <summary>Raised on the simulation's thread after each finished episode, with that episode's total reward.</summary>
    public event Action<double>? EpisodeFinished;

    /// <summary>Mean squared error of the world model's one-step prediction of everyone's observation, per step once a model exists.</summary>
    public MetricHistory PredictionError { get; }

    /// <summary>Its agents' names.</summary>
    public IReadOnlyList<string> AgentNames => Runner.AgentNames;

    /// <summary>Its environment's name.</summary>
    public string EnvName => Parameters.Env;

    /// <summary>Completes when the loop has ended.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts the loop in the background; it ends on <see cref="StopAsync"/>, on <paramref name="hostStopping"/> or after the episodes asked for.</summary>
    public void Start(CancellationToken hostStopping)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, hostStopping);
        SetStatus(SimulationStatus.Running, null);
        // background work with a context of its own: not the starting request's log scope, span or probe scope
        using (ExecutionContext.SuppressFlow())
            Completion = Task.Run(() => RunAsync(linked.Token), CancellationToken.None).ContinueWith(_ => linked.Dispose(), TaskScheduler.Default);
    }

    /// <summary>Asks the loop to stop; returns when it has.</summary>
    public async Task StopAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        await Completion.ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        // every line the simulation logs (and the journal logs for it) names it
        using var scope = LogScope is null ? null : _log.BeginScope(LogScope);
        try
        {
            // the simulation owns its agents' beliefs: whatever an earlier run (or a client) left there goes first
            if (_beliefs is not null) await _beliefs.WithdrawBeliefsOfAsync(Runner.AgentNames, ct).ConfigureAwait(false);
            await Runner.RunAsync(ct).ConfigureAwait(false);
            SetStatus(SimulationStatus.Completed, null);
        }
        catch (OperationCanceledException)
        {
            SetStatus(SimulationStatus.Stopped, null);
        }
        catch (Exception e)
        {
            // whatever ends the loop is its status: a loop that died silently would be listed running for ever
            if (Failed is null) _log.LogError(e, "simulation {Id} failed", Id);
            else Failed(e);
            SetStatus(SimulationStatus.Failed, e.Message);
            return;
        }
        _checkpoints?.Save(this, force: true);
    }

    private void SetStatus(SimulationStatus status, string? error)
    {
        lock (_lock)
        {
            Status = status;
            Error = error;
        }
    }

    // ------------------------------------------------------------------ views

    /// <summary>Runs <paramref name="use"/> on the environment as it is now; simulation steps wait until it returns (keep it bounded).</summary>
    public T WithEnvironment<T>(Func<Pwmk.Core.Environments.PerspectiveEnv, T> use) => Runner.Inspect(use);

    /// <summary>The world as text: seen by everyone (agent null) or by one agent (cells it cannot see are '?').</summary>
    public string Render(string? agent) => Runner.Inspect(env => env.Render(agent));

    /// <summary>Each agent's beliefs now, with whether each is false (differs from the latest true value).</summary>
    public IReadOnlyList<AgentView> Agents()
    {
        var held = Runner.HeldBeliefs();
        return Runner.Inspect(env =>
        {
            var v = env.Vocabulary;
            var byAgent = env.Agents.Select(_ => new List<BeliefView>()).ToArray();
            foreach (var b in held)
            {
                byAgent[b.Chain[0]].Add(new BeliefView(
                    [.. b.Chain.Select(v.AgentName)], v.Fact(b.Fluent, b.Value).ToString(), v.BeliefFact(b.Chain, b.Fluent, b.Value).ToString(),
                    b.Chain.Length, b.False));
            }
            return (IReadOnlyList<AgentView>)[.. env.Agents.Select((a, i) => new AgentView(a, Parameters.TomDepth, byAgent[i]))];
        });
    }

    // ------------------------------------------------------------------ persistence

    /// <summary>The sizes of the world model this simulation trains (a saved checkpoint must have exactly these).</summary>
    public WorldModelConfig ExpectedModelConfig() => Runner.WorldModel.ConfigFor(Runner.ObservationSize());

    /// <summary>A trainer for <paramref name="model"/> as the simulation makes it (to restore a saved optimiser state into).</summary>
    public WorldModelTrainer NewTrainer(PerspectiveWorldModel model) => Runner.WorldModel.NewTrainer(model);

    /// <summary>
    /// Continues from a saved state (before <see cref="Start"/>): the episodes and steps finished, the histories, the world
    /// model (saved at episode <paramref name="modelEpisode"/>) and its trainer.
    /// </summary>
    public void Resume(int episode, long totalSteps, IEnumerable<MetricPoint> rewards, IEnumerable<MetricPoint> trainingLoss,
        IEnumerable<MetricPoint> predictionError, PerspectiveWorldModel? model, WorldModelTrainer? trainer = null, int? modelEpisode = null)
    {
        Runner.ResumeAt(episode, totalSteps);
        Runner.WorldModel.Restore(model, trainer);
        Rewards.Restore(rewards);
        TrainingLoss.Restore(trainingLoss);
        PredictionError.Restore(predictionError);
        ResumedFrom = episode;
        ModelResumedFrom = model is null ? null : modelEpisode ?? episode;
    }

    /// <summary>True when the world model has been trained at least once.</summary>
    public bool HasWorldModel => Runner.WorldModel.Model is not null;

    /// <summary>Saves the world model checkpoint (when one was trained).</summary>
    public void SaveWorldModel(string path) => Runner.WorldModel.Model?.Save(path);
}

/// <summary>What one agent believes, for the API and the belief graph.</summary>
[GenerateSerializer, Immutable, Alias("pwmk.agent-view")]
public sealed record AgentView([property: Id(0)] string Id, [property: Id(1)] int TomDepth, [property: Id(2)] IReadOnlyList<BeliefView> Beliefs);

/// <summary>One belief: the chain of believers (outermost first), the fact believed, the stored fact, its depth, and whether it is false.</summary>
[GenerateSerializer, Immutable, Alias("pwmk.belief-view")]
public sealed record BeliefView([property: Id(0)] IReadOnlyList<string> Chain, [property: Id(1)] string Fact, [property: Id(2)] string Belief,
    [property: Id(3)] int Depth, [property: Id(4)] bool False);
