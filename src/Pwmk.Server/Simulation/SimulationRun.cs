using Pwmk.Core.Agents;
using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Core.WorldModel;
using Pwmk.Logic.Terms;
using Pwmk.Server.Persistence;

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
/// One running simulation: an environment, ToM agents choosing actions from their own nested beliefs,
/// episodes after episodes, and a world model trained online on each finished episode. Optionally mirrors
/// the agents' beliefs into the server's belief store. Thread-safe: a lock guards the world between steps.
/// </summary>
internal sealed class SimulationRun
{
    private const int TrainWindow = 64;
    private static readonly System.Diagnostics.ActivitySource StepSource = new("Pwmk");
    private readonly Lock _lock = new();
    private readonly DurableBeliefStore? _mirror;
    private readonly HashSet<Term> _exported = [];
    private readonly HashSet<Term> _ledger = [];
    private readonly HashSet<Term> _maybeLeft = [];
    private readonly CancellationTokenSource _cts = new();
    private readonly PerspectiveEnv _env;
    private Random _rng;
    private readonly SimulationPersistence? _persistence;
    private long _finishedSteps;
    private readonly ILogger _log;
    private ToMAgent[] _agents = [];
    private PerspectiveWorldModel? _model;
    private WorldModelTrainer? _trainer;
    private readonly Dictionary<int, int> _truth = [];
    private int _historySeen;
    private long _lastMirror;
    private bool _mirrorFailing;

    public SimulationRun(string id, SimulationParameters parameters, DurableBeliefStore? mirror, ILogger log, SimulationPersistence? persistence = null)
    {
        Id = id;
        Parameters = parameters;
        _mirror = mirror;
        _log = log;
        _persistence = persistence;
        _env = CreateEnv(parameters);
        _rng = new Random(SimulationState.EpisodeSeed(parameters.Seed, 0));
        Started = DateTimeOffset.UtcNow;
    }

    public string Id { get; }
    public SimulationParameters Parameters { get; }
    public DateTimeOffset Started { get; }
    public SimulationStatus Status { get; private set; } = SimulationStatus.Running;
    public string? Error { get; private set; }
    public int Episode { get; private set; }

    /// <summary>The episode this run resumed at from the state directory, or null when it started fresh.</summary>
    public int? ResumedFrom { get; private set; }
    public int Step { get; private set; }
    public long TotalSteps { get; private set; }
    public double EpisodeReward { get; private set; }
    public bool MirrorsBeliefs => _mirror is not null;
    public MetricHistory Rewards { get; } = new();
    public MetricHistory TrainingLoss { get; } = new();

    /// <summary>Raised on the simulation's thread after each finished episode, with that episode's total reward.</summary>
    public event Action<double>? EpisodeFinished;

    /// <summary>Mean squared error of the world model's one-step prediction of everyone's observation, per step once a model exists.</summary>
    public MetricHistory PredictionError { get; } = new();
    public IReadOnlyList<string> AgentNames => _env.Agents;
    public string EnvName => Parameters.Env;
    public Task Completion { get; private set; } = Task.CompletedTask;

    internal static PerspectiveEnv CreateEnv(SimulationParameters p) => p.Env switch
    {
        "hide-and-seek" => new HideAndSeek(arenaSize: 12, numHiders: (p.Agents + 1) / 2, numSeekers: p.Agents / 2, episodeLength: 100, beliefDepth: p.TomDepth),
        "rooms" => new RoomsWorld([.. Enumerable.Range(0, p.Agents).Select(i => "agent_" + i)], DefaultRooms(), beliefDepth: p.TomDepth),
        _ => new MultiAgentBoxWorld(gridSize: 10, numAgents: p.Agents, numBoxes: 3, viewRadius: 2, maxSteps: 200, beliefDepth: p.TomDepth),
    };

    private static RoomsLayout DefaultRooms() => new RoomsLayout()
        .AddContainer("basket", "living_room").AddContainer("box", "kitchen").AddContainer("drawer", "bedroom")
        .AddObject("marble", "basket").AddObject("key", "drawer");

    /// <summary>Starts the loop on its own thread; it ends on <see cref="StopAsync"/>, on <paramref name="hostStopping"/> or after the episodes asked for.</summary>
    public void Start(CancellationToken hostStopping)
    {
        if (_mirror is not null && _persistence is not null)
        {
            // what an earlier run (stopped or killed mid-episode) left in the store: withdrawn on the first mirror
            // unless the agents believe it again
            // (the ledger is a superset: each may or may not be in the store)
            var left = _persistence.LoadMirrorLedger();
            _maybeLeft.UnionWith(left);
            _ledger.UnionWith(left);
        }
        var linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, hostStopping);
        Completion = Task.Factory.StartNew(() => Run(linked.Token), linked.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .ContinueWith(_ => linked.Dispose(), TaskScheduler.Default);
    }

