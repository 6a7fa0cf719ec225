using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pwmk.Server.Tests.Durability;

/// <summary>Online world-model training that stops and resumes from a simulation's checkpoint continues exactly as uninterrupted training.</summary>
public sealed class TrainingResumeTests
{
    private static readonly SimulationSettings Background = new(StepDelayMs: 0, MaxStepsPerEpisode: 40);

    private static async Task<SimulationRun> Run(int episodes, SimulationCheckpoint? from)
    {
        var run = new SimulationRun("t", Background with { Episodes = episodes }, null, NullLogger.Instance);
        if (from is not null) Assert.Null(from.RestoreInto(run));
        run.Start(CancellationToken.None);
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(SimulationStatus.Completed, run.Status);
        return run;
    }

    [Fact]
    public async Task Training_resumed_from_a_checkpoint_continues_bit_for_bit_like_uninterrupted_training()
    {
        var straight = SimulationCheckpoint.Capture(await Run(4, null));
        var saved = SimulationCheckpoint.Capture(await Run(2, null));
        Assert.NotNull(saved.Optimizer);
        var resumed = SimulationCheckpoint.Capture(await Run(4, saved));
        Assert.Equal(straight.TrainingLoss.Select(p => p.V), resumed.TrainingLoss.Select(p => p.V));
        Assert.Equal(straight.Model, resumed.Model);
        // control: the same weights without the optimiser state: the optimiser state is what makes the difference
        var control = SimulationCheckpoint.Capture(await Run(4, saved with { Optimizer = null }));
        Assert.NotEqual(straight.Model, control.Model);
    }
}
