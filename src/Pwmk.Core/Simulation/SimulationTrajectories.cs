using System.Globalization;
using System.Text.Json;
using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Simulation;

/// <summary>
/// The trajectories a simulation's episodes leave for <c>pwmk train --data</c>: a folder (written by
/// <see cref="TrajectoryWriter"/>) with <c>simulation.json</c> (the settings that ran them, from which the environment
/// encoding of the arrays is rebuilt, and whether the run closed the folder) and the shards <c>trajectories-000000.npz</c>,
/// <c>trajectories-000001.npz</c>, ... (each a <see cref="TrajectoryDataset"/> of a few thousand steps with the array
/// <c>episodes</c>: the number of each of its episodes). <see cref="Open"/> indexes the shards and reads the episodes, in the
/// order of their numbers, a window of shards at a time (what <c>pwmk train --data</c> trains on); <see cref="Load"/> joins
/// them all in memory, padded to the longest. A folder of an earlier version (one <c>trajectories.npz</c>) still loads.
/// </summary>
public static class SimulationTrajectories
{
    /// <summary>The one arrays' file of a folder written before shards (and the file <c>pwmk train --out</c> writes).</summary>
    public const string DataFile = "trajectories.npz";

    /// <summary>The settings' file in the folder.</summary>
    public const string SettingsFile = "simulation.json";

    internal const string ShardPrefix = "trajectories-";

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>
    /// The content of <c>simulation.json</c>: the settings; <c>Shards</c> null in a folder of an earlier version (its
    /// arrays in <c>trajectories.npz</c>); <c>Complete</c> false while (or when a crash stopped) the run writing it.
    /// </summary>
    internal sealed record Source(string Env, int Agents, int TomDepth, int Seed, int MaxStepsPerEpisode, string Planner)
    {
        public bool Complete { get; init; }

        public int? Shards { get; init; }

        public long EpisodeCount { get; init; }

        public long StepCount { get; init; }

        public static Source Of(SimulationSettings s) => new(s.Env, s.Agents, s.TomDepth, s.Seed, s.MaxStepsPerEpisode, s.Planner);
    }

    internal static string ShardPath(string dir, int shard) =>
        Path.Combine(dir, ShardPrefix + shard.ToString("D6", CultureInfo.InvariantCulture) + ".npz");

    internal static void WriteSource(string dir, Source source) =>
        Storage.AtomicFile.Write(Path.Combine(dir, SettingsFile), s => JsonSerializer.Serialize(s, source, s_json));

    /// <summary>The shard files in <paramref name="dir"/>, by number (temporary files of a write in progress excluded).</summary>
    internal static List<(int Number, string Path)> ShardFiles(string dir)
    {
        var found = new List<(int, string)>();
        foreach (var path in Directory.EnumerateFiles(dir, ShardPrefix + "*.npz"))
        {
            string name = Path.GetFileName(path);
            string digits = name[ShardPrefix.Length..^".npz".Length];
            if (digits.Length > 0 && digits.All(char.IsAsciiDigit) && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                found.Add((n, path));
        }
        found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return found;
    }

    /// <summary>
    /// Episodes of one environment (each as <see cref="OnlineWorldModel.EpisodeTrajectory"/> gives it) as one dataset,
    /// padded to the longest of them.
    /// </summary>
    public static TrajectoryDataset Join(IReadOnlyList<TrajectoryDataset> episodes)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        foreach (var e in episodes)
            if (e.Episodes != 1) throw new ArgumentException($"a dataset of {e.Episodes} episodes where one episode was expected", nameof(episodes));
        return JoinEpisodes([.. episodes.Select(e => (e, 0))]);
    }

