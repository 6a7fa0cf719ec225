using Pwmk.Core.Beliefs;

namespace Pwmk.Cluster.Beliefs;

/// <summary>
/// The journaled store a one-member cluster keeps its belief partitions in (the server's write-ahead journal and the store
/// it applies to): every partition's changes are committed here, in the order the partitions send them, and every
/// partition's facts are read from <see cref="Store"/>. The host implements it over its own journal and hands it to
/// <see cref="ClusterHosting.AddPwmkCluster"/>; a cluster on Redis has none (its partitions keep grain state).
/// </summary>
public interface IPartitionJournal
{
    /// <summary>
    /// The store holding the committed facts of every partition (beliefs of every agent and the world facts): read it freely,
    /// change it only through <see cref="CommitAsync"/>. It holds a change only once that change is durable.
    /// </summary>
    BeliefStore Store { get; }

    /// <summary>
    /// Journals <paramref name="changes"/>, then applies them to <see cref="Store"/>, in order after every change committed
    /// before; completes once they are durable by the host's policy (<paramref name="background"/>: the looser policy of
    /// the background simulation's writes). One outcome per change; a change the store refuses is an outcome with its error,
    /// not applied. Faults (nothing applied) when the journal cannot be written.
    /// </summary>
    Task<FactOutcome[]> CommitAsync(IReadOnlyList<BeliefChange> changes, bool background);
}
