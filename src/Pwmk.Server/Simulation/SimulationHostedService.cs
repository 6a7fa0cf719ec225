using Pwmk.Core.Simulation;
using Microsoft.Extensions.Options;
using Pwmk.Server.Persistence;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Simulation;

/// <summary>
/// Starts the background simulation with the server and, on graceful shutdown, stops every simulation, shuts the journal
/// down (fsync, final snapshot; see <see cref="DurableBeliefStore.Shutdown"/>) and exports the belief store
/// (<c>beliefs.pl</c>, for people and other tools) and the world model (<c>world_model.pwmk</c>) to the state directory.
/// With a state directory the background simulation resumes from, and keeps saving, <c>simulation.json</c> and its world
/// model checkpoint (see <see cref="SimulationPersistence"/>); it saves a last time as it stops.
/// </summary>
internal sealed class SimulationHostedService(SimulationManager manager, DurableBeliefStore durable, IOptions<PwmkServerOptions> options, ILogger<SimulationHostedService> log) : IHostedService
{
    /// <summary>Longest time graceful shutdown gives the journal to commit, fsync and snapshot.</summary>
    internal static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(5);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Simulate)
        {
            // with a state directory the background simulation resumes where it stopped and saves as it goes (simulation.json)
            var persistence = durable.Directory is { } dir ? new SimulationPersistence(dir, log) : null;
            manager.Start(new SimulationSettings(o.Env, o.Agents, o.TomDepth, o.Seed, 0, o.StepDelayMs, o.Train) { Planner = o.Planner }, mirrorBeliefs: true, persistence);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await manager.StopAllAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // every acknowledged change is already in the journal; this fsyncs the batched tail and writes a final snapshot
            if (!durable.Shutdown(ShutdownBudget)) log.JournalShutdownSlow(ShutdownBudget);
        }
        var dir = durable.Directory;
        if (dir is null) return;
        try
        {
            durable.Store.Save(Path.Combine(dir, "beliefs.pl"));
            var primary = manager.Primary;
            if (primary is { HasWorldModel: true }) primary.SaveWorldModel(Path.Combine(dir, "world_model.pwmk"));
            log.StateSaved(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.StateSaveFailed(e, dir);
        }
    }
}
