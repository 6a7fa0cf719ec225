using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;

namespace Pwmk.Cluster.Tests;

/// <summary>An in-memory journal: commits in arrival order, fails while <see cref="Failing"/> is set (nothing applied then).</summary>
internal sealed class MemoryJournal : IPartitionJournal
{
    private readonly Lock _lock = new();
    public BeliefStore Store { get; } = new();
    public List<(BeliefChange Change, bool Background)> Log { get; } = [];
    public volatile bool Failing;

    public Task<FactOutcome[]> CommitAsync(IReadOnlyList<BeliefChange> changes, bool background)
    {
        lock (_lock)
        {
            if (Failing) return Task.FromException<FactOutcome[]>(new ClusterUnavailableException("the journal cannot be written (test)"));
            Log.AddRange(changes.Select(c => (c, background)));
            var outcomes = Store.InOneCommit(() => changes.Select(c =>
            {
                try
                {
                    bool changed = c.Kind == BeliefChangeKind.Assert ? Store.AssertFact(c.Fact) : Store.RetractFact(c.Fact);
                    return new FactOutcome(changed, Store.FactCount, null);
                }
                catch (BeliefStoreException e)
                {
                    return new FactOutcome(false, Store.FactCount, e.Message, e.Line, e.Column);
                }
            }).ToArray());
            return Task.FromResult(outcomes);
        }
    }
}
