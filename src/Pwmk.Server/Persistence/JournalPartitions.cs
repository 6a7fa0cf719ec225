using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;

namespace Pwmk.Server.Persistence;

/// <summary>
/// The server's journaled store as the keeper of a one-member cluster's belief partitions: a partition's changes are
/// committed through <see cref="DurableBeliefStore.CommitAsync"/> (journal append, fsync by the <c>--fsync</c> policy,
/// snapshots) and its facts read from the journal's store, the one store of the process.
/// </summary>
internal sealed class JournalPartitions(DurableBeliefStore durable) : IPartitionJournal
{
    public BeliefStore Store => durable.Store;

    public async Task<FactOutcome[]> CommitAsync(IReadOnlyList<BeliefChange> changes, bool background)
    {
        ChangeOutcome[] outcomes;
        try
        {
            outcomes = await durable.CommitAsync(changes, simulation: background).ConfigureAwait(false);
        }
        catch (StateUnavailableException e)
        {
            // a type of the cluster's, so the router passes the journal's own words on
            throw new ClusterUnavailableException(e.Message, e);
        }
        var result = new FactOutcome[outcomes.Length];
        for (int i = 0; i < outcomes.Length; i++)
            result[i] = outcomes[i].Error is { } e
                ? new FactOutcome(false, outcomes[i].FactCount, e.Message, e.Line, e.Column)
                : new FactOutcome(outcomes[i].Changed, outcomes[i].FactCount, null);
        return result;
    }
}
