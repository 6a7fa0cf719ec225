using Pwmk.Core.Environments;
using Pwmk.Core.Planning;
using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Simulation;

/// <summary>
/// The world model a simulation trains online: created at the first finished episode, trained for one epoch on that
/// episode after each episode, and asked for its one-step prediction of every agent's next observation during episodes.
/// When the environment's beliefs fit (<see cref="MaxBeliefValues"/>), it is the default recurrent belief model of
/// <c>pwmk train</c> (<see cref="WorldModelConfig.ForEnvironment"/>, smaller): it reads each agent's observation with
/// the events it witnessed, carries its state through the episode and also predicts what every agent (and chain of
/// agents) will believe after the step (<see cref="BeliefPredictions"/>). Otherwise a one-step model of the
/// observations only, trained on each episode's last <see cref="TrainWindow"/> steps.
/// The <see cref="EpisodeRunner"/> owns it; other threads may look at the model through <see cref="Inspect{T}"/>, which
/// waits while it predicts or trains.
/// </summary>
public sealed class OnlineWorldModel
{
    /// <summary>Steps of a finished episode the observation-only model trains on (its last ones).</summary>
    public const int TrainWindow = 64;

    /// <summary>Most belief values per agent (chains x fluents x values) for which the model learns beliefs.</summary>
    public const int MaxBeliefValues = 8192;

    private readonly Lock _gate = new();
    private readonly SimulationSettings _settings;
    private readonly IReadOnlyList<string> _agentNames;
    private readonly int _agents, _actions;
    private readonly PerspectiveEnvAdapter? _encoding;
    private readonly List<float[]> _observations = [], _beliefs = [], _truth = [];
    private readonly List<int[]> _actionsTaken = [];
    private readonly bool _plans;
    private RecurrentState? _state;
    private float[]? _predictedBeliefs;
    private ImaginedState? _imagined;

    internal OnlineWorldModel(SimulationSettings settings, IReadOnlyList<string> agents, int actions, PerspectiveEnv? env = null)
    {
        _settings = settings;
        _agentNames = agents;
        _agents = agents.Count;
        _actions = actions;
        if (env is not null)
        {
            var encoding = PerspectiveEnvAdapter.ForSimulation(env, settings.Env, settings.MaxStepsPerEpisode, Math.Min(settings.TomDepth, 2));
            _encoding = encoding.NumBeliefs <= MaxBeliefValues ? encoding : null;
        }
        _plans = settings.Planner == SimulationSettings.LearnedPlanner && _encoding is not null;
    }

    /// <summary>Tree-search simulations per decision when the agents plan with the model.</summary>
    internal const int PlanningSimulations = 48;

    /// <summary>Deepest imagined rollout when the agents plan with the model.</summary>
    internal const int PlanningDepth = 6;

    /// <summary>
    /// Least value (the discounted chance of reaching the goal in the imagined rollouts) of the action the search chose for
    /// the agent to follow the plan. Below it the search reached the goal only through outcomes the model gives a small
    /// probability (a goal belief it is unsure of splits an outcome in two, see <see cref="LearnedBeliefDynamics"/>), and
    /// following those is following noise.
    /// </summary>
    internal const double MinPlanValue = 0.5;

    /// <summary>
    /// Least lead of the chosen action's value over the worst action's for the agent to follow the plan: a model that
    /// expects the goal whatever the agent does (in box-world, the key picked up one to three steps on, whichever way the
    /// agent moves) gives no reason to prefer one action, and the search's tie goes to its first action.
    /// </summary>
    internal const double MinPreference = 0.05;

