using System.Diagnostics;
using Pwmk.Core.Agents;
using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;
using Pwmk.Core.Planning;

namespace Pwmk.Core.Simulation;

/// <summary>What one step did, reported after its belief changes reached the store.</summary>
/// <param name="Episode">The episode (0-based).</param>
/// <param name="Step">Steps taken in the episode so far (1-based: the step just taken).</param>
/// <param name="Reward">Sum of the agents' rewards for this step.</param>
/// <param name="PredictionError">Mean squared error of the world model's prediction of every agent's observation, or null before it was first trained.</param>
/// <param name="Done">Whether the episode ended with this step.</param>
public sealed record StepReport(int Episode, int Step, double Reward, double? PredictionError, bool Done);

/// <summary>What one finished episode did.</summary>
/// <param name="Episode">The episode (0-based).</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="Reward">Sum of every agent's rewards over the episode.</param>
/// <param name="Success">Whether an agent's task ended it (a termination, not the step limit).</param>
/// <param name="TrainingLoss">The world model's training loss on this episode, or null when it was not trained.</param>
public sealed record EpisodeReport(int Episode, int Steps, double Reward, bool Success, double? TrainingLoss)
{
    /// <summary>Decisions the agents took from a plan in this episode.</summary>
    public int PlannedDecisions { get; init; }

    /// <summary>Decisions left to the environment's built-in behaviour (no goal, or no plan within the budget).</summary>
    public int HeuristicDecisions { get; init; }

    /// <summary>Distinct goals (agent and goal) the agents set out to reach in this episode.</summary>
    public int GoalsPursued { get; init; }

    /// <summary>Of <see cref="GoalsPursued"/>, those that held in the real environment at a later step of the episode.</summary>
    public int GoalsReached { get; init; }
}

/// <summary>Something an agent said in a simulation, true or not (a lie when <paramref name="True"/> is false).</summary>
/// <param name="Episode">The episode (0-based).</param>
/// <param name="Step">The step it was said in (1-based).</param>
/// <param name="Speaker">Who said it.</param>
/// <param name="Public">A public claim (everyone in the room heard it, and knows who did) or a private tell.</param>
/// <param name="Listeners">Who heard it, the speaker aside.</param>
/// <param name="Trusting">The listeners who believed it (trusted the speaker).</param>
/// <param name="Fact">What was claimed, e.g. <c>at(key, drawer)</c>.</param>
/// <param name="True">Whether it was so when said.</param>
public sealed record SaidClaim(int Episode, int Step, string Speaker, bool Public, IReadOnlyList<string> Listeners, IReadOnlyList<string> Trusting,
    string Fact, bool True);

/// <summary>A belief held now by a chain of agents (outermost first), with whether it differs from the latest true value.</summary>
public readonly record struct HeldBelief(int[] Chain, int Fluent, int Value, bool False);

/// <summary>
/// The simulation core: one environment, ToM agents acting on their nested beliefs, episode after episode, and a world
/// model trained online on each finished episode. It is what <c>pwmk serve</c>, <c>pwmk simulate</c> and, in a cluster, the
/// simulation grains run.
/// <para>
/// One step: each agent chooses (with chance <see cref="SimulationSettings.Exploration"/> at random, otherwise
/// <see cref="ToMAgent.ActWithTom"/>: its <see cref="PlanningPolicy"/>, else its environment's heuristic), the world model
/// predicts, the environment steps and emits events with their witnesses, the environment's perspective tracker turns
/// them into belief changes, and those changes go once, incrementally, through <see cref="IBeliefSink.ApplyAsync"/> into
/// the belief store the host plugged in (the journaled store in the server, an in-memory one elsewhere) before the next
/// step. The agents read their beliefs from that store and plan over it: the store is the agents' minds.
/// </para>
/// <para>
/// Telemetry: each episode is a root trace (span <c>episode</c>) linked to the activity that created the runner (the
/// request that started the simulation), with one <c>env_step</c> span per step holding the agents' planning, the world
/// model's prediction, the environment's step and the belief updates. Randomness comes from the settings' seed and the
/// episode number only, so an episode can be replayed exactly. The views (<see cref="Inspect"/>,
/// <see cref="HeldBeliefs"/>) may be read from other threads; the episode loop runs on one.
/// </para>
/// </summary>
public sealed class EpisodeRunner
{
    /// <summary>States an agent's planner expands at most per decision (the deterministic budget).</summary>
    public const int PlanningNodes = 2_000;

