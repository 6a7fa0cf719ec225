using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pwmk.Cluster.Beliefs;

namespace Pwmk.Cluster;

/// <summary>
/// On a member whose partitions are in a journal (plain <c>pwmk serve</c>): once the silo is active, one grain call that
/// changes nothing (an empty commit to the world partition, which activates it), so that the first belief writes of a fresh
/// process do not pay alone for the first use of the grain-call path (its code compiled, the codecs made, the first
/// activation). Runs in the background: <c>/health</c> and the first requests do not wait for it.
/// </summary>
internal sealed partial class PartitionWarmUp(IGrainFactory grains, SiloStarted silo, ILogger<PartitionWarmUp> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await silo.Active.WaitAsync(stoppingToken).ConfigureAwait(false);
            await grains.GetGrain<IBeliefPartitionGrain>(BeliefPartitions.World).Commit([], background: false).WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the host stopped first
        }
#pragma warning disable CA1031 // a warm-up that fails costs only time: the first write reports what is wrong
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(log, e.Message);
        }
    }

    [LoggerMessage(LogLevel.Debug, "the warm-up grain call failed: {Reason}")]
    private static partial void Failed(ILogger log, string reason);
}
