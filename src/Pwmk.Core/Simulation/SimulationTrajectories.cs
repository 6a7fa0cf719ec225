using System.Text.Json;
using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Simulation;

/// <summary>
/// The trajectories a simulation's episodes leave for <c>pwmk train --data</c>: a folder with <c>trajectories.npz</c>
/// (a <see cref="TrajectoryDataset"/>, the file <c>pwmk train --out</c> writes) and <c>simulation.json</c> (the settings
/// that ran them, from which the environment encoding of the arrays is rebuilt).
/// </summary>
public static class SimulationTrajectories
{
    /// <summary>The arrays' file in the folder.</summary>
    public const string DataFile = "trajectories.npz";

    /// <summary>The settings' file in the folder.</summary>
    public const string SettingsFile = "simulation.json";

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    private sealed record Source(string Env, int Agents, int TomDepth, int Seed, int MaxStepsPerEpisode, string Planner, IReadOnlyList<int> Episodes);

    /// <summary>
    /// Episodes of one environment (each as <see cref="OnlineWorldModel.EpisodeTrajectory"/> gives it) as one dataset,
    /// padded to the longest of them.
    /// </summary>
    public static TrajectoryDataset Join(IReadOnlyList<TrajectoryDataset> episodes)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        if (episodes.Count == 0) throw new ArgumentException("no episode to join", nameof(episodes));
        var first = episodes[0];
        int n = first.Agents, o = first.ObservationSize, b = first.NumBeliefs, t = episodes.Max(e => e.Steps);
        foreach (var e in episodes)
            if (e.Agents != n || e.ObservationSize != o || e.NumBeliefs != b || e.Episodes != 1)
                throw new ArgumentException($"episodes of different shapes: {e.Agents} agents x {e.ObservationSize} values x {e.NumBeliefs} beliefs against {n} x {o} x {b}");
        int count = episodes.Count;
        // kept as their non-zero values, as every dataset is; past DataCollector.MaxValues of them the builder refuses
        var obs = new SparseRows.Builder(n * o, DataCollector.MaxValues);
        var beliefs = new SparseRows.Builder(n * b, DataCollector.MaxValues);
        var truth = new SparseRows.Builder(b, DataCollector.MaxValues);
        var actions = new int[count * t * n];
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            var e = episodes[i];
            for (int s = 0; s <= t; s++)
            {
                bool real = s <= e.Steps;
                obs.Add(real ? e.Observation(0, s) : []);
                beliefs.Add(real ? e.Belief(0, s) : []);
                truth.Add(real ? e.Truth(0, s) : []);
                if (s < e.Steps) e.Action(0, s).CopyTo(actions.AsSpan((i * t + s) * n, n));
            }
            lengths[i] = e.Lengths[0];
        }
        return new TrajectoryDataset(count, t, n, o, b, obs.Build(), actions, beliefs.Build(), truth.Build(), lengths, first.BeliefGroupOrders);
    }

    /// <summary>
    /// Writes <paramref name="data"/> (episodes <paramref name="episodes"/> of a simulation of <paramref name="settings"/>,
    /// in that order) to the folder <paramref name="dir"/> (created when missing).
    /// </summary>
    public static void Save(string dir, SimulationSettings settings, IReadOnlyList<int> episodes, TrajectoryDataset data)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(data);
        Directory.CreateDirectory(dir);
        data.Save(Path.Combine(dir, DataFile));
        var source = new Source(settings.Env, settings.Agents, settings.TomDepth, settings.Seed, settings.MaxStepsPerEpisode, settings.Planner, episodes);
        Storage.AtomicFile.Write(Path.Combine(dir, SettingsFile), s => JsonSerializer.Serialize(s, source, s_json));
    }

    /// <summary>
    /// Reads a folder written by <see cref="Save"/>: the trajectories and the environment encoding they are in (the
    /// simulation's environment, checked against the arrays' sizes). Throws <see cref="InvalidModelFileException"/>
    /// naming the file and what is wrong.
    /// </summary>
    public static (TrajectoryDataset Data, IWorldModelEnvironment Environment) Load(string dir)
    {
        string path = Path.Combine(dir, SettingsFile);
        Source source;
        try
        {
            source = JsonSerializer.Deserialize<Source>(File.ReadAllText(path), s_json)
                ?? throw new InvalidModelFileException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidModelFileException($"{path}: not the settings of a simulation: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidModelFileException($"{path}: cannot read: {e.Message}");
        }
        var settings = new SimulationSettings(source.Env ?? "", source.Agents, source.TomDepth, source.Seed, Episodes: 0, StepDelayMs: 0, Train: false,
            MaxStepsPerEpisode: source.MaxStepsPerEpisode);
        if (settings.Validate() is { } problem) throw new InvalidModelFileException($"{path}: {problem}");
        var env = new EpisodeRunner(settings).WorldModel.Encoding
            ?? throw new InvalidModelFileException($"{path}: a {settings.Env} simulation of {settings.Agents} agents records no belief trajectories");
        var data = TrajectoryDataset.Load(Path.Combine(dir, DataFile));
        if (data.Agents != env.NumAgents || data.ObservationSize != env.ObservationSize || data.NumBeliefs != env.NumBeliefs)
            throw new InvalidModelFileException($"{Path.Combine(dir, DataFile)}: {data.Agents} agents x {data.ObservationSize} values x {data.NumBeliefs} beliefs, "
                + $"but the simulation in {SettingsFile} encodes {env.NumAgents} x {env.ObservationSize} x {env.NumBeliefs}");
        return (data, env);
    }
}
