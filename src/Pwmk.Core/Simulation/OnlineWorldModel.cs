using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Simulation;

/// <summary>
/// The world model a simulation trains online: created at the first finished episode, trained for one epoch on that
/// episode's last <see cref="TrainWindow"/> steps after each episode, and asked for its one-step prediction of every
/// agent's next observation during episodes. The <see cref="EpisodeRunner"/> owns it; other threads may look at the model
/// through <see cref="Inspect{T}"/>, which waits while it predicts or trains.
/// </summary>
public sealed class OnlineWorldModel
{
    /// <summary>Steps of a finished episode it trains on (its last ones).</summary>
    public const int TrainWindow = 64;

    private readonly Lock _gate = new();
    private readonly SimulationSettings _settings;
    private readonly IReadOnlyList<string> _agentNames;
    private readonly int _agents, _actions;

    internal OnlineWorldModel(SimulationSettings settings, IReadOnlyList<string> agents, int actions)
    {
        _settings = settings;
        _agentNames = agents;
        _agents = agents.Count;
        _actions = actions;
    }

    /// <summary>The model, or null before the first training.</summary>
    public PerspectiveWorldModel? Model { get; private set; }

    /// <summary>Its trainer (optimiser state included), or null before the first training.</summary>
    public WorldModelTrainer? Trainer { get; private set; }

    /// <summary>The sizes of the model for observations of <paramref name="observationSize"/> values per agent.</summary>
    public WorldModelConfig ConfigFor(int observationSize) =>
        new(observationSize, _actions, HiddenDim: 32, NumAgents: _agents, NumBeliefs: 1, NumLayers: 1, NumHeads: 2, Seed: (ulong)_settings.Seed);

    /// <summary>A trainer of this simulation's settings for <paramref name="model"/>.</summary>
    public WorldModelTrainer NewTrainer(PerspectiveWorldModel model) =>
        new(model, new TrainerConfig { BatchSize = 16, LearningRate = 3e-3f, Seed = (ulong)_settings.Seed, AgentNames = _agentNames });

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

    /// <summary>The predicted next observations of all agents (flattened), or null before the first training.</summary>
    public float[]? Predict(float[] observations, int[] actions)
    {
        lock (_gate) return Model?.Forward(observations, actions, null, batchSize: 1).NextObservations;
    }

    /// <summary>Trains one epoch on the last <see cref="TrainWindow"/> steps of an episode; returns the training loss, or null.</summary>
    public double? Train(IReadOnlyList<float[]> observations, IReadOnlyList<int[]> actions)
    {
        if (actions.Count == 0) return null;
        lock (_gate) return TrainLocked(observations, actions);
    }

    private double? TrainLocked(IReadOnlyList<float[]> observations, IReadOnlyList<int[]> actions)
    {
        int obsDim = observations[0].Length / _agents;
        int steps = Math.Min(TrainWindow, actions.Count);
        int start = actions.Count - steps;
        Model ??= new PerspectiveWorldModel(ConfigFor(obsDim));
        Trainer ??= NewTrainer(Model);
        var obs = new float[(steps + 1) * _agents * obsDim];
        var act = new int[steps * _agents];
        for (int t = 0; t <= steps; t++) observations[start + t].CopyTo(obs, t * _agents * obsDim);
        for (int t = 0; t < steps; t++) actions[start + t].CopyTo(act, t * _agents);
        var data = new TrajectoryDataset(1, steps, _agents, obsDim, 0, obs, act, [], [], [steps]);
        var fit = Trainer.Fit(data, null, epochs: 1);
        return fit.History.Count > 0 ? fit.History[^1].TrainLoss : null;
    }
}
