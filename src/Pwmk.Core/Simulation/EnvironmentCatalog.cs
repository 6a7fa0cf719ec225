using Pwmk.Core.Environments;

namespace Pwmk.Core.Simulation;

/// <summary>The built-in environments a simulation can run, by name.</summary>
public static class EnvironmentCatalog
{
    /// <summary>The names: box-world, hide-and-seek, rooms.</summary>
    public static IReadOnlyList<string> Names { get; } = ["box-world", "hide-and-seek", "rooms"];

    /// <summary>A new environment for <paramref name="settings"/> (not reset), tracking beliefs to the agents' ToM depth.</summary>
    public static PerspectiveEnv Create(SimulationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Env switch
        {
            "hide-and-seek" => new HideAndSeek(arenaSize: 12, numHiders: (settings.Agents + 1) / 2, numSeekers: settings.Agents / 2, episodeLength: 100,
                beliefDepth: settings.TomDepth),
            "rooms" => new RoomsWorld([.. Enumerable.Range(0, settings.Agents).Select(i => "agent_" + i)], DefaultRooms(), beliefDepth: settings.TomDepth),
            "box-world" => new MultiAgentBoxWorld(gridSize: 10, numAgents: settings.Agents, numBoxes: 3, viewRadius: 2, maxSteps: 200,
                beliefDepth: settings.TomDepth),
            _ => throw new ArgumentException($"unknown environment '{settings.Env}': expected {string.Join(", ", Names)}", nameof(settings)),
        };
    }

    private static RoomsLayout DefaultRooms() => new RoomsLayout()
        .AddContainer("basket", "living_room").AddContainer("box", "kitchen").AddContainer("drawer", "bedroom")
        .AddObject("marble", "basket").AddObject("key", "drawer");
}
