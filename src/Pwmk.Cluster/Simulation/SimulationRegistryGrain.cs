using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Pwmk.Cluster.Simulation;

/// <summary>The simulations of the cluster (one grain, key 0), so that every member can keep them running.</summary>
[Alias("pwmk.simulation-registry")]
public interface ISimulationRegistryGrain : IGrainWithIntegerKey
{
    [Alias("add")]
    Task Add(string id);

    [Alias("remove")]
    Task Remove(string id);

    [Alias("all"), ReadOnly]
    Task<string[]> All();
}

/// <summary>Persisted registry.</summary>
[GenerateSerializer, Alias("pwmk.simulation-registry-state")]
public sealed class SimulationRegistryState
{
    [Id(0)] public SortedSet<string> Ids { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class SimulationRegistryGrain(
    [PersistentState("registry", ClusterHosting.Storage)] IPersistentState<SimulationRegistryState> state) : Grain, ISimulationRegistryGrain
{
    public async Task Add(string id)
    {
        if (state.State.Ids.Add(id)) await state.WriteStateAsync().ConfigureAwait(true);
    }

    public async Task Remove(string id)
    {
        if (state.State.Ids.Remove(id)) await state.WriteStateAsync().ConfigureAwait(true);
    }

    public Task<string[]> All() => Task.FromResult(state.State.Ids.ToArray());
}

/// <summary>
/// On every member: calls each registered simulation every few seconds. A simulation whose member died is activated by
/// that call on a live member (once membership has declared the dead one dead), and resumes from its last checkpoint.
/// </summary>
internal sealed class SimulationKeeper(IGrainFactory grains, ILogger<SimulationKeeper> log, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var ids = await grains.GetGrain<ISimulationRegistryGrain>(0).All().WaitAsync(Interval, stoppingToken).ConfigureAwait(false);
                foreach (var id in ids)
                    _ = grains.GetGrain<ISimulationGrain>(id).View().WaitAsync(Interval * 3, stoppingToken).ContinueWith(
                        t => log.LogDebug("simulation {Id} did not answer: {Error}", id, t.Exception?.GetBaseException().Message),
                        CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                log.LogDebug("the simulation registry did not answer: {Error}", e.Message);
            }
        }
    }
}
