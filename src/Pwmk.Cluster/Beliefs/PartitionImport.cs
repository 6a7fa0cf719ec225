using Microsoft.Extensions.Hosting;

namespace Pwmk.Cluster.Beliefs;

/// <summary>
/// At start-up of a member whose partitions are kept in a journal: belief partitions an earlier version kept as grain state
/// in the state directory's <c>cluster</c> folder (<c>--cluster local</c> before the journal) are moved into the journal,
/// once. The directory of that version names every partition it wrote; each is activated (its activation commits its facts
/// to the journal, then clears its grain state), then the directory is cleared. Runs once the silo is active; belief changes
/// wait for it (<see cref="LocalPartitions.Imported"/>), so they land after the imported facts. A crash half-way repeats it
/// at the next start (asserting a fact the journal holds changes nothing).
/// </summary>
internal sealed class PartitionImport(IGrainFactory grains, SiloStarted silo, LocalPartitions local, string stateDirectory) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ImportAsync(cancellationToken).ConfigureAwait(false);
            local.ImportEnded();
        }
        catch (Exception e)
        {
            local.ImportEnded(e);
            throw;
        }
    }

    private async Task ImportAsync(CancellationToken cancellationToken)
    {
        // no grain state at all (the usual case): nothing to ask
        if (!Directory.Exists(stateDirectory) || !Directory.EnumerateFiles(stateDirectory, "*.grain").Any()) return;
        await silo.Active.WaitAsync(cancellationToken).ConfigureAwait(false);
        var directory = grains.GetGrain<IBeliefDirectoryGrain>(0);
        var old = await directory.Snapshot().WaitAsync(cancellationToken).ConfigureAwait(false);
        var partitions = old.WorldPredicates.Length > 0 ? old.Agents.Append(BeliefPartitions.World) : old.Agents;
        foreach (var p in partitions) await grains.GetGrain<IBeliefPartitionGrain>(p).Commit([], background: false).WaitAsync(cancellationToken).ConfigureAwait(false);
        await directory.Clear().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
