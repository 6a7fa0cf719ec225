using Pwmk.Core.Beliefs;
using Pwmk.Core.Simulation;
using Pwmk.Core.WorldModel;
using Pwmk.Server.Persistence;
using Pwmk.Server.Hosting;
using Pwmk.Observability.Logging;

namespace Pwmk.Server.Simulation;

/// <summary>State of a simulation.</summary>
public enum SimulationStatus
{
    Running,
    Stopped,
    Completed,
    Failed,
}

/// <summary>
/// One simulation of the server: the simulation core (<see cref="EpisodeRunner"/>) run in the background, with what the
/// server adds around it: an id and a status, live chart histories, the state saved after episodes and resumed at start
/// (<see cref="SimulationPersistence"/>), and, for the background simulation, the server's durable belief store as the
/// agents' store (<see cref="SimulationBeliefs"/>).
/// </summary>
internal sealed class SimulationRun
{
    private readonly CancellationTokenSource _cts = new();
    private readonly SimulationBeliefs? _beliefs;
    private readonly SimulationPersistence? _persistence;
    private readonly ILogger _log;
    private readonly Lock _lock = new();

    public SimulationRun(string id, SimulationSettings settings, DurableBeliefStore? mirror, ILogger log, SimulationPersistence? persistence = null,
        TimeProvider? time = null)
    {
        Id = id;
        _log = log;
        Rewards = new MetricHistory(time: time);
        TrainingLoss = new MetricHistory(time: time);
        PlanRate = new MetricHistory(time: time);
        PredictionError = new MetricHistory(time: time);
        _persistence = persistence;
        _beliefs = mirror is null ? null : new SimulationBeliefs(mirror, log);
        Runner = new EpisodeRunner(settings, _beliefs, time) { Name = id, Timeline = new StepTimeline(TimelineSteps) };
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
            _persistence?.Save(this, force: false);
        };
        Started = (time ?? TimeProvider.System).GetUtcNow();
    }

    /// <summary>Steps each simulation keeps for replay (the oldest are dropped).</summary>
    public const int TimelineSteps = 500;

    public string Id { get; }

    /// <summary>The last <see cref="TimelineSteps"/> steps, for replay.</summary>
    public StepTimeline Timeline => Runner.Timeline!;

    /// <summary>The simulation core this run hosts.</summary>
    public EpisodeRunner Runner { get; }

    public SimulationSettings Parameters => Runner.Settings;
    public DateTimeOffset Started { get; }
    public SimulationStatus Status { get; private set; } = SimulationStatus.Running;
    public string? Error { get; private set; }
    public int Episode => Runner.Episode;

    /// <summary>The episode this run resumed at from the state directory, or null when it started fresh.</summary>
    public int? ResumedFrom { get; private set; }
    public int Step => Runner.Step;
    public long TotalSteps => Runner.TotalSteps;
    public double EpisodeReward => Runner.EpisodeReward;
    public bool MirrorsBeliefs => _beliefs is not null;

    /// <summary>True while the background simulation's belief changes cannot be journaled (they wait in memory).</summary>
    public bool BeliefsFailing => _beliefs?.Failing ?? false;
    public MetricHistory Rewards { get; }
    public MetricHistory TrainingLoss { get; }

    /// <summary>Per finished episode: the share of the agents' decisions taken from a plan (the rest were heuristic).</summary>
    public MetricHistory PlanRate { get; }

    /// <summary>Raised on the simulation's thread after each finished episode, with that episode's total reward.</summary>
    public event Action<double>? EpisodeFinished;

    /// <summary>Mean squared error of the world model's one-step prediction of everyone's observation, per step once a model exists.</summary>
    public MetricHistory PredictionError { get; }
    public IReadOnlyList<string> AgentNames => Runner.AgentNames;
    public string EnvName => Parameters.Env;
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts the loop in the background; it ends on <see cref="StopAsync"/>, on <paramref name="hostStopping"/> or after the episodes asked for.</summary>
    public void Start(CancellationToken hostStopping)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, hostStopping);
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
        using var scope = _log.BeginScope(new LogContext { SessionId = Id });
        try
        {
            // the simulation owns its agents' beliefs: whatever an earlier run (or a client) left there goes first
            if (_beliefs is not null) await _beliefs.WithdrawBeliefsOfAsync(Runner.AgentNames).ConfigureAwait(false);
            await Runner.RunAsync(ct).ConfigureAwait(false);
            SetStatus(SimulationStatus.Completed, null);
        }
        catch (OperationCanceledException)
        {
            SetStatus(SimulationStatus.Stopped, null);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or BeliefStoreException or KeyNotFoundException)
        {
            _log.SimulationFailed(e, Id);
            SetStatus(SimulationStatus.Failed, e.Message);
            return;
        }
        _persistence?.Save(this, force: true);
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
    internal T WithEnvironment<T>(Func<Pwmk.Core.Environments.PerspectiveEnv, T> use) => Runner.Inspect(use);

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
    internal WorldModelConfig ExpectedModelConfig() => Runner.WorldModel.ConfigFor(Runner.ObservationSize());

    internal WorldModelTrainer NewTrainer(PerspectiveWorldModel model) => Runner.WorldModel.NewTrainer(model);

    /// <summary>Continues from a saved state (before <see cref="Start"/>): episode, step counters, histories, world model and its trainer.</summary>
    internal void Resume(SimulationState state, PerspectiveWorldModel? model, WorldModelTrainer? trainer = null)
    {
        Runner.ResumeAt(state.Episode, state.TotalSteps);
        Runner.WorldModel.Restore(model, trainer);
        Rewards.Restore(state.Rewards);
        TrainingLoss.Restore(state.TrainingLoss);
        PredictionError.Restore(state.PredictionError);
        ResumedFrom = state.Episode;
    }

    /// <summary>The state as of the end of the last finished episode; <paramref name="model"/> is the world model to checkpoint with it.</summary>
    internal SimulationState CaptureState(out PerspectiveWorldModel? model, out WorldModelTrainer? trainer)
    {
        model = Runner.WorldModel.Model;
        trainer = model is null ? null : Runner.WorldModel.Trainer;
        int episode = Runner.Episode;
        return new SimulationState
        {
            Env = Parameters.Env,
            Agents = Parameters.Agents,
            TomDepth = Parameters.TomDepth,
            Seed = Parameters.Seed,
            MaxStepsPerEpisode = Parameters.MaxStepsPerEpisode,
            Planner = Parameters.Planner,
            Episode = episode,
            TotalSteps = Runner.FinishedSteps,
            Rewards = Rewards.Snapshot(),
            TrainingLoss = TrainingLoss.Snapshot(),
            PredictionError = PredictionError.Snapshot(),
            ModelFile = model is null ? null : SimulationStateFile.ModelFileName(episode),
            ModelConfig = model?.Config,
            OptimizerFile = trainer is null ? null : SimulationStateFile.OptimizerFileName(episode),
            SavedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>True when the world model has been trained at least once.</summary>
    public bool HasWorldModel => Runner.WorldModel.Model is not null;

    /// <summary>Saves the world model checkpoint (when one was trained).</summary>
    public void SaveWorldModel(string path) => Runner.WorldModel.Model?.Save(path);
}

/// <summary>What one agent believes, for the API and the belief graph.</summary>
public sealed record AgentView(string Id, int TomDepth, IReadOnlyList<BeliefView> Beliefs);

/// <summary>One belief: the chain of believers (outermost first), the fact believed, the stored fact, its depth, and whether it is false.</summary>
public sealed record BeliefView(IReadOnlyList<string> Chain, string Fact, string Belief, int Depth, bool False);
