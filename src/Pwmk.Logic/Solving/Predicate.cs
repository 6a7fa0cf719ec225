using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Pwmk.Logic.Solving;

internal delegate bool DetBuiltin(Machine m);

/// <summary>Nondeterministic built-in: called with state null first; push a redo with <see cref="Machine.PushRedo"/> to offer more.</summary>
internal delegate bool NondetBuiltin(Machine m, object? state);

/// <summary>An immutable view of a predicate's clause list (append-only arrays are shared between views).</summary>
internal sealed class ClauseSet
{
    public static readonly ClauseSet Empty = new([], 0);
    public readonly Clause[] Arr;
    public readonly int Count;
    public ClauseSet(Clause[] arr, int count) { Arr = arr; Count = count; }
}

/// <summary>A predicate: its clauses, flags, indexes, or its built-in implementation.</summary>
internal sealed class Predicate
{
    public readonly int Functor;
    public readonly int Arity;
    public readonly string Name;
    public bool Dynamic, Tabled, Discontiguous, Defined, Library, Consulted;
    public DetBuiltin? Det;
    public NondetBuiltin? Nondet;
    public Func<Machine, bool>? Control;   // sets the machine's next clause/pc itself (call/N, ...)
    public bool IsControl;             // call/N, catch/3, findall/3 ... compiled specially when static
    public volatile ClauseSet Clauses = ClauseSet.Empty;
    public int DeadCount;
    private volatile ArgIndex?[]? _indexes;     // by call mask; an index is published once built

    public Predicate(int functor)
    {
        Functor = functor;
        Arity = Symbols.FunctorArity(functor);
        Name = Symbols.FunctorName(functor);
    }

    public bool IsBuiltin => Det is not null || Nondet is not null || Control is not null || IsControl;
    public string Indicator => Name + "/" + Arity;

    public const int IndexThreshold = 8;

    // ---- mutation (caller holds the database write lock) ----

    public void Append(Clause c)
    {
        var cs = Clauses;
        var arr = cs.Arr;
        if (cs.Count == arr.Length)
        {
            var n = new Clause[Math.Max(4, arr.Length * 2)];
            Array.Copy(arr, n, cs.Count);
            arr = n;
        }
        arr[cs.Count] = c;
        Clauses = new ClauseSet(arr, cs.Count + 1);
        var idx = _indexes;
        if (idx is not null)
            foreach (var ix in idx) ix?.Add(c);
    }

    public void Prepend(Clause c)
    {
        var cs = Clauses;
        var n = new Clause[Math.Max(4, cs.Count + 1 + cs.Count / 2)];
        n[0] = c;
        Array.Copy(cs.Arr, 0, n, 1, cs.Count);
        Clauses = new ClauseSet(n, cs.Count + 1);
        _indexes = null;
    }

    /// <summary>Dead clauses at which the next compaction is tried (<see cref="CompactIfNeeded"/>).</summary>
    private int _tryAtDead = 64;
    private ulong _compactedAt;

    /// <summary>
    /// Drops dead clauses when they dominate: those no query can reach any more, that is, dead in every view at or after
    /// <paramref name="oldestActiveGeneration"/>, or born after <paramref name="published"/> (a change of the writer's
    /// session not yet committed, which no reader sees) and dead since. Readers and the writer's own choicepoints keep
    /// the arrays they started with. Runs while the writer is still running (a program that asserts and retracts in a loop
    /// must not scan a growing list of dead clauses), so it is tried again only once many more clauses died or the oldest
    /// view moved on.
    /// Caller holds the write lock.
    /// </summary>
    public void CompactIfNeeded(ulong oldestActiveGeneration, ulong published)
    {
        var cs = Clauses;
        if (DeadCount < 64 || DeadCount * 2 < cs.Count) return;
        if (DeadCount < _tryAtDead && oldestActiveGeneration == _compactedAt) return;   // nothing more can go yet
        int keep = 0;
        for (int i = 0; i < cs.Count; i++)
            if (Reachable(cs.Arr[i], oldestActiveGeneration, published)) keep++;
        if (cs.Count - keep >= 64)
        {
            var n = new Clause[Math.Max(4, keep + 4)];
            int k = 0;
            for (int i = 0; i < cs.Count; i++)
            {
                var c = cs.Arr[i];
                if (Reachable(c, oldestActiveGeneration, published)) n[k++] = c;
            }
            DeadCount = 0;
            for (int i = 0; i < k; i++) if (n[i].Died != ulong.MaxValue) DeadCount++;
            Clauses = new ClauseSet(n, k);
            _indexes = null;
        }
        _tryAtDead = DeadCount + Math.Max(64, Clauses.Count / 2);
        _compactedAt = oldestActiveGeneration;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Reachable(Clause c, ulong oldest, ulong published) =>
        c.Died == ulong.MaxValue || (c.Died > oldest && c.Born <= published);

    /// <summary>Gives back the unused tail of the clause array (after a consult; caller holds the write lock).</summary>
    public void TrimExcess()
    {
        var cs = Clauses;
        if (cs.Arr.Length - cs.Count < 1024) return;
        var n = new Clause[cs.Count];
        Array.Copy(cs.Arr, n, cs.Count);
        Clauses = new ClauseSet(n, cs.Count);
    }

    public void ClearAll()
    {
        Clauses = ClauseSet.Empty;
        _indexes = null;
        DeadCount = 0;
        _tryAtDead = 64;
    }

    // ---- candidate selection ----

    /// <summary>Clauses that may match a call with the given mask/keys (all clauses when no index applies).</summary>
    public (Clause[] Arr, int Count) Candidates(Machine m, object writeLock)
    {
        var cs = Clauses;
        if (cs.Count <= IndexThreshold || Arity == 0) return (cs.Arr, cs.Count);
        int mask = m.CallMask(Arity);
        if (mask == 0) return (cs.Arr, cs.Count);
        var idx = _indexes;
        var ix = idx is null ? null : Volatile.Read(ref idx[mask]);
        if (ix is null)
        {
            lock (writeLock)
            {
                idx = _indexes ??= new ArgIndex?[256];
                ix = idx[mask];
                if (ix is null)
                {
                    cs = Clauses;
                    ix = new ArgIndex(mask, cs.Count);
                    for (int i = 0; i < cs.Count; i++) ix.Add(cs.Arr[i]);
                    Volatile.Write(ref idx[mask], ix);
                }
            }
        }
        return ix.Lookup(m.CallKey(mask));
    }
}

/// <summary>
/// A hash index of clauses on a combination of argument paths (argument i, or the first sub-argument of argument i).
/// The writer adds clauses under the database's write lock while readers look up without one: a bucket publishes its
/// clauses as an immutable (array, count) view, and its array is only ever appended to past every published count.
/// </summary>
internal sealed class ArgIndex
{
    private readonly int _mask;
    private readonly ConcurrentDictionary<long, Bucket> _map;
    private readonly Bucket _wild = new();