    /// <summary>
    /// The value of <paramref name="result"/>'s chosen action when it is worth following (at least <see cref="MinPlanValue"/>
    /// and <see cref="MinPreference"/> above the worst of <paramref name="actions"/>, an action never tried counting 0), else 0:
    /// no plan, the heuristic decides.
    /// </summary>
    internal static double FollowValue(MctsResult result, IReadOnlyList<string> actions)
    {
        if (result.BestAction is not { } chosen) return 0;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var c in result.Tree.Children)
        {
            if (c.Action is { } a) values[a] = Math.Max(values.GetValueOrDefault(a), c.MeanValue);
        }
        double value = values.GetValueOrDefault(chosen);
        double worst = actions.Count == 0 ? 0 : actions.Min(a => values.GetValueOrDefault(a));
        return value >= MinPlanValue && value - worst >= MinPreference ? value : 0;
    }

    /// <summary>True when the model learns and predicts the agents' beliefs.</summary>
    public bool PredictsBeliefs => _encoding is not null;

    /// <summary>The model, or null before the first training.</summary>
    public PerspectiveWorldModel? Model { get; private set; }

    /// <summary>Its trainer (optimiser state included), or null before the first training.</summary>
    public WorldModelTrainer? Trainer { get; private set; }

    /// <summary>
    /// The sizes of the model for the environment's observations of <paramref name="observationSize"/> values per agent
    /// (a belief model adds the belief evidence to them).
    /// </summary>
    public WorldModelConfig ConfigFor(int observationSize) =>
        _encoding is { } e
            ? WorldModelConfig.ForEnvironment(e, hiddenDim: 32, numLayers: 1, seed: (ulong)_settings.Seed)
            : new(observationSize, _actions, HiddenDim: 32, NumAgents: _agents, NumBeliefs: 1, NumLayers: 1, NumHeads: 2, Seed: (ulong)_settings.Seed);

    /// <summary>A trainer of this simulation's settings for <paramref name="model"/>.</summary>
    public WorldModelTrainer NewTrainer(PerspectiveWorldModel model) =>
        new(model, _encoding is { } e
            ? TrainerConfig.ForEnvironment(e, epochs: 1) with
            {
                LearningRate = 3e-3f,
                Schedule = LearningRateSchedule.Constant,
                EvaluateEachEpoch = false,
                Seed = (ulong)_settings.Seed,
                AgentNames = _agentNames,
            }
            : new TrainerConfig { BatchSize = 16, LearningRate = 3e-3f, Seed = (ulong)_settings.Seed, AgentNames = _agentNames });

    /// <summary>Continues from a saved model and trainer (a null trainer restarts the optimiser).</summary>
    public void Restore(PerspectiveWorldModel? model, WorldModelTrainer? trainer)
    {
        lock (_gate)
        {
            Model = model;
            Trainer = model is null ? null : trainer;
        }
    }

    /// <summary>Runs <paramref name="use"/> on the model (null before the first training) while it neither predicts nor trains.</summary>
    public T Inspect<T>(Func<PerspectiveWorldModel?, T> use)
    {
        ArgumentNullException.ThrowIfNull(use);
        lock (_gate) return use(Model);
    }

    /// <summary>An episode starts with <paramref name="first"/> (after the reset): the belief model starts from nothing.</summary>
    internal void BeginEpisode(StepResult first)
    {
        _state = null;
        _predictedBeliefs = null;
        _imagined = null;
        _observations.Clear();
        _beliefs.Clear();
        _truth.Clear();
        _actionsTaken.Clear();
        Observed(first, null);
    }

    /// <summary>The step <paramref name="result"/> came after the joint action <paramref name="actions"/> (null after a reset).</summary>
    internal void Observed(StepResult result, int[]? actions)
    {
        if (_encoding is not { } e) return;
        var obs = new float[_agents * e.ObservationSize];
        e.Encode(result, obs);
        var beliefs = new float[_agents * e.NumBeliefs];
        e.GetBeliefGroundTruth(beliefs);
        var truth = new float[e.NumBeliefs];
        e.GetWorldTruth(truth);
        _observations.Add(obs);
        _beliefs.Add(beliefs);
        _truth.Add(truth);
        if (actions is not null) _actionsTaken.Add((int[])actions.Clone());
        if (!_plans) return;
        lock (_gate)
        {
            // the planners' state: what the model believes the agents read and believe now, filtered through the real steps
            _imagined = Model is null ? null
                : _imagined is null || actions is null ? LearnedBeliefDynamics.Start(Model, e, obs)
                : LearnedBeliefDynamics.Observe(Model, e, _imagined, actions, obs);
        }
    }

    /// <summary>
    /// Plans for agent <paramref name="agent"/> towards <paramref name="goal"/> through the model (<see cref="BeliefMcts{TState}"/>
    /// over <see cref="LearnedBeliefDynamics"/> from the filtered state of the running episode): the first action and the
    /// most visited line, or null when the model cannot plan (not trained yet, a goal it does not predict, one it
    /// believes holds already, or a search whose chosen action is not worth following: see <see cref="FollowValue"/>).
    /// </summary>
    internal (int Action, IReadOnlyList<string> Line)? Plan(int agent, Goal goal, int seed)
    {
        if (_encoding is not { } e) return null;
        lock (_gate)
        {
            if (Model is null || _imagined is not { } now) return null;
            LearnedBeliefDynamics dynamics;
            try
            {
                dynamics = new LearnedBeliefDynamics(Model, e, goal, _agentNames[agent]);
            }
            catch (ArgumentException)
            {
                return null; // a goal about a chain or fact the model does not predict
            }
            if (dynamics.IsGoal(now)) return null;
            using var span = CoreDiagnostics.Source.StartActivity("planning");
            span?.SetTag("planner.type", "belief_mcts");
            span?.SetTag("pwmk.planner.problem", "learned:" + _settings.Env);
            var result = new BeliefMcts<ImaginedState>(dynamics, numSimulations: PlanningSimulations, maxDepth: PlanningDepth, seed: seed).Search(now);
            double value = FollowValue(result, dynamics.Actions(now));
            bool reached = value > 0;
            span?.SetTag("pwmk.planner.solved", reached);
            span?.SetTag("pwmk.planner.value", value);
            span?.SetTag("pwmk.planner.line", string.Join(' ', result.PrincipalVariation));
            if (!reached || result.BestAction is not { } best) return null;
            span?.SetTag("pwmk.planner.best_action", best);
            return (dynamics.JointAction(best)[agent], result.PrincipalVariation);
        }
    }

    /// <summary>
    /// The predicted next observations of all agents (flattened, the environment's own vectors), or null before the first
    /// training. <paramref name="observations"/> are the current ones; the belief model reads its own encoding of them.
    /// </summary>
    public float[]? Predict(float[] observations, int[] actions)
    {
        ArgumentNullException.ThrowIfNull(observations);
        lock (_gate) return PredictLocked(observations, actions);
    }

    private float[]? PredictLocked(float[] observations, int[] actions)
    {
        if (Model is null) return null;
        if (_encoding is not { } e) return Model.Forward(observations, actions, null, batchSize: 1).NextObservations;
        var step = Model.ForwardStep(_observations[^1], actions, _state);
        _state = step.State;
        _predictedBeliefs = Model.BeliefProbabilitiesFromLogits(step.BeliefLogits).Data.ToArray();
        var next = step.NextObservations.Data;
        var view = new float[_agents * e.ViewSize];
        for (int i = 0; i < _agents; i++) next.AsSpan(i * e.ObservationSize, e.ViewSize).CopyTo(view.AsSpan(i * e.ViewSize));
        return view;
    }

    /// <summary>
    /// What the model predicted (at the last <see cref="Predict"/>) every chain of agents would believe after the step,
    /// beside what each then believed; empty when it predicts no beliefs or did not predict this step.
    /// </summary>
    internal IReadOnlyList<PredictedBelief> BeliefPredictions()
    {
        if (_encoding is not { } e || _predictedBeliefs is not { } predicted || _beliefs.Count == 0) return [];
        var actual = _beliefs[^1];
        var v = e.Env.Vocabulary;
        int g = e.BeliefGroupSize;
        var list = new List<PredictedBelief>();
        foreach (var (chain, fluent, group) in e.Groups())
        {
            var p = predicted.AsSpan(group * g, g);
            int guess = WorldModelTrainer.ArgMax<float>(p), held = WorldModelTrainer.ArgMax<float>(actual.AsSpan(group * g, g));
            if (guess == 0 && held == 0) continue;
            list.Add(new PredictedBelief([.. chain.Select(v.AgentName)], guess == 0 ? null : v.Fact(fluent, guess - 1).ToString(), p[guess],
                held == 0 ? null : v.Fact(fluent, held - 1).ToString()));
        }
        return list;
    }

    /// <summary>Trains one epoch on a finished episode; returns the training loss, or null.</summary>
    /// <param name="observations">The environment's observation vectors (the observation-only model trains on their last <see cref="TrainWindow"/> steps).</param>
    /// <param name="actions">The joint actions taken.</param>
    public double? Train(IReadOnlyList<float[]> observations, IReadOnlyList<int[]> actions)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count == 0) return null;
        lock (_gate) return TrainLocked(observations, actions);
    }

    /// <summary>
    /// The episode that just ended (or runs) as one episode of trajectories with belief targets, in the encoding the belief
    /// model trains on (<see cref="Encoding"/>: each agent's observation with its belief evidence), unpadded; null when the
    /// environment's beliefs do not fit the model (<see cref="PredictsBeliefs"/> false) or no step was taken.
    /// </summary>
    public TrajectoryDataset? EpisodeTrajectory()
    {
        if (_encoding is not { } e) return null;
        int steps = Math.Min(_actionsTaken.Count, e.MaxSteps);
        if (steps == 0) return null;
        return new TrajectoryDataset(1, steps, _agents, e.ObservationSize, e.NumBeliefs,
            [.. _observations.Take(steps + 1).SelectMany(x => x)], [.. _actionsTaken.Take(steps).SelectMany(x => x)],
            [.. _beliefs.Take(steps + 1).SelectMany(x => x)], [.. _truth.Take(steps + 1).SelectMany(x => x)], [steps], e.BeliefGroupOrders);
    }

    /// <summary>
    /// The environment encoding the trajectories of <see cref="EpisodeTrajectory"/> are in (observation and belief sizes,
    /// belief groups, the longest episode), for a model trained on them; null when <see cref="PredictsBeliefs"/> is false.
    /// </summary>
    public IWorldModelEnvironment? Encoding => _encoding;

    private double? TrainLocked(IReadOnlyList<float[]> observations, IReadOnlyList<int[]> actions)
    {
        TrajectoryDataset data;
        if (_encoding is { } e)
        {
            if (EpisodeTrajectory() is not { } episode) return null;
            data = episode;
            Model ??= new PerspectiveWorldModel(ConfigFor(e.ViewSize));
        }
        else
        {
            int obsDim = observations[0].Length / _agents;
            int steps = Math.Min(TrainWindow, actions.Count);
            int start = actions.Count - steps;
            var obs = new float[(steps + 1) * _agents * obsDim];
            var act = new int[steps * _agents];
            for (int t = 0; t <= steps; t++) observations[start + t].CopyTo(obs, t * _agents * obsDim);
            for (int t = 0; t < steps; t++) actions[start + t].CopyTo(act, t * _agents);
            data = new TrajectoryDataset(1, steps, _agents, obsDim, 0, obs, act, [], [], [steps]);
            Model ??= new PerspectiveWorldModel(ConfigFor(obsDim));
        }
        Trainer ??= NewTrainer(Model);
        var fit = Trainer.Fit(data, null, epochs: 1);
        return fit.History.Count > 0 ? fit.History[^1].TrainLoss : null;
    }
}
