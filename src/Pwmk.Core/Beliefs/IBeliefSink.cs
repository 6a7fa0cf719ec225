namespace Pwmk.Core.Beliefs;

/// <summary>
/// Where belief changes go: the one path from a perspective tracker into a store. In a process of its own that is an
/// in-memory store (<see cref="InMemoryBeliefStore"/>, <see cref="BeliefStore"/>); in the server, the journaled store.
/// </summary>
public interface IBeliefSink
{
    /// <summary>
    /// Applies <paramref name="changes"/> in order. The task completes once readers of the store see them (a durable store
    /// may complete before its disk write is flushed; see its own documentation). A fact is applied as given: asserting a
    /// held fact or retracting an absent one changes nothing.
    /// </summary>
    ValueTask ApplyAsync(IReadOnlyList<BeliefChange> changes, CancellationToken cancellationToken = default);
}
