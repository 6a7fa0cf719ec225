using Pwmk.Core.Simulation;
using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Tests.Simulation;

public sealed class SimulationTrajectoriesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("pwmk-trajectories-");

    public void Dispose() => _dir.Delete(true);

    private static readonly SimulationSettings s_settings = new("box-world", Agents: 2, TomDepth: 2, Seed: 3, Episodes: 3, StepDelayMs: 0, Train: false, MaxStepsPerEpisode: 40);

    private static async Task<List<TrajectoryDataset>> Episodes(SimulationSettings settings)
    {
        var runner = new EpisodeRunner(settings);
        var list = new List<TrajectoryDataset>();
        for (int e = 0; e < settings.Episodes; e++)
        {
            var report = await runner.RunEpisodeAsync(CancellationToken.None);
            var d = runner.WorldModel.EpisodeTrajectory()!;
            Assert.Equal(report.Steps, d.Steps); // one step recorded per step taken
            list.Add(d);
        }
        return list;
    }

    [Fact]
    public async Task Episodes_joined_keep_every_step_and_pad_to_the_longest()
    {
        var episodes = await Episodes(s_settings);
        var joined = SimulationTrajectories.Join(episodes);
        Assert.Equal(3, joined.Episodes);
        Assert.Equal(episodes.Max(e => e.Steps), joined.Steps);
        Assert.Equal(episodes.Sum(x => x.Steps), joined.Transitions);
        for (int e = 0; e < 3; e++)
        {
            for (int t = 0; t <= episodes[e].Steps; t++)
            {
                Assert.Equal(episodes[e].Observation(0, t).ToArray(), joined.Observation(e, t).ToArray());
                Assert.Equal(episodes[e].Belief(0, t).ToArray(), joined.Belief(e, t).ToArray());
                Assert.Equal(episodes[e].Truth(0, t).ToArray(), joined.Truth(e, t).ToArray());
                if (t < episodes[e].Steps) Assert.Equal(episodes[e].Action(0, t).ToArray(), joined.Action(e, t).ToArray());
            }
        }
    }

    [Fact]
    public async Task A_saved_folder_loads_with_the_simulations_encoding()
    {
        var episodes = await Episodes(s_settings);
        var joined = SimulationTrajectories.Join(episodes);
        Write(_dir.FullName, episodes);
        var (data, env) = SimulationTrajectories.Load(_dir.FullName);
        Assert.Equal(joined.Observation(2, 1).ToArray(), data.Observation(2, 1).ToArray());
        Assert.Equal(data.ObservationSize, env.ObservationSize);
        Assert.Equal(data.NumBeliefs, env.NumBeliefs);
        // a model of the pwmk train defaults for that encoding trains on them
        var model = new PerspectiveWorldModel(WorldModelConfig.ForEnvironment(env, hiddenDim: 16, numLayers: 1, seed: 1));
        var fit = new WorldModelTrainer(model, TrainerConfig.ForEnvironment(env, epochs: 1)).Fit(data.Slice(0, 2), data.Slice(2, 1), 1);
        Assert.True(double.IsFinite(fit.History[^1].TrainLoss));
    }

    [Fact]
    public async Task Settings_that_do_not_match_the_arrays_are_refused_naming_the_file()
    {
        Write(_dir.FullName, await Episodes(s_settings));
        string settings = Path.Combine(_dir.FullName, SimulationTrajectories.SettingsFile);
        File.WriteAllText(settings, File.ReadAllText(settings).Replace("\"agents\": 2", "\"agents\": 3", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidModelFileException>(() => SimulationTrajectories.Load(_dir.FullName));
        Assert.Contains("trajectories-000000.npz", e.Message, StringComparison.Ordinal);
        File.WriteAllText(settings, "{ not json");
        e = Assert.Throws<InvalidModelFileException>(() => SimulationTrajectories.Load(_dir.FullName));
        Assert.Contains(SimulationTrajectories.SettingsFile, e.Message, StringComparison.Ordinal);
    }

    private static void Write(string dir, IReadOnlyList<TrajectoryDataset> episodes, int shardSteps = TrajectoryWriter.DefaultShardSteps)
    {
        using var writer = new TrajectoryWriter(dir, s_settings, shardSteps);
        for (int e = 0; e < episodes.Count; e++) writer.Add(e, episodes[e]);
        writer.Complete();
    }

    private static void AssertSame(TrajectoryDataset expected, TrajectoryDataset actual)
    {
        Assert.Equal((expected.Episodes, expected.Steps, expected.Transitions), (actual.Episodes, actual.Steps, actual.Transitions));
        for (int e = 0; e < expected.Episodes; e++)
            for (int t = 0; t <= expected.Steps; t++)
            {
                Assert.Equal(expected.Observation(e, t).ToArray(), actual.Observation(e, t).ToArray());
                Assert.Equal(expected.Belief(e, t).ToArray(), actual.Belief(e, t).ToArray());
                Assert.Equal(expected.Truth(e, t).ToArray(), actual.Truth(e, t).ToArray());
                if (t < expected.Steps) Assert.Equal(expected.Action(e, t).ToArray(), actual.Action(e, t).ToArray());
            }
    }

    [Fact]
    public async Task Episodes_streamed_in_any_order_into_shards_load_as_the_episodes_one_process_joins()
    {
        var settings = s_settings with { Episodes = 16 };
        var episodes = await Episodes(settings);
        const int shardSteps = 60; // a shard of about two episodes: many shards
        var order = Enumerable.Range(0, episodes.Count).ToArray();
        new Random(7).Shuffle(order); // as a cluster's members return them
        using (var writer = new TrajectoryWriter(_dir.FullName, settings, shardSteps))
        {
            foreach (int e in order)
            {
                writer.Add(e, episodes[e]);
                // what the writer holds stays under one shard, however many episodes came
                Assert.InRange(writer.BufferedSteps, 0, shardSteps - 1);
            }
            Assert.False(SimulationTrajectories.Complete(_dir.FullName)); // until the run closes it
            writer.Complete();
        }
        Assert.True(SimulationTrajectories.Complete(_dir.FullName));
        Assert.True(SimulationTrajectories.ShardFiles(_dir.FullName).Count >= 5, "the episodes were not spread over shards");
        AssertSame(SimulationTrajectories.Join(episodes), SimulationTrajectories.Load(_dir.FullName).Data);
    }

    [Fact]
    public async Task A_run_stopped_mid_way_leaves_its_whole_shards_readable_and_a_damaged_shard_is_refused()
    {
        var episodes = await Episodes(s_settings with { Episodes = 6 });
        var writer = new TrajectoryWriter(_dir.FullName, s_settings, shardSteps: 1); // a shard per episode
        for (int e = 0; e < 4; e++) writer.Add(e, episodes[e]);
        // the process dies here: neither Complete nor Dispose; a shard being written is left as its temporary file
        File.WriteAllBytes(Path.Combine(_dir.FullName, ".trajectories-000004.npz.0badf00d.tmp"), [1, 2, 3]);
        Assert.False(SimulationTrajectories.Complete(_dir.FullName));
        AssertSame(SimulationTrajectories.Join(episodes.Take(4).ToList()), SimulationTrajectories.Load(_dir.FullName).Data);

        // a shard cut short (not something the writer leaves, but a damaged disk or copy) is refused naming it
        string third = SimulationTrajectories.ShardPath(_dir.FullName, 2);
        var bytes = File.ReadAllBytes(third);
        File.WriteAllBytes(third, bytes[..(bytes.Length / 2)]);
        var e2 = Assert.Throws<InvalidModelFileException>(() => SimulationTrajectories.Load(_dir.FullName));
        Assert.Contains("trajectories-000002.npz", e2.Message, StringComparison.Ordinal);
        // a missing shard too
        File.Delete(third);
        e2 = Assert.Throws<InvalidModelFileException>(() => SimulationTrajectories.Load(_dir.FullName));
        Assert.Contains("trajectories-000002.npz: missing", e2.Message, StringComparison.Ordinal);

        // a new run in the same folder starts afresh: the earlier run's shards are gone
        Write(_dir.FullName, episodes.Take(3).ToList());
        AssertSame(SimulationTrajectories.Join(episodes.Take(3).ToList()), SimulationTrajectories.Load(_dir.FullName).Data);
    }

    [Fact]
    public async Task A_folder_of_one_trajectories_npz_written_before_shards_still_loads()
    {
        var joined = SimulationTrajectories.Join(await Episodes(s_settings));
        joined.Save(Path.Combine(_dir.FullName, SimulationTrajectories.DataFile));
        File.WriteAllText(Path.Combine(_dir.FullName, SimulationTrajectories.SettingsFile),
            """{ "env": "box-world", "agents": 2, "tomDepth": 2, "seed": 3, "maxStepsPerEpisode": 40, "planner": "simulator", "episodes": [0, 1, 2] }""");
        Assert.True(SimulationTrajectories.Complete(_dir.FullName));
        AssertSame(joined, SimulationTrajectories.Load(_dir.FullName).Data);
    }

    private static (PerspectiveWorldModel Model, FitResult Fit) Train(IWorldModelEnvironment env, TrajectorySource train, TrajectorySource validation, int epochs)
    {
        var model = new PerspectiveWorldModel(WorldModelConfig.ForEnvironment(env, hiddenDim: 16, numLayers: 1, seed: 1));
        var config = TrainerConfig.ForEnvironment(env, epochs) with { BatchSize = 2, Seed = 5 };
        return (model, new WorldModelTrainer(model, config).Fit(train, validation, epochs, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_folder_of_shards_in_one_window_trains_to_the_same_model_as_its_episodes_joined_in_memory()
    {
        var settings = s_settings with { Episodes = 12 };
        var episodes = await Episodes(settings);
        var order = Enumerable.Range(0, episodes.Count).ToArray();
        new Random(3).Shuffle(order); // as a cluster's members return them
        using (var writer = new TrajectoryWriter(_dir.FullName, settings, shardSteps: 60))
        {
            foreach (int e in order) writer.Add(e, episodes[e]);
            writer.Complete();
        }
        var (source, env) = SimulationTrajectories.Open(_dir.FullName, windowSteps: 0);
        Assert.True(SimulationTrajectories.ShardFiles(_dir.FullName).Count >= 5, "the episodes were not spread over shards");
        Assert.Equal(1, source.Windows);
        var joined = SimulationTrajectories.Join(episodes);
        var (streamed, streamedFit) = Train(env, source.Range(0, 9), source.Range(9, 2), epochs: 2);
        var (inMemory, inMemoryFit) = Train(env, TrajectorySource.Of(joined.Slice(0, 9)), TrajectorySource.Of(joined.Slice(9, 2)), epochs: 2);
        Assert.Equal(inMemoryFit.History.Select(h => (h.TrainLoss, h.ValidationLoss)), streamedFit.History.Select(h => (h.TrainLoss, h.ValidationLoss)));
        Assert.Equal(inMemory.SnapshotWeights(), streamed.SnapshotWeights());
    }

    [Fact]
    public async Task A_folder_read_in_windows_holds_a_window_at_a_time_covers_every_episode_once_and_trains_reproducibly()
    {
        var settings = s_settings with { Episodes = 16 };
        var episodes = await Episodes(settings);
        const int shardSteps = 60, windowSteps = 120;
        var order = Enumerable.Range(0, episodes.Count).ToArray();
        new Random(9).Shuffle(order);
        using (var writer = new TrajectoryWriter(_dir.FullName, settings, shardSteps))
        {
            foreach (int e in order) writer.Add(e, episodes[e]);
            writer.Complete();
        }
        var (source, env) = SimulationTrajectories.Open(_dir.FullName, windowSteps);
        var train = source.Range(0, 12);
        Assert.True(train.Windows >= 3, $"{train.Windows} windows");
        var seen = new List<int>();
        for (int w = 0; w < train.Windows; w++)
        {
            var window = train.Window(w);
            // whole shards until about windowSteps rows: less than windowSteps, plus the last shard (less than a shard and an episode)
            Assert.InRange(window.Lengths.Sum(l => l + 1), 1, windowSteps + shardSteps + settings.MaxStepsPerEpisode + 1);
            for (int e = 0; e < window.Episodes; e++) seen.Add(Enumerable.Range(0, 12).Single(n => Same(episodes[n], window, e)));
        }
        Assert.Equal(Enumerable.Range(0, 12), seen.Order()); // every training episode once, no validation episode
        var (first, firstFit) = Train(env, train, source.Range(12, 2), epochs: 2);
        var (again, _) = Train(env, train, source.Range(12, 2), epochs: 2);
        Assert.Equal(first.SnapshotWeights(), again.SnapshotWeights()); // the seed decides the windows' order and each window's shuffle
        Assert.All(firstFit.History, h => Assert.True(float.IsFinite(h.TrainLoss) && float.IsFinite(h.ValidationLoss)));
    }

    private static bool Same(TrajectoryDataset episode, TrajectoryDataset window, int e)
    {
        if (episode.Lengths[0] != window.Lengths[e]) return false;
        for (int t = 0; t <= episode.Lengths[0]; t++)
            if (!episode.Observation(0, t).SequenceEqual(window.Observation(e, t)) || !episode.Belief(0, t).SequenceEqual(window.Belief(e, t))) return false;
        return true;
    }

    [Fact]
    public async Task A_cut_shard_is_refused_when_the_folder_is_opened_naming_it_before_any_training()
    {
        var episodes = await Episodes(s_settings with { Episodes = 6 });
        using (var writer = new TrajectoryWriter(_dir.FullName, s_settings with { Episodes = 6 }, shardSteps: 1))
        {
            for (int e = 0; e < episodes.Count; e++) writer.Add(e, episodes[e]);
            writer.Complete();
        }
        string fourth = SimulationTrajectories.ShardPath(_dir.FullName, 3);
        var bytes = File.ReadAllBytes(fourth);
        File.WriteAllBytes(fourth, bytes[..(bytes.Length - 40)]);
        var e2 = Assert.Throws<InvalidModelFileException>(() => SimulationTrajectories.Open(_dir.FullName, windowSteps: 50));
        Assert.Contains("trajectories-000003.npz", e2.Message, StringComparison.Ordinal);
        Assert.Contains("truncated or corrupted", e2.Message, StringComparison.Ordinal);
    }
}
