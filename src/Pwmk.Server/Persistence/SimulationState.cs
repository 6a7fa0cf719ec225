using Pwmk.Core.Simulation;
using Pwmk.Core.WorldModel;

namespace Pwmk.Server.Persistence;

/// <summary>
/// What the background simulation needs to resume, as of the end of its last finished episode (an episode cut short by
/// a stop or a crash is run again from its start). Randomness: every episode draws from a generator seeded by
/// <see cref="SimulationSettings.EpisodeSeed"/> (the seed and the episode number), so the episode number is the whole RNG state.
/// The world model's weights are restored exactly, and with them the trainer's state (<see cref="OptimizerFile"/>: AdamW
/// moments and step count, the shuffling generator), so online training continues as if never interrupted.
/// </summary>
internal sealed record SimulationState
{
    /// <summary>How the RNG state is encoded; a file with another scheme is refused.</summary>
    public const string PerEpisodeRng = "per-episode(seed, episode)";

    public string Env { get; init; } = "";
    public int Agents { get; init; }
    public int TomDepth { get; init; }
    public int Seed { get; init; }
    public int MaxStepsPerEpisode { get; init; }

    /// <summary>What the agents planned with (<see cref="SimulationSettings.Planner"/>); null in files saved before it was recorded, which all used <see cref="SimulationSettings.SimulatorPlanner"/>.</summary>
    public string? Planner { get; init; }

    /// <summary>Episodes finished: the next one to run.</summary>
    public int Episode { get; init; }

    /// <summary>Steps of all finished episodes.</summary>
    public long TotalSteps { get; init; }

    /// <summary>RNG scheme (<see cref="PerEpisodeRng"/>); its state is <see cref="Episode"/>.</summary>
    public string Rng { get; init; } = PerEpisodeRng;

    public MetricPoint[] Rewards { get; init; } = [];
    public MetricPoint[] TrainingLoss { get; init; } = [];
    public MetricPoint[] PredictionError { get; init; } = [];

    /// <summary>The world model checkpoint in the state directory, or null before the first training.</summary>
    public string? ModelFile { get; init; }

    public WorldModelConfig? ModelConfig { get; init; }

    /// <summary>The trainer's state saved with <see cref="ModelFile"/> (<see cref="WorldModelTrainer.SaveState"/>), or null (older files: training restarts its optimiser).</summary>
    public string? OptimizerFile { get; init; }
    public DateTimeOffset SavedAt { get; init; }

    /// <summary>The first problem with the values, or null.</summary>
    internal string? Validate()
    {
        if (Rng != PerEpisodeRng) return $"rng scheme '{Rng}', expected '{PerEpisodeRng}'";
        if (Episode < 0) return $"episode {Episode} is negative";
        if (TotalSteps < 0) return $"totalSteps {TotalSteps} is negative";
        if (ModelFile is not null && (ModelFile != Path.GetFileName(ModelFile) || !ModelFile.StartsWith(SimulationStateFile.ModelPrefix, StringComparison.Ordinal)))
            return $"modelFile '{ModelFile}' is not a world-model file name";
        if ((ModelFile is null) != (ModelConfig is null)) return "modelFile and modelConfig must both be present or both absent";
        if (OptimizerFile is not null && (ModelFile is null || OptimizerFile != Path.GetFileName(OptimizerFile)
            || !OptimizerFile.StartsWith(SimulationStateFile.ModelPrefix, StringComparison.Ordinal)))
            return $"optimizerFile '{OptimizerFile}' is not a world-model optimiser file name next to a model file";
        if (Rewards is null || TrainingLoss is null || PredictionError is null) return "a history is null";
        return null;
    }

    /// <summary>Why a state saved for other parameters cannot be resumed by <paramref name="p"/>, or null.</summary>
    internal string? Mismatch(SimulationSettings p)
    {
        // the planner is part of what the episodes were: their rewards and goals, and the model's training data
        string planner = Planner ?? SimulationSettings.SimulatorPlanner;
        if (Env != p.Env || Agents != p.Agents || TomDepth != p.TomDepth || Seed != p.Seed || MaxStepsPerEpisode != p.MaxStepsPerEpisode || planner != p.Planner)
        {
            return $"it was saved for env {Env}, {Agents} agents, ToM depth {TomDepth}, seed {Seed}, {MaxStepsPerEpisode} steps per episode, planner {planner}; "
                + $"the server is configured for env {p.Env}, {p.Agents} agents, ToM depth {p.TomDepth}, seed {p.Seed}, {p.MaxStepsPerEpisode} steps per episode, planner {p.Planner}";
        }
        return null;
    }
}