    /// <summary>A safety net only: a decision's search never runs longer than this (it ends at <see cref="PlanningNodes"/> first).</summary>
    private static readonly TimeSpan PlanningBudget = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly PerspectiveEnv _env;
    private readonly IBeliefStore _beliefs;
    private readonly List<BeliefChange> _changes = [];
    private readonly TimeProvider _time;
    private readonly ActivityContext _startedBy;
    private readonly Dictionary<int, int> _truth = [];
    private readonly Queue<SaidClaim> _said = new();
    private readonly Dictionary<(int Agent, string Goal), (Goal Goal, bool Reached)> _goals = [];
    private long _claims, _lies;
    private ToMAgent[] _agents = [];
    private Random _rng;
    private int _historySeen;
    private float[] _observed = [];
    private Dictionary<int, string>? _actionNames;
    private long _finishedSteps;

    /// <param name="settings">What to run (validated: a bad value throws <see cref="ArgumentException"/> naming it).</param>
    /// <param name="beliefs">The store the environment's belief changes go to and the agents read; null: a private in-memory store.</param>
    /// <param name="time">The clock of the pause between steps (tests pass a fake one).</param>
    public EpisodeRunner(SimulationSettings settings, IBeliefStore? beliefs = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } problem) throw new ArgumentException(problem, nameof(settings));
        Settings = settings;
        _env = EnvironmentCatalog.Create(settings);
        _env.Tracker!.ChangeLog = _changes;
        _beliefs = beliefs ?? new InMemoryBeliefStore();
        _time = time ?? TimeProvider.System;
        _startedBy = Activity.Current?.Context ?? default;
        _rng = new Random(settings.EpisodeSeed(0));
        WorldModel = new OnlineWorldModel(settings, _env.Agents, _env.ActionSpace(_env.Agents[0]).N, _env);
    }

    /// <summary>What it runs.</summary>
    public SimulationSettings Settings { get; }

    /// <summary>A name for its spans (<c>simulation.id</c>); the server sets the simulation's id.</summary>
    public string Name { get; init; } = "simulation";

    /// <summary>The agents' names.</summary>
    public IReadOnlyList<string> AgentNames => _env.Agents;

    /// <summary>The store the agents read and the belief changes go to.</summary>
    public IBeliefStore Beliefs => _beliefs;

    /// <summary>Where each step is recorded for replay (null: nothing is recorded). Set before the loop starts.</summary>
    public StepTimeline? Timeline { get; init; }

    /// <summary>The world model trained online.</summary>
    public OnlineWorldModel WorldModel { get; }

    /// <summary>The episode running now (finished episodes before it).</summary>
    public int Episode { get; private set; }

    /// <summary>Steps taken in the running episode.</summary>
    public int Step { get; private set; }

    /// <summary>Steps taken in all episodes, the running one included.</summary>
    public long TotalSteps { get; private set; }

    /// <summary>Steps of the finished episodes.</summary>
    public long FinishedSteps => Interlocked.Read(ref _finishedSteps);

    /// <summary>The running episode's reward so far.</summary>
    public double EpisodeReward { get; private set; }

    /// <summary>The most claims <see cref="RecentClaims"/> keeps.</summary>
    public const int ClaimsKept = 20;

    /// <summary>Claims (public or private, true or not) that someone heard, since the runner started.</summary>
    public long Claims => Interlocked.Read(ref _claims);

    /// <summary>Claims that were false when made.</summary>
    public long Lies => Interlocked.Read(ref _lies);

    /// <summary>The last <see cref="ClaimsKept"/> claims, oldest first.</summary>
    public IReadOnlyList<SaidClaim> RecentClaims()
    {
        lock (_lock) return [.. _said];
    }

    /// <summary>Raised on the loop's thread after each step, once its belief changes are in the store.</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>Raised on the loop's thread after each finished episode (after the world model trained on it).</summary>
    public event Action<EpisodeReport>? EpisodeCompleted;

    /// <summary>Continues at <paramref name="episode"/> (before the loop starts), as a saved state says.</summary>
    public void ResumeAt(int episode, long finishedSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(episode);
        ArgumentOutOfRangeException.ThrowIfNegative(finishedSteps);
        lock (_lock)
        {
            Episode = episode;
            TotalSteps = finishedSteps;
            Interlocked.Exchange(ref _finishedSteps, finishedSteps);
            _rng = new Random(Settings.EpisodeSeed(episode));
        }
    }

    /// <summary>Runs episodes until <see cref="SimulationSettings.Episodes"/> have finished (0: until cancelled).</summary>
    /// <exception cref="OperationCanceledException">when <paramref name="cancellationToken"/> stops it (the running episode is abandoned).</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (Settings.Episodes == 0 || Episode < Settings.Episodes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await RunEpisodeAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one episode to its end (or the step limit) and trains the world model on it.</summary>
    /// <exception cref="OperationCanceledException">when cancelled; the episode is abandoned and will run again from its start.</exception>
    public async Task<EpisodeReport> RunEpisodeAsync(CancellationToken cancellationToken)
    {
        int n = _env.Agents.Count;
        var observations = new List<float[]>();
        var actions = new List<int[]>();
        // an episode is a trace of its own, linked to whatever started the simulation (a request's trace would otherwise
        // grow for as long as the simulation runs)
        Activity.Current = null;
        using var episodeSpan = CoreDiagnostics.Source.StartActivity("episode", ActivityKind.Internal, default(ActivityContext),
            links: _startedBy == default ? null : [new ActivityLink(_startedBy)]);
        episodeSpan?.SetTag("simulation.id", Name);
        episodeSpan?.SetTag("simulation.episode", Episode);
        episodeSpan?.SetTag("env.type", Settings.Env);
        episodeSpan?.SetTag("env.num_agents", n);
        StepResult result;
        lock (_lock)
        {
            result = _env.Reset(Settings.LayoutSeed(Episode));
            _rng = new Random(Settings.EpisodeSeed(Episode));
            TotalSteps = FinishedSteps;
            // the planner's budget is a node count, not a time: what an agent decides must not depend on the machine's load
            _agents = [.. _env.Agents.Select(a => new ToMAgent(_env, a, Settings.TomDepth,
                policy: Settings.Planner == SimulationSettings.LearnedPlanner
                    ? new LearnedPlanningPolicy(WorldModel, Settings.Seed + Episode)
                    : new PlanningPolicy(PlanningPolicy.SimulationGoal, searchDepth: 8, budget: PlanningBudget, maxNodes: PlanningNodes),
                seed: Settings.Seed + Episode, beliefs: _beliefs))];
            _goals.Clear();
            Step = 0;
            EpisodeReward = 0;
            _truth.Clear();
            _historySeen = 0;
            _actionNames = null; // a layout may change the action table
            NoteTruth();
            observations.Add(Flatten(result));
            WorldModel.BeginEpisode(result);
            Record(0, [], null);
        }
        await FlushBeliefsAsync().ConfigureAwait(false);
        var chosen = new int[n];
        var explored = new bool[n];
        while (Step < Settings.MaxStepsPerEpisode)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double reward = 0;
            double? error = null;
            using (var stepSpan = CoreDiagnostics.Source.StartActivity(PerspectiveEnv.StepSpanName))
            {
                stepSpan?.SetTag("simulation.id", Name);
                stepSpan?.SetTag("simulation.episode", Episode);
                float[]? predicted;
                lock (_lock)
                {
                    for (int i = 0; i < n; i++)
                    {
                        explored[i] = _rng.NextDouble() < SimulationSettings.Exploration;
                        chosen[i] = explored[i] ? _env.ActionSpace(_env.Agents[i]).Sample(_rng) : _agents[i].ActWithTom();
                    }
                    predicted = WorldModel.Predict(observations[^1], chosen);
                    result = _env.Step(chosen);
                    actions.Add((int[])chosen.Clone());
                    observations.Add(_observed = Flatten(result));
                    WorldModel.Observed(result, chosen);
                    NoteTruth();
                    NoteGoals(explored);
                    foreach (var r in result.Rewards.Values) reward += r;
                    Step++;
                    TotalSteps++;
                    EpisodeReward += reward;
                    Record(reward, Timeline is null ? [] : Decisions(chosen, explored), predicted);
                }
                await FlushBeliefsAsync().ConfigureAwait(false);
                if (predicted is not null) error = Mse(predicted, observations[^1]);
            }
            StepCompleted?.Invoke(new StepReport(Episode, Step, reward, error, result.Done));
            if (result.Done) break;
            if (Settings.StepDelayMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(Settings.StepDelayMs), _time, cancellationToken).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
        bool success = result.Terminations.Values.Any(t => t);
        episodeSpan?.SetTag("episode.steps", Step);
        episodeSpan?.SetTag("episode.reward", EpisodeReward);
        episodeSpan?.SetTag("episode.success", success);
        double? loss = Settings.Train ? WorldModel.Train(observations, actions) : null;
        EpisodeReport report;
        lock (_lock)
        {
            var policies = _agents.Select(a => a.Policy).OfType<IPlanningRecord>().ToList();
            report = new EpisodeReport(Episode, Step, EpisodeReward, success, loss)
            {
                PlannedDecisions = policies.Sum(p => p.Planned),
                HeuristicDecisions = policies.Sum(p => p.FellBack),
                GoalsPursued = _goals.Count,
                GoalsReached = _goals.Values.Count(g => g.Reached),
            };
            Episode++;
            Interlocked.Exchange(ref _finishedSteps, TotalSteps);
        }
        EpisodeCompleted?.Invoke(report);
        return report;
    }

    /// <summary>
    /// Sends the step's belief changes to the store and waits until they are applied, so the agents read them at the next
    /// step. Not cancelled with the loop: a stop never leaves half a step's changes behind.
    /// </summary>
    private async ValueTask FlushBeliefsAsync()
    {
        if (_changes.Count == 0) return;
        using (var span = CoreDiagnostics.Source.StartActivity("belief_update"))
        {
            span?.SetTag("component", "episode_runner");
            span?.SetTag("beliefs.changes", _changes.Count);
            await _beliefs.ApplyAsync(_changes, CancellationToken.None).ConfigureAwait(false);
        }
        _changes.Clear();
    }

    /// <summary>Notes the goals the agents (not exploring) planned for in this step, and which goals now hold in the world.</summary>
    private void NoteGoals(bool[] explored)
    {
        for (int i = 0; i < _agents.Length; i++)
        {
            if (!explored[i] && _agents[i].Policy is IPlanningRecord { Goal: { } goal, LastGoal: { } text }) _goals.TryAdd((i, text), (goal, false));
        }
        foreach (var (key, (goal, reached)) in _goals.ToList())
        {
            if (!reached && EnvironmentPlanner.HoldsNow(_env, goal)) _goals[key] = (goal, true);
        }
    }

    /// <summary>Reads the events since the last call: what was seen is the truth; what was said is kept as a claim.</summary>
    private void NoteTruth()
    {
        var history = _env.History;
        for (; _historySeen < history.Count; _historySeen++)
        {
            var e = history[_historySeen];
            if (e.Spoken is { } said)
            {
                if (said.Claim.Listeners != 0) NoteClaim(said.Claim); // said to an empty room: nobody heard it
            }
            else _truth[e.Fluent] = e.Value;
        }
    }

    private void NoteClaim(in ClaimEvent c)
    {
        var v = _env.Vocabulary;
        bool isTrue = _truth.TryGetValue(c.Fluent, out int truth) && truth == c.Value;
        _said.Enqueue(new SaidClaim(Episode, Step + 1, v.AgentName(c.Speaker), c.Public, Names(c.Listeners), Names(c.TrustingListeners),
            v.Fact(c.Fluent, c.Value).ToString(), isTrue));
        if (_said.Count > ClaimsKept) _said.Dequeue();
        Interlocked.Increment(ref _claims);
        if (!isTrue) Interlocked.Increment(ref _lies);

        List<string> Names(ulong mask)
        {
            var names = new List<string>();
            for (; mask != 0; mask &= mask - 1) names.Add(v.AgentName(System.Numerics.BitOperations.TrailingZeroCount(mask)));
            return names;
        }
    }

    // ------------------------------------------------------------------ the timeline (under the lock)

    private void Record(double reward, IReadOnlyList<RecordedDecision> decisions, float[]? predicted)
    {
        if (Timeline is null) return;
        var v = _env.Vocabulary;
        var beliefs = new List<RecordedBelief>();
        foreach (var (chain, fluent, value) in _env.Tracker!.Beliefs())
        {
            bool known = _truth.TryGetValue(fluent, out int truth);
            beliefs.Add(new RecordedBelief([.. chain.Select(v.AgentName)], v.Fact(fluent, value).ToString(),
                known ? v.Fact(fluent, truth).ToString() : null, known && truth != value));
        }
        var predictions = new List<RecordedPrediction>();
        if (predicted is not null)
        {
            var observed = _observed;
            int size = observed.Length / _env.Agents.Count;
            for (int i = 0; i < _env.Agents.Count; i++)
            {
                var p = predicted.AsSpan(i * size, size);
                var o = observed.AsSpan(i * size, size);
                predictions.Add(new RecordedPrediction(_env.Agents[i], p.ToArray(), o.ToArray(), Mse(p, o)));
            }
        }
        var world = Rows(_env.Render(null));
        var views = _env.Agents.Select(a => Rows(_env.Render(a))).ToList();
        var facts = _truth.OrderBy(f => f.Key).Select(f => v.Fact(f.Key, f.Value).ToString()).ToList();
        var predictedBeliefs = predicted is null ? [] : WorldModel.BeliefPredictions();
        Timeline.Add(seq => new StepRecord(seq, Episode, Step, reward, world, views, facts, beliefs, decisions, predictions) { PredictedBeliefs = predictedBeliefs });
    }

    private List<RecordedDecision> Decisions(int[] chosen, bool[] explored)
    {
        _actionNames ??= ActionNames();
        var list = new List<RecordedDecision>(chosen.Length);
        for (int i = 0; i < chosen.Length; i++)
        {
            var policy = _agents[i].Policy as IPlanningRecord;
            string name = _actionNames.TryGetValue(chosen[i], out var n) ? n : chosen[i] == 0 ? "noop" : $"action {chosen[i]}";
            string source = explored[i] ? "explore" : policy is { LastPlan.Count: > 0 } ? "plan" : "heuristic";
            list.Add(new RecordedDecision(_env.Agents[i], name, source, explored[i] ? null : policy?.LastGoal,
                explored[i] ? [] : policy?.LastPlan ?? []));
        }
        return list;
    }

    private Dictionary<int, string> ActionNames()
    {
        try
        {
            var names = new Dictionary<int, string>();
            foreach (var (action, name) in _env.PlanningActions()) names.TryAdd(action, name);
            return names;
        }
        catch (NotSupportedException)
        {
            return []; // an environment without a simulator names its actions by number
        }
    }

    private static string[] Rows(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static float[] Flatten(StepResult result)
    {
        int n = result.Observations.Count;
        int size = result.Observations[0].Vector.Length;
        var flat = new float[n * size];
        for (int i = 0; i < n; i++) result.Observations[i].Vector.CopyTo(flat, i * size);
        return flat;
    }

    private static double Mse(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual)
    {
        double sum = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = predicted[i] - actual[i];
            sum += d * d;
        }
        return actual.Length == 0 ? 0 : sum / actual.Length;
    }

    // ------------------------------------------------------------------ views (any thread)

    /// <summary>Runs <paramref name="read"/> on the environment as it is now; steps wait until it returns (keep it short).</summary>
    public T Inspect<T>(Func<PerspectiveEnv, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_lock) return read(_env);
    }

    /// <summary>Every belief held now (every chain, outermost agent first), with whether it is false.</summary>
    public IReadOnlyList<HeldBelief> HeldBeliefs()
    {
        lock (_lock)
        {
            var list = new List<HeldBelief>();
            foreach (var (chain, fluent, value) in _env.Tracker!.Beliefs())
                list.Add(new HeldBelief(chain, fluent, value, _truth.TryGetValue(fluent, out int truth) && truth != value));
            return list;
        }
    }

    /// <summary>The size of one agent's observation vector (what the world model's input is made of).</summary>
    public int ObservationSize()
    {
        lock (_lock)
        {
            return _env.ObservationSpace(_env.Agents[0]) is BoxSpace box
                ? box.Size
                : throw new InvalidOperationException($"{Settings.Env}'s observations are not vectors");
        }
    }
}
