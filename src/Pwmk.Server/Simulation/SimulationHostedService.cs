using Microsoft.Extensions.Options;
using Pwmk.Core.Beliefs;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Simulation;

/// <summary>
/// Starts the background simulation with the server and, on graceful shutdown, stops every simulation and saves
/// the belief store (<c>beliefs.pl</c>) and the world model (<c>world_model.pwmk</c>) to <see cref="PwmkServerOptions.StateDir"/>.
/// </summary>
internal sealed class SimulationHostedService(SimulationManager manager, BeliefStore store, IOptions<PwmkServerOptions> options, ILogger<SimulationHostedService> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Simulate)
        {
            manager.Start(new SimulationParameters(o.Env, o.Agents, o.TomDepth, o.Seed, 0, o.StepDelayMs, o.Train), mirrorBeliefs: true);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await manager.StopAllAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var dir = options.Value.StateDir;
        if (string.IsNullOrWhiteSpace(dir)) return;
        try
        {
            Directory.CreateDirectory(dir);
            store.Save(Path.Combine(dir, "beliefs.pl"));
            var primary = manager.Primary;
            if (primary is { HasWorldModel: true }) primary.SaveWorldModel(Path.Combine(dir, "world_model.pwmk"));
            log.LogInformation("state saved to {Dir}", dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogError(e, "could not save state to {Dir}", dir);
        }
    }
}