    /// <summary>Asks the loop to stop; returns when it has.</summary>
    public async Task StopAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        await Completion.ConfigureAwait(false);
    }

    private void Run(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested && (Parameters.Episodes == 0 || Episode < Parameters.Episodes))
            {
                RunEpisode(ct);
            }
            lock (_lock) Status = ct.IsCancellationRequested ? SimulationStatus.Stopped : SimulationStatus.Completed;
            _persistence?.Save(this, force: true);
        }
        catch (OperationCanceledException)
        {
            lock (_lock) Status = SimulationStatus.Stopped;
            _persistence?.Save(this, force: true);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or BeliefStoreException or KeyNotFoundException)
        {
            _log.LogError(e, "simulation {Id} failed", Id);
            lock (_lock)
            {
                Status = SimulationStatus.Failed;
                Error = e.Message;
            }
        }
        MirrorBeliefs(force: true);
    }

    private void RunEpisode(CancellationToken ct)
    {
        int n = _env.Agents.Count;
        StepResult result;
        var observations = new List<float[]>();
        var actions = new List<int[]>();
        // one span per episode, parent of its env_step spans (this thread runs nothing else meanwhile)
        using var episodeSpan = StepSource.StartActivity("episode");
        episodeSpan?.SetTag("simulation.id", Id);
        episodeSpan?.SetTag("simulation.episode", Episode);
        episodeSpan?.SetTag("env.type", Parameters.Env);
        episodeSpan?.SetTag("env.num_agents", n);
        lock (_lock)
        {
            result = _env.Reset(Parameters.Seed * 7919 + Episode);
            _rng = new Random(SimulationState.EpisodeSeed(Parameters.Seed, Episode));
            TotalSteps = _finishedSteps;
            // the agents plan (epistemic planner over the environment's own rules): in the box world to fetch the key,
            // in the rooms to correct what another agent falsely believes, in hide-and-seek to slip away unseen
            _agents = [.. _env.Agents.Select(a => new ToMAgent(_env, a, Parameters.TomDepth,
                policy: new PlanningPolicy(PlanningPolicy.SimulationGoal, searchDepth: 8),
                seed: Parameters.Seed + Episode))];
            Step = 0;
            EpisodeReward = 0;
            _truth.Clear();
            _historySeen = 0;
            Observe(result);
            observations.Add(Flatten(result));
        }
        var chosen = new int[n];
        while (!ct.IsCancellationRequested && Step < Parameters.MaxStepsPerEpisode)
        {
            // one span per simulation step: the agents deciding, the world model's prediction, the transition, the
            // agents' belief updates and the mirror into the server's store (the environment annotates this span)
            using var stepSpan = StepSource.StartActivity(PerspectiveEnv.StepSpanName);
            stepSpan?.SetTag("simulation.id", Id);
            stepSpan?.SetTag("simulation.episode", Episode);
            lock (_lock)
            {
                for (int i = 0; i < n; i++)
                {
                    chosen[i] = _rng.NextDouble() < 0.1 ? _env.ActionSpace(_env.Agents[i]).Sample(_rng) : _agents[i].ActWithTom();
                }
                var predicted = Predict(observations[^1], chosen);
                result = _env.Step(chosen);
                actions.Add((int[])chosen.Clone());
                observations.Add(Flatten(result));
                if (predicted is not null) PredictionError.Add(Mse(predicted, observations[^1]));
                Observe(result);
                Step++;
                TotalSteps++;
                foreach (var r in result.Rewards.Values) EpisodeReward += r;
            }
            MirrorBeliefs(force: false);
            stepSpan?.Stop();
            if (result.Done) break;
            if (Parameters.StepDelayMs > 0) ct.WaitHandle.WaitOne(Parameters.StepDelayMs);
        }
        episodeSpan?.SetTag("episode.steps", Step);
        episodeSpan?.SetTag("episode.reward", EpisodeReward);
        if (ct.IsCancellationRequested)
        {
            episodeSpan?.SetTag("episode.cancelled", true);
            return;
        }
        episodeSpan?.SetTag("episode.success", result.Terminations.Values.Any(t => t));
        Rewards.Add(EpisodeReward);
        if (Parameters.Train && actions.Count > 0) TrainOnline(observations, actions);
        lock (_lock)
        {
            Episode++;
            _finishedSteps = TotalSteps;
        }
        EpisodeFinished?.Invoke(EpisodeReward);
        _persistence?.Save(this, force: false);
    }

    private void Observe(StepResult result)
    {
        for (int i = 0; i < _agents.Length; i++) _agents[i].UpdateBeliefs(result.Observations[i]);
        var history = _env.History;
        for (; _historySeen < history.Count; _historySeen++) _truth[history[_historySeen].Fluent] = history[_historySeen].Value;
    }

    private static float[] Flatten(StepResult result)
    {
        int n = result.Observations.Count;
        int size = result.Observations[0].Vector.Length;
        var flat = new float[n * size];
        for (int i = 0; i < n; i++) result.Observations[i].Vector.CopyTo(flat, i * size);
        return flat;
    }

    /// <summary>The online world model's prediction of the next observations (all agents), or null before the first training.</summary>
    private float[]? Predict(float[] observation, int[] chosen) =>
        _model is null ? null : _model.Forward(observation, chosen, null, batchSize: 1).NextObservations;

    private static double Mse(float[] predicted, float[] actual)
    {
        double sum = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = predicted[i] - actual[i];
            sum += d * d;
        }
        return actual.Length == 0 ? 0 : sum / actual.Length;
    }

    private void TrainOnline(List<float[]> observations, List<int[]> actions)
    {
        int n = _env.Agents.Count;
        int obsDim = observations[0].Length / n;
        int steps = Math.Min(TrainWindow, actions.Count);
        int start = actions.Count - steps;
        if (_model is null)
        {
            var model = new PerspectiveWorldModel(ModelConfigFor(obsDim));
            lock (_lock) _model = model;
        }
        _trainer ??= NewTrainer(_model);
        var obs = new float[(steps + 1) * n * obsDim];
        var act = new int[steps * n];
        for (int t = 0; t <= steps; t++) observations[start + t].CopyTo(obs, t * n * obsDim);
        for (int t = 0; t < steps; t++) actions[start + t].CopyTo(act, t * n);
        var data = new TrajectoryDataset(1, steps, n, obsDim, 0, obs, act, [], [], [steps]);
        var fit = _trainer!.Fit(data, null, epochs: 1);
        if (fit.History.Count > 0) TrainingLoss.Add(fit.History[^1].TrainLoss);
    }

    /// <summary>
    /// Copies the agents' beliefs into the server's belief store (at most every 250 ms unless forced) through its
    /// journal, with batched fsync. When the journal cannot be written nothing is applied and the next call retries the diff.
    /// </summary>
    private void MirrorBeliefs(bool force)
    {
        if (_mirror is null) return;
        long now = Environment.TickCount64;
        if (!force && now - _lastMirror < 250) return;
        _lastMirror = now;
        var current = new HashSet<Term>();
        lock (_lock)
        {
            foreach (var a in _agents)
                foreach (var (chain, fluent, value) in a.Beliefs.Beliefs())
                    current.Add(_env.Vocabulary.BeliefFact(chain, fluent, value));
        }
        var changes = new List<BeliefChange>();
        foreach (var old in _exported)
            if (!current.Contains(old)) changes.Add(new BeliefChange(JournalOp.Retract, old));
        foreach (var old in _maybeLeft)
            if (!current.Contains(old) && !_exported.Contains(old)) changes.Add(new BeliefChange(JournalOp.Retract, old));
        foreach (var fact in current)
            if (!_exported.Contains(fact)) changes.Add(new BeliefChange(JournalOp.Assert, fact));
        if (changes.Count > 0)
        {
            if (_persistence is not null && !_ledger.IsSupersetOf(current))
            {
                // the ledger must name every fact that may be in the store before it is: a resumed run withdraws them
                _ledger.Clear();
                _ledger.UnionWith(_exported);
                _ledger.UnionWith(current);
                if (!_persistence.SaveMirrorLedger(_ledger))
                {
                    _ledger.Clear();
                    _ledger.UnionWith(_exported);
                    return;
                }
            }
            try
            {
                _mirror.CommitAsync(changes, simulation: true).GetAwaiter().GetResult();
            }
            catch (StateUnavailableException e)
            {
                if (!_mirrorFailing) _log.LogWarning("simulation {Id}: beliefs not mirrored: {Message}", Id, e.Message);
                _mirrorFailing = true;
                return;
            }
        }
        _mirrorFailing = false;
        _maybeLeft.Clear();
        _exported.Clear();
        _exported.UnionWith(current);
    }

    /// <summary>The world as text: seen by everyone (agent null) or by one agent (cells it cannot see are '?').</summary>
    /// <summary>Runs <paramref name="use"/> on the environment as it is now; simulation steps wait until it returns (keep it bounded).</summary>
    internal T WithEnvironment<T>(Func<PerspectiveEnv, T> use)
    {
        lock (_lock) return use(_env);
    }

    public string Render(string? agent)
    {
        lock (_lock) return _env.Render(agent);
    }

    /// <summary>Each agent's beliefs now, with whether each is false (differs from the latest true value).</summary>
    public IReadOnlyList<AgentView> Agents()
    {
        lock (_lock)
        {
            var list = new List<AgentView>(_agents.Length);
            foreach (var a in _agents)
            {
                var beliefs = new List<BeliefView>();
                foreach (var (chain, fluent, value) in a.Beliefs.Beliefs())
                {
                    bool isFalse = _truth.TryGetValue(fluent, out int truth) && truth != value;
                    beliefs.Add(new BeliefView(
                        [.. chain.Select(c => _env.Vocabulary.AgentName(c))],
                        _env.Vocabulary.Fact(fluent, value).ToString(),
                        _env.Vocabulary.BeliefFact(chain, fluent, value).ToString(),
                        chain.Length,
                        isFalse));
                }
                list.Add(new AgentView(a.Id, a.TomDepth, beliefs));
            }
            return list;
        }
    }

    private WorldModelConfig ModelConfigFor(int obsDim) =>
        new(obsDim, _env.ActionSpace(_env.Agents[0]).N, HiddenDim: 32, NumAgents: _env.Agents.Count, NumBeliefs: 1, NumLayers: 1, NumHeads: 2, Seed: (ulong)Parameters.Seed);

    internal WorldModelTrainer NewTrainer(PerspectiveWorldModel model) =>
        new(model, new TrainerConfig { BatchSize = 16, LearningRate = 3e-3f, Seed = (ulong)Parameters.Seed });

    /// <summary>The sizes of the world model this simulation trains (a saved checkpoint must have exactly these).</summary>
    internal WorldModelConfig ExpectedModelConfig()
    {
        lock (_lock)
        {
            var first = _env.Reset(Parameters.Seed * 7919 + Episode);
            return ModelConfigFor(first.Observations[0].Vector.Length);
        }
    }

    /// <summary>Continues from a saved state (before <see cref="Start"/>): episode, step counters, histories, world model and its trainer.</summary>
    internal void Resume(SimulationState state, PerspectiveWorldModel? model, WorldModelTrainer? trainer = null)
    {
        lock (_lock)
        {
            Episode = state.Episode;
            TotalSteps = _finishedSteps = state.TotalSteps;
            _rng = new Random(SimulationState.EpisodeSeed(Parameters.Seed, Episode));
            Rewards.Restore(state.Rewards);
            TrainingLoss.Restore(state.TrainingLoss);
            PredictionError.Restore(state.PredictionError);
            _model = model;
            _trainer = model is null ? null : trainer;
            ResumedFrom = state.Episode;
        }
    }

    /// <summary>The state as of the end of the last finished episode; <paramref name="model"/> is the world model to checkpoint with it.</summary>
    internal SimulationState CaptureState(out PerspectiveWorldModel? model, out WorldModelTrainer? trainer)
    {
        lock (_lock)
        {
            model = _model;
            trainer = _model is null ? null : _trainer;
            return new SimulationState
            {
                Env = Parameters.Env,
                Agents = Parameters.Agents,
                TomDepth = Parameters.TomDepth,
                Seed = Parameters.Seed,
                MaxStepsPerEpisode = Parameters.MaxStepsPerEpisode,
                Episode = Episode,
                TotalSteps = _finishedSteps,
                Rewards = Rewards.Snapshot(),
                TrainingLoss = TrainingLoss.Snapshot(),
                PredictionError = PredictionError.Snapshot(),
                ModelFile = _model is null ? null : Persistence.SimulationStateFile.ModelFileName(Episode),
                ModelConfig = _model?.Config,
                OptimizerFile = _model is null || _trainer is null ? null : Persistence.SimulationStateFile.OptimizerFileName(Episode),
                SavedAt = DateTimeOffset.UtcNow,
            };
        }
    }

    /// <summary>True when the world model has been trained at least once.</summary>
    public bool HasWorldModel => _model is not null;

    /// <summary>Saves the world model checkpoint (when one was trained).</summary>
    public void SaveWorldModel(string path)
    {
        lock (_lock) _model?.Save(path);
    }
}

/// <summary>What one agent believes, for the API and the belief graph.</summary>
public sealed record AgentView(string Id, int TomDepth, IReadOnlyList<BeliefView> Beliefs);

/// <summary>One belief: the chain of believers (outermost first), the fact believed, the stored fact, its depth, and whether it is false.</summary>
public sealed record BeliefView(IReadOnlyList<string> Chain, string Fact, string Belief, int Depth, bool False);
