using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;

namespace Pwmk.Cluster.Tests;

/// <summary>
/// A simulation grain hosts the server's simulation run, and its persisted state carries the world model and its optimiser:
/// a simulation activated again (after a restart, or on another member) trains on from its checkpoint, not from a fresh model.
/// </summary>
public sealed class SimulationGrainTests : LocalClusterTestBase
{
    private static readonly SimulationSettings Trained = new("box-world", 2, 2, Seed: 3, Episodes: 2, StepDelayMs: 0, Train: true, MaxStepsPerEpisode: 30);
    private static async Task<SimulationRun> Finished(SimulationSettings settings)
    {
        var run = new SimulationRun("a", settings, null, NullLogger.Instance);
        run.Start(CancellationToken.None);
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(SimulationStatus.Completed, run.Status);
        return run;
    }

    [Fact]
    public async Task A_checkpoint_restores_the_trained_world_model_and_its_optimiser_exactly()
    {
        var trained = await Finished(Trained);
        var saved = SimulationCheckpoint.Capture(trained);
        Assert.NotNull(saved.Model);
        Assert.NotNull(saved.Optimizer);
        Assert.Equal(2, saved.TrainingLoss.Length);

        var resumed = new SimulationRun("b", Trained with { Episodes = 3 }, null, NullLogger.Instance);
        Assert.Null(saved.RestoreInto(resumed));
        Assert.Equal(2, resumed.Episode);
        Assert.Equal(2, resumed.ModelResumedFrom);
        var again = SimulationCheckpoint.Capture(resumed);
        Assert.Equal(saved.Model, again.Model);
        Assert.Equal(saved.Optimizer, again.Optimizer);
        Assert.Equal(saved.TrainingLoss, again.TrainingLoss);

        // it trains on from there: one more episode, its loss added to the two restored
        resumed.Start(CancellationToken.None);
        await resumed.Completion.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(3, resumed.Episode);
        Assert.Equal(3, resumed.TrainingLoss.Count);
    }

    [Fact]
    public async Task A_checkpoint_of_another_size_is_refused_and_the_run_resumes_its_episodes_without_it()
    {
        var saved = SimulationCheckpoint.Capture(await Finished(Trained));
        var other = new SimulationRun("c", Trained with { Agents = 3 }, null, NullLogger.Instance);
        Assert.Contains("do not match", saved.RestoreInto(other), StringComparison.Ordinal);
        Assert.Equal(2, other.Episode);
        Assert.Null(other.ModelResumedFrom);
        Assert.False(other.HasWorldModel);
        var garbage = saved with { Model = [1, 2, 3] };
        Assert.NotNull(garbage.RestoreInto(new SimulationRun("d", Trained, null, NullLogger.Instance)));
    }

    private static async Task<SimulationView> WaitFor(ISimulationGrain grain, Func<SimulationView, bool> done)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var view = await grain.View();
            if (done(view)) return view;
            await Task.Delay(50, deadline.Token);
        }
    }

    [Fact]
    public async Task On_a_member_whose_beliefs_are_journaled_a_simulation_grain_saves_its_state_into_a_folder_its_first_write_makes()
    {
        // plain serve: the grain state folder is not made at start-up (the partitions write to the journal), so a simulation's
        // first checkpoint makes it
        var spec = new SimulationSpec("box-world", 2, 2, 3, 0, 0, true, SimulationSettings.SimulatorPlanner, 30);
        var folder = Path.Combine(StateDir, "cluster");
        using var host = await Start(new MemoryJournal());
        Assert.False(Directory.Exists(folder));
        var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ISimulationGrain>("csim-journaled");
        await grain.Start(spec);
        await WaitFor(grain, v => v.Episode >= 1 && v.CheckpointBytes > 0);
        Assert.NotEmpty(Directory.GetFiles(folder, "*.grain"));
        await grain.Stop();
        await host.StopAsync();
    }

    [Fact]
    public async Task A_simulation_grain_restarted_from_disk_resumes_its_episodes_and_its_world_model()
    {
        var spec = new SimulationSpec("box-world", 2, 2, 3, 0, 0, true, SimulationSettings.SimulatorPlanner, 30);
        int episode;
        using (var host = await Start())
        {
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ISimulationGrain>("csim-restart");
            await grain.Start(spec);
            episode = (await WaitFor(grain, v => v.Episode >= 2 && v.CheckpointBytes > 0)).Episode;
            var local = host.Services.GetRequiredService<LocalSimulations>().Find("csim-restart");
            Assert.NotNull(local);
            Assert.True(local.Timeline.Count > 0);
            await host.StopAsync();
        }
        using (var host = await Start())
        {
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ISimulationGrain>("csim-restart");
            var view = await grain.View();
            Assert.Equal("running", view.Status);
            Assert.Equal(2, view.Activations);
            // the graceful stop saved the episodes it had finished, with the world model trained on them
            Assert.True(view.ResumedAt >= episode, $"resumed at {view.ResumedAt}, had finished {episode}");
            Assert.Equal(view.ResumedAt, view.ModelResumedAt);
            var stopped = await grain.Stop();
            Assert.Equal(200, stopped.Status);
            Assert.Contains("\"status\":\"stopped\"", stopped.Body, StringComparison.Ordinal);
            await host.StopAsync();
        }
        using (var host = await Start())
        {
            // a stopped simulation stays stopped
            var view = await host.Services.GetRequiredService<IGrainFactory>().GetGrain<ISimulationGrain>("csim-restart").View();
            Assert.Equal("stopped", view.Status);
            await host.StopAsync();
        }
    }
}
