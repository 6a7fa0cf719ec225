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
        var joined = SimulationTrajectories.Join(await Episodes(s_settings));
        SimulationTrajectories.Save(_dir.FullName, s_settings, [0, 1, 2], joined);
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
        SimulationTrajectories.Save(_dir.FullName, s_settings, [0, 1, 2], SimulationTrajectories.Join(await Episodes(s_settings)));
        string settings = Path.Combine(_dir.FullName, SimulationTrajectories.SettingsFile);
        File.WriteAllText(settings, File.ReadAllText(settings).Replace("\"agents\": 2", "\"agents\": 3", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidModelFileException>(() => SimulationTrajectories.Load(_dir.FullName));
        Assert.Contains(SimulationTrajectories.DataFile, e.Message, StringComparison.Ordinal);
        File.WriteAllText(settings, "{ not json");
        e = Assert.Throws<InvalidModelFileException>(() => SimulationTrajectories.Load(_dir.FullName));
        Assert.Contains(SimulationTrajectories.SettingsFile, e.Message, StringComparison.Ordinal);
    }
}
