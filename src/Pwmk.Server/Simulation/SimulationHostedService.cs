using Pwmk.Core.Simulation;
using Microsoft.Extensions.Options;
using Pwmk.Cluster.Simulation;
using Pwmk.Server.Persistence;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Simulation;

/// <summary>
/// Starts the background simulation with the server: the cluster's simulation grain <see cref="SimulationNames.BackgroundId"/>
/// (one per cluster, kept running with this server's settings: resumed from its checkpoint in the cluster's grain storage,
/// or started afresh when it was saved with other settings). With <c>--no-simulation</c> on a one-member cluster a
/// background simulation left in the state directory is held and stopped (never run here: it stays listed with its agents'
/// beliefs, and resumes when the server starts with a simulation again); a member of a larger cluster with <c>--no-simulation</c> leaves it to the others.
/// On graceful shutdown it suspends every simulation whose activation is on this member (each writes its checkpoint), shuts
/// the journal down (fsync, final snapshot; see <see cref="DurableBeliefStore.Shutdown"/>) and exports the belief store
/// (<c>beliefs.pl</c>, for people and other tools) and the background simulation's world model (<c>world_model.pwmk</c>,
/// when it ran here) to the state directory.
/// </summary>
internal sealed class SimulationHostedService(IGrainFactory grains, LocalSimulations local, DurableBeliefStore durable,
    IOptions<PwmkServerOptions> options, ILogger<SimulationHostedService> log) : IHostedService
{
    /// <summary>Longest time graceful shutdown gives the journal to commit, fsync and snapshot.</summary>
    internal static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Task _start = Task.CompletedTask;

    private ISimulationGrain Background => grains.GetGrain<ISimulationGrain>(SimulationNames.BackgroundId);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // the silo starts beside the web server: the background simulation is started once it is active
        _start = Task.Run(StartBackgroundAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StartBackgroundAsync()
    {
        var o = options.Value;
        try
        {
            await local.SiloActive.WaitAsync(_stopping.Token).ConfigureAwait(false);
            if (o.Simulate)
            {
                var spec = SimulationSpec.Of(new SimulationSettings(o.Env, o.Agents, o.TomDepth, o.Seed, 0, o.StepDelayMs, o.Train) { Planner = o.Planner });
                var view = await Background.Keep(spec).WaitAsync(_stopping.Token).ConfigureAwait(false);
                log.BackgroundSimulation(view.Id, view.Member, view.Episode, view.ResumedAt);
            }
            else if (o.ClusterSettings.IsLocal)
            {
                var ids = await grains.GetGrain<ISimulationRegistryGrain>(0).All().WaitAsync(_stopping.Token).ConfigureAwait(false);
                if (ids.Contains(SimulationNames.BackgroundId)) await Background.Stop().WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.BackgroundSimulationFailed(e);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _start.ConfigureAwait(false);
        // this member's simulations stop and checkpoint while the journal still takes their last belief changes; an activation
        // made from now on does not start its loop
        local.Closing = true;
        var background = local.Find(SimulationNames.BackgroundId);
        try
        {
            await Task.WhenAll(local.All.Select(r => grains.GetGrain<ISimulationGrain>(r.Id).Suspend())).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.SimulationsNotSuspended(e.Message);
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
            if (background is { HasWorldModel: true, Status: not SimulationStatus.Running }) background.SaveWorldModel(Path.Combine(dir, "world_model.pwmk"));
            log.StateSaved(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.StateSaveFailed(e, dir);
        }
    }
}