    private sealed class Bucket
    {
        public volatile ClauseSet View = ClauseSet.Empty;
        public void Add(Clause c)
        {
            var v = View;
            var arr = v.Arr;
            if (v.Count == arr.Length)
            {
                var n = new Clause[Math.Max(2, arr.Length * 2)];
                Array.Copy(arr, n, v.Count);
                arr = n;
            }
            arr[v.Count] = c;
            View = new ClauseSet(arr, v.Count + 1);
        }
        /// <summary>A new bucket holding this one's clauses and then <paramref name="c"/>.</summary>
        public Bucket CopyAdding(Clause c)
        {
            var v = View;
            var arr = new Clause[Math.Max(2, v.Count + 1)];
            Array.Copy(v.Arr, arr, v.Count);
            arr[v.Count] = c;
            return new Bucket { View = new ClauseSet(arr, v.Count + 1) };
        }
    }

    /// <summary>An index on the paths in <paramref name="mask"/>, sized for about <paramref name="clauses"/> keys.</summary>
    public ArgIndex(int mask, int clauses)
    {
        _mask = mask;
        _map = new ConcurrentDictionary<long, Bucket>(1, Math.Clamp(clauses, 31, 1 << 14));
    }

    public void Add(Clause c)
    {
        if (!ClauseKey(c, _mask, out long key))
        {
            _wild.Add(c);
            foreach (var kv in _map) kv.Value.Add(c);
            return;
        }
        if (!_map.TryGetValue(key, out var bucket))
        {
            _map[key] = _wild.CopyAdding(c);
            return;
        }
        bucket.Add(c);
    }

    public (Clause[], int) Lookup(long key)
    {
        var v = (_map.TryGetValue(key, out var b) ? b : _wild).View;
        return (v.Arr, v.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Mix(long h, long k) => unchecked((h ^ k) * (long)0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);

    /// <summary>Key of a clause for the paths in mask; false when some path is a variable (the clause matches every key).</summary>
    public static bool ClauseKey(Clause c, int mask, out long key)
    {
        var cells = c.Cells;
        key = 17;
        for (int i = 0; i < 4; i++)
        {
            if ((mask & (3 << (2 * i))) == 0) continue;
            long a = cells[i];
            long k = TemplateKey(cells, a);
            if (k == 0) return false;
            key = Mix(key, k);
            if ((mask & (2 << (2 * i))) != 0)
            {
                long sub;
                if (Cell.Tag(a) == Cell.STR) sub = cells[Cell.Addr(a) + 1];
                else if (Cell.Tag(a) == Cell.LST) sub = cells[Cell.Addr(a)];
                else return false;
                long sk = TemplateKey(cells, sub);
                if (sk == 0) return false;
                key = Mix(key, sk);
            }
        }
        return true;
    }

    /// <summary>Index key of a template cell: the atomic cell itself, the functor cell of a structure, a list marker; 0 for variables and boxes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long TemplateKey(long[] cells, long a) => Cell.Tag(a) switch
    {
        Cell.ATM or Cell.INT => a,
        Cell.STR => cells[Cell.Addr(a)],
        Cell.LST => ListKey,
        _ => 0,
    };

    public const long ListKey = (1L << 61) | Cell.FUN;
}