    /// <summary>Episode <c>Index</c> of each dataset, in the order given, as one dataset padded to the longest dataset.</summary>
    internal static TrajectoryDataset JoinEpisodes(IReadOnlyList<(TrajectoryDataset Data, int Index)> episodes)
    {
        if (episodes.Count == 0) throw new ArgumentException("no episode to join", nameof(episodes));
        var first = episodes[0].Data;
        int n = first.Agents, o = first.ObservationSize, b = first.NumBeliefs, t = episodes.Max(e => e.Data.Steps);
        foreach (var (e, _) in episodes)
            if (e.Agents != n || e.ObservationSize != o || e.NumBeliefs != b)
                throw new ArgumentException($"episodes of different shapes: {e.Agents} agents x {e.ObservationSize} values x {e.NumBeliefs} beliefs against {n} x {o} x {b}");
        int count = episodes.Count;
        // kept as their non-zero values, as every dataset is; past DataCollector.MaxValues of them the builder refuses
        var obs = new SparseRows.Builder(n * o, DataCollector.MaxValues);
        var beliefs = new SparseRows.Builder(n * b, DataCollector.MaxValues);
        var truth = new SparseRows.Builder(b, DataCollector.MaxValues);
        var actions = new int[(long)count * t * n];
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            var (e, k) = episodes[i];
            for (int s = 0; s <= t; s++)
            {
                bool real = s <= e.Steps;
                obs.Add(real ? e.Observation(k, s) : []);
                beliefs.Add(real ? e.Belief(k, s) : []);
                truth.Add(real ? e.Truth(k, s) : []);
                if (s < e.Steps) e.Action(k, s).CopyTo(actions.AsSpan((i * t + s) * n, n));
            }
            lengths[i] = e.Lengths[k];
        }
        return new TrajectoryDataset(count, t, n, o, b, obs.Build(), actions, beliefs.Build(), truth.Build(), lengths, first.BeliefGroupOrders);
    }

    /// <summary>
    /// Whether the run that wrote <paramref name="dir"/> closed it (false: it was stopped mid-run, by a crash; <see cref="Load"/>
    /// then reads the shards written until then).
    /// </summary>
    public static bool Complete(string dir)
    {
        var source = ReadSource(Path.Combine(dir, SettingsFile));
        return source.Shards is null || source.Complete;
    }

    /// <summary>
    /// Reads a folder written by <see cref="TrajectoryWriter"/>: the trajectories (the episodes in the order of their numbers)
    /// and the environment encoding they are in (the simulation's environment, checked against the arrays' sizes). A folder
    /// whose run did not finish (<see cref="Complete"/> false) gives the episodes of its shards. Throws
    /// <see cref="InvalidModelFileException"/> naming the file and what is wrong.
    /// </summary>
    public static (TrajectoryDataset Data, IWorldModelEnvironment Environment) Load(string dir)
    {
        var (source, env) = Open(dir, windowSteps: 0);
        return (source.Window(0), env);
    }

    /// <summary>
    /// Opens a folder as <see cref="Load"/> reads it, without reading its episodes: the shards' sizes, each episode's number
    /// and length are read and checked (a missing, cut or foreign shard is refused here, naming it), the episodes are read
    /// a window of about <paramref name="windowSteps"/> steps at a time when used (0: all in one window). A folder of one
    /// <c>trajectories.npz</c> is read whole.
    /// </summary>
    public static (TrajectorySource Data, IWorldModelEnvironment Environment) Open(string dir, int windowSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(windowSteps);
        string path = Path.Combine(dir, SettingsFile);
        var source = ReadSource(path);
        var settings = new SimulationSettings(source.Env ?? "", source.Agents, source.TomDepth, source.Seed, Episodes: 0, StepDelayMs: 0, Train: false,
            MaxStepsPerEpisode: source.MaxStepsPerEpisode);
        if (settings.Validate() is { } problem) throw new InvalidModelFileException($"{path}: {problem}");
        var env = new EpisodeRunner(settings).WorldModel.Encoding
            ?? throw new InvalidModelFileException($"{path}: a {settings.Env} simulation of {settings.Agents} agents records no belief trajectories");
        if (source.Shards is null)
        {
            string file = Path.Combine(dir, DataFile);
            var data = TrajectoryDataset.Load(file);
            Checked(new(data.Episodes, data.Steps, data.Agents, data.ObservationSize, data.NumBeliefs), file, env);
            return (TrajectorySource.Of(data), env);
        }

        var shards = ShardFiles(dir);
        for (int i = 0; i < shards.Count; i++)
            if (shards[i].Number != i)
                throw new InvalidModelFileException($"{ShardPath(dir, i)}: missing, though {Path.GetFileName(shards[i].Path)} is there");
        if (source.Complete && shards.Count != source.Shards)
            throw new InvalidModelFileException($"{path}: names {source.Shards} shard files, the folder has {shards.Count} (changed after the run)");
        if (shards.Count == 0)
            throw new InvalidModelFileException($"{dir}: no trajectories ({ShardPrefix}*.npz) written{(source.Complete ? "" : ": the run that writes them stopped before its first shard")}");
        var episodes = new List<(int Number, int Shard, int Slot, int Length)>();
        var seen = new HashSet<int>();
        for (int s = 0; s < shards.Count; s++)
        {
            string file = shards[s].Path;
            var (sizes, lengths, numbers) = TrajectoryDataset.ReadIndex(file);
            Checked(sizes, file, env);
            if (numbers is null) throw new InvalidModelFileException($"{file}: no array 'episodes' (the episodes' numbers)");
            for (int i = 0; i < numbers.Length; i++)
            {
                if (!seen.Add(numbers[i])) throw new InvalidModelFileException($"{file}: episode {numbers[i]} is in an earlier shard too");
                episodes.Add((numbers[i], s, i, lengths[i]));
            }
        }
        episodes.Sort((a, b) => a.Number.CompareTo(b.Number));
        if (source.Complete && episodes.Count != source.EpisodeCount)
            throw new InvalidModelFileException($"{path}: names {source.EpisodeCount} episodes, the shards hold {episodes.Count}");
        var index = new ShardedTrajectories.Index([.. shards.Select(s => s.Path)], (env.NumAgents, env.ObservationSize, env.NumBeliefs),
            [.. episodes.Select(e => e.Number)], [.. episodes.Select(e => e.Shard)], [.. episodes.Select(e => e.Slot)], [.. episodes.Select(e => e.Length)]);
        return (new ShardedTrajectories(index, 0, episodes.Count, windowSteps), env);
    }

    private static void Checked(TrajectoryDataset.Sizes data, string file, IWorldModelEnvironment env)
    {
        if (data.Agents != env.NumAgents || data.ObservationSize != env.ObservationSize || data.NumBeliefs != env.NumBeliefs)
            throw new InvalidModelFileException($"{file}: {data.Agents} agents x {data.ObservationSize} values x {data.NumBeliefs} beliefs, "
                + $"but the simulation in {SettingsFile} encodes {env.NumAgents} x {env.ObservationSize} x {env.NumBeliefs}");
    }

    private static Source ReadSource(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Source>(File.ReadAllText(path), s_json)
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
    }
}
