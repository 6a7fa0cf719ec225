using Pwmk.Logic.Parsing;

namespace Pwmk.Logic.Solving;

/// <summary>
/// The clause database shared by the machines that run queries on it: predicates, flags,
/// operators, global variables. Mutations take <see cref="WriteLock"/>; readers work on
/// published snapshots (logical update view through generations).
/// </summary>
internal sealed class Database
{
    private readonly Dictionary<int, Predicate> _preds = new();
    public readonly object WriteLock = new();
    private long _generation = 1;
    public OperatorTable Ops { get; } = OperatorTable.CreateDefault();
    public Dictionary<string, Record> Globals { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Flags { get; } = new(StringComparer.Ordinal)
    {
        ["double_quotes"] = "codes",
        ["unknown"] = "error",
        ["occurs_check"] = "false",
    };
    public int Version;

    /// <summary>When set, every clause added (true) or removed (false) is recorded, so a failed query can be rolled back.</summary>
    public List<(Clause Clause, bool Added)>? Log;   // bumped when a predicate's definition changes (for caches)

    /// <summary>Predicates with retracted clauses still in their clause arrays (guarded by <see cref="WriteLock"/>).</summary>
    private readonly HashSet<Predicate> _withDead = [];

    /// <summary>Notes that <paramref name="p"/> holds a dead clause (caller holds <see cref="WriteLock"/>).</summary>
    public void NoteDead(Predicate p)
    {
        p.DeadCount++;
        _withDead.Add(p);
    }

    /// <summary>
    /// Drops dead clauses from the predicates where they have piled up (half of the clauses or more). Called between
    /// top-level queries, when no choicepoint iterates an old clause array, so every dead clause can go.
    /// </summary>
    public void CompactDead()
    {
        lock (WriteLock)
        {
            if (_withDead.Count == 0) return;
            ulong now = Generation;
            _withDead.RemoveWhere(p =>
            {
                p.CompactIfNeeded(now);
                return p.DeadCount == 0;
            });
        }
    }

    public ulong Generation => (ulong)Interlocked.Read(ref _generation);
    public ulong NextGeneration() => (ulong)Interlocked.Increment(ref _generation);

    public Predicate Lookup(int functor)
    {
        lock (_preds)
        {
            if (!_preds.TryGetValue(functor, out var p))
            {
                p = new Predicate(functor);
                _preds[functor] = p;
            }
            return p;
        }
    }

    public Predicate? TryGet(int functor)
    {
        lock (_preds) return _preds.TryGetValue(functor, out var p) ? p : null;
    }

    public List<Predicate> AllPredicates()
    {
        lock (_preds) return _preds.Values.ToList();
    }
}
