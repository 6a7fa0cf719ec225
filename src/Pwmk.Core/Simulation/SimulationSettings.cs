namespace Pwmk.Core.Simulation;

/// <summary>What a simulation runs: environment, agents, belief depth, and how long.</summary>
/// <param name="Env">box-world, hide-and-seek or rooms (see <see cref="EnvironmentCatalog"/>).</param>
/// <param name="Agents">Number of agents.</param>
/// <param name="TomDepth">Nesting depth of the agents' beliefs.</param>
/// <param name="Seed">Seed of episode layouts and agent choices.</param>
/// <param name="Episodes">Episodes to run; 0 runs until stopped.</param>
/// <param name="StepDelayMs">Pause between steps (so people can watch; 0 runs flat out).</param>
/// <param name="Train">Train a world model online after each episode.</param>
/// <param name="MaxStepsPerEpisode">Longest episode (the environment may end it sooner).</param>
public sealed record SimulationSettings(
    string Env = "box-world",
    int Agents = 2,
    int TomDepth = 2,
    int Seed = 0,
    int Episodes = 0,
    int StepDelayMs = 100,
    bool Train = true,
    int MaxStepsPerEpisode = 200)
{
    /// <summary><see cref="Planner"/>: the agents plan on a copy of the true environment (the default).</summary>
    public const string SimulatorPlanner = "simulator";

    /// <summary><see cref="Planner"/>: the agents plan with the online world model (imagined rollouts).</summary>
    public const string LearnedPlanner = "learned";

    /// <summary>
    /// What the agents plan with: <see cref="SimulatorPlanner"/>, breadth-first search on a copy of the true environment
    /// from the agent's beliefs; or <see cref="LearnedPlanner"/>, tree search (<c>BeliefMcts</c>) through the online world
    /// model's predicted observations and beliefs (before its first training the agents act on the heuristic).
    /// </summary>
    public string Planner { get; init; } = SimulatorPlanner;

    /// <summary>Chance that an agent explores (takes a random action) instead of acting on its beliefs.</summary>
    public const double Exploration = 0.1;

    /// <summary>The first problem with the values, naming the setting, or null.</summary>
    public string? Validate()
    {
        if (!EnvironmentCatalog.Names.Contains(Env)) return $"env: expected {string.Join(", ", EnvironmentCatalog.Names)}, got '{Env}'";
        if (Agents is < 1 or > 16) return $"agents: expected 1..16, got {Agents}";
        if (Env == "hide-and-seek" && Agents < 2) return "agents: hide-and-seek needs at least 2 agents";
        if (TomDepth is < 1 or > 6) return $"tomDepth: expected 1..6, got {TomDepth}";
        if (Episodes is < 0 or > 1_000_000) return $"episodes: expected 0..1000000, got {Episodes}";
        if (StepDelayMs is < 0 or > 60_000) return $"stepDelayMs: expected 0..60000, got {StepDelayMs}";
        if (Planner is not (SimulatorPlanner or LearnedPlanner)) return $"planner: expected {SimulatorPlanner} or {LearnedPlanner}, got '{Planner}'";
        if (MaxStepsPerEpisode is < 1 or > 100_000) return $"maxStepsPerEpisode: expected 1..100000, got {MaxStepsPerEpisode}";
        return null;
    }

    /// <summary>Seed of the generator episode <paramref name="episode"/> draws its exploration from (so the episode number is the whole RNG state).</summary>
    public int EpisodeSeed(int episode) => unchecked((Seed * 1_000_003) ^ (episode * 7919) ^ 0x5bd1e995);

    /// <summary>Seed of episode <paramref name="episode"/>'s environment layout.</summary>
    public int LayoutSeed(int episode) => unchecked(Seed * 7919 + episode);
}
