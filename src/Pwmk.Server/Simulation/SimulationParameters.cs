namespace Pwmk.Server.Simulation;

/// <summary>What a simulation runs: environment, agents, belief depth, and how long.</summary>
/// <param name="Env">box-world, hide-and-seek or rooms.</param>
/// <param name="Agents">Number of agents.</param>
/// <param name="TomDepth">Nesting depth of the agents' beliefs.</param>
/// <param name="Seed">Seed of episode layouts and agent choices.</param>
/// <param name="Episodes">Episodes to run; 0 runs until stopped.</param>
/// <param name="StepDelayMs">Pause between steps.</param>
/// <param name="Train">Train a world model online after each episode.</param>
/// <param name="MaxStepsPerEpisode">Longest episode (the environment may end it sooner).</param>
public sealed record SimulationParameters(
    string Env = "box-world",
    int Agents = 2,
    int TomDepth = 2,
    int Seed = 0,
    int Episodes = 0,
    int StepDelayMs = 100,
    bool Train = true,
    int MaxStepsPerEpisode = 200)
{
    /// <summary>The first problem with the values, or null.</summary>
    internal string? Validate()
    {
        if (Env is not ("box-world" or "hide-and-seek" or "rooms")) return $"env: expected box-world, hide-and-seek or rooms, got '{Env}'";
        if (Agents is < 1 or > 16) return $"agents: expected 1..16, got {Agents}";
        if (Env == "hide-and-seek" && Agents < 2) return "agents: hide-and-seek needs at least 2 agents";
        if (TomDepth is < 1 or > 6) return $"tomDepth: expected 1..6, got {TomDepth}";
        if (Episodes is < 0 or > 1_000_000) return $"episodes: expected 0..1000000, got {Episodes}";
        if (StepDelayMs is < 0 or > 60_000) return $"stepDelayMs: expected 0..60000, got {StepDelayMs}";
        if (MaxStepsPerEpisode is < 1 or > 100_000) return $"maxStepsPerEpisode: expected 1..100000, got {MaxStepsPerEpisode}";
        return null;
    }
}
