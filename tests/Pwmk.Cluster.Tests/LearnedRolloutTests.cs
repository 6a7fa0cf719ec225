using Microsoft.Extensions.DependencyInjection;
using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;

namespace Pwmk.Cluster.Tests;

/// <summary>
/// <c>pwmk simulate --cluster --planner learned --model FILE</c>: the client sends the world model to every rollout worker,
/// whose episodes plan with it (not trained): the episodes and trajectories are those one process makes with that model, and
/// its plans are theirs (the learned planner without a model plans nothing).
/// </summary>
public sealed class LearnedRolloutTests : LocalClusterTestBase
{
    private static readonly SimulationSettings Learned = new("box-world", 2, 2, Seed: 4, Episodes: 0, StepDelayMs: 0, Train: false, MaxStepsPerEpisode: 40)
    {
        Planner = SimulationSettings.LearnedPlanner,
    };

    /// <summary>A world model trained online for <paramref name="episodes"/> episodes (another seed than the rollout's), as its file's bytes.</summary>
    private static async Task<byte[]> TrainedModel(int episodes = 3)
    {
        var runner = new EpisodeRunner(Learned with { Seed = 9, Episodes = episodes, Train = true });
        await runner.RunAsync(CancellationToken.None);
        string path = Path.Combine(Path.GetTempPath(), "pwmk-test-model-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            runner.WorldModel.Inspect(m =>
            {
                m!.Save(path);
                return 0;
            });
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Episodes 0..n-1 run in this process by one runner planning with <paramref name="model"/> (null: no model).</summary>
    private static async Task<List<(int Steps, double Reward, RolloutTrajectory? Trajectory, int Planned)>> OneProcess(byte[]? model, int n)
    {
        var runner = new EpisodeRunner(Learned);
        if (model is not null) Assert.Null(RolloutModels.Use(runner, RolloutModels.Read(model)));
        var episodes = new List<(int, double, RolloutTrajectory?, int)>();
        for (int e = 0; e < n; e++)
        {
            runner.ResumeAt(e, 0);
            var (report, trajectory) = await RolloutEpisodes.RunAsync(runner, trajectories: true);
            episodes.Add((report.Steps, report.Reward, trajectory, report.PlannedDecisions));
        }
        return episodes;
    }

    [Fact]
    public async Task Episodes_planned_with_the_given_world_model_are_those_one_process_plans_with_it()
    {
        // trained long enough (20 short episodes) that its imagined rollouts find plans the agents follow
        var model = await TrainedModel(episodes: 20);
        string digest = RolloutModels.Digest(model);
        using var host = await Start();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var spec = new RolloutSpec(Learned.Env, Learned.Agents, Learned.TomDepth, Learned.Seed, Learned.MaxStepsPerEpisode, Trajectories: true,
            SimulationSettings.LearnedPlanner, digest);
        var trajectories = new RolloutTrajectory?[6];
        var episodes = await ClusterRollouts.RunAsync(grains, spec, 6, 2, e => trajectories[e.Episode] = e.Trajectory, CancellationToken.None, model);
        // every episode's worker held the model given (the digest of the bytes it loaded), and produced trajectories
        Assert.All(episodes, e => Assert.Equal(digest, e.Model));
        Assert.All(trajectories, t => Assert.True(t is { Steps: > 0 }));
        var expected = await OneProcess(model, 6);
        for (int e = 0; e < 6; e++)
        {
            Assert.Equal(expected[e].Steps, episodes[e].Steps);
            Assert.Equal(expected[e].Reward, episodes[e].Reward);
            Assert.Equal(expected[e].Trajectory!.Actions, trajectories[e]!.Actions);
            Assert.Equal(expected[e].Trajectory!.Observations, trajectories[e]!.Observations);
            Assert.Equal(expected[e].Planned, episodes[e].PlannedDecisions);
        }
        // the model steers the episodes: its plans are followed, where the learned planner without a model plans nothing
        int planned = episodes.Sum(e => e.PlannedDecisions);
        Assert.True(planned > 0, "no decision followed the world model's plans");
        Assert.Equal(0, (await OneProcess(null, 6)).Sum(e => e.Planned));
    }

    [Fact]
    public async Task A_model_of_other_sizes_is_refused_and_a_spec_must_name_the_model_given()
    {
        var model = await TrainedModel();
        var threeAgents = new EpisodeRunner(Learned with { Agents = 3 });
        Assert.Contains("sizes", RolloutModels.Use(threeAgents, RolloutModels.Read(model)), StringComparison.Ordinal);
        using var host = await Start();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var spec = new RolloutSpec("box-world", 3, 2, 4, 40, false, SimulationSettings.LearnedPlanner, RolloutModels.Digest(model));
        // the workers refuse it (the rollout fails with their reason)
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => ClusterRollouts.RunAsync(grains, spec, 2, 1, null, CancellationToken.None, model));
        Assert.Contains("sizes", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => ClusterRollouts.RunAsync(grains, spec with { Agents = 2 }, 2, 1, null, CancellationToken.None, [1, 2, 3]));
    }
}
