using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;
using Microsoft.Extensions.Logging.Abstractions;
using Pwmk.Server.Persistence;
using Pwmk.Server.Simulation;

namespace Pwmk.Server.Tests.Durability;

/// <summary>Online world-model training that stops and resumes from the state directory continues exactly as uninterrupted training.</summary>
public sealed class TrainingResumeTests : IDisposable
{
    private readonly string _straight = Directory.CreateTempSubdirectory("pwmk-train-a-").FullName;
    private readonly string _resumed = Directory.CreateTempSubdirectory("pwmk-train-b-").FullName;
    private readonly string _control = Directory.CreateTempSubdirectory("pwmk-train-c-").FullName;
    private static readonly SimulationSettings Background = new(StepDelayMs: 0, MaxStepsPerEpisode: 40);

    public void Dispose()
    {
        foreach (var d in new[] { _straight, _resumed, _control })
        {
            try { Directory.Delete(d, recursive: true); }
            catch (IOException) { }
        }
    }

    private static async Task<SimulationRun> Run(string dir, int episodes, bool resume)
    {
        var persistence = new SimulationPersistence(dir, NullLogger.Instance);
        var run = new SimulationRun("t", Background with { Episodes = episodes }, null, NullLogger.Instance, persistence);
        if (resume) Assert.True(persistence.TryResume(run), "the saved state was not resumed");
        run.Start(CancellationToken.None);
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SimulationStatus.Completed, run.Status);
        return run;
    }

    private static byte[] Weights(SimulationRun run, string dir)
    {
        string path = Path.Combine(dir, "..", Path.GetFileName(dir) + "-weights.safetensors");
        try
        {
            run.SaveWorldModel(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Training_resumed_after_a_stop_continues_bit_for_bit_like_uninterrupted_training()
    {
        var straight = await Run(_straight, 4, resume: false);

        await Run(_resumed, 2, resume: false);
        var saved = SimulationStateFile.TryRead(_resumed, out var error);
        Assert.True(error is null, error);
        Assert.NotNull(saved!.OptimizerFile);
        Assert.True(File.Exists(Path.Combine(_resumed, saved.OptimizerFile)));
        // control: the same saved weights without the optimiser state (as saved before it was kept)
        SimulationStateFile.Write(_control, saved with { OptimizerFile = null }, path => File.Copy(Path.Combine(_resumed, saved.ModelFile!), path, overwrite: true));
        var resumed = await Run(_resumed, 4, resume: true);

        Assert.Equal(straight.TrainingLoss.Snapshot().Select(p => p.V), resumed.TrainingLoss.Snapshot().Select(p => p.V));
        Assert.Equal(Weights(straight, _straight), Weights(resumed, _resumed));
        var control = await Run(_control, 4, resume: true);
        Assert.NotEqual(Weights(straight, _straight), Weights(control, _control)); // the optimiser state is what makes the difference
        // the saved files are replaced as training goes on: one checkpoint and one optimiser state remain
        Assert.Equal(2, Directory.EnumerateFiles(_resumed, SimulationStateFile.ModelPrefix + "*").Count());
    }
}
