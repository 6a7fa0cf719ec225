using System.Numerics;
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
    public bool Dynamic, Discontiguous, Defined, Library, Consulted;
    private DetBuiltin? _det;
    private NondetBuiltin? _nondet;
    private Func<Machine, bool>? _control;
    private bool _tabled;

    /// <summary>A built-in or a tabled predicate: a call takes the machine's slow path, not the clause path.</summary>
    public bool Special { get; private set; }

    public DetBuiltin? Det { get => _det; set { _det = value; NoteSpecial(); } }
    public NondetBuiltin? Nondet { get => _nondet; set { _nondet = value; NoteSpecial(); } }
    /// <summary>Sets the machine's next clause/pc itself (call/N, ...).</summary>
    public Func<Machine, bool>? Control { get => _control; set { _control = value; NoteSpecial(); } }
    public bool Tabled { get => _tabled; set { _tabled = value; NoteSpecial(); } }

    private void NoteSpecial() => Special = _det is not null || _nondet is not null || _control is not null || _tabled;
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
        NotePaths(c);
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
        NotePaths(c);
        Array.Copy(cs.Arr, 0, n, 1, cs.Count);
        Clauses = new ClauseSet(n, cs.Count + 1);
        _indexes = null;
    }

    /// <summary>True when dead clauses are many and half of the clauses or more (<see cref="CompactIfNeeded"/> may drop some).</summary>
    public bool MayCompact => DeadCount >= 64 && DeadCount * 2 >= Clauses.Count;

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
        if (!MayCompact) return;
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
        _usefulPaths = 0;
        Array.Clear(_firstKeys);
        DeadCount = 0;
        _tryAtDead = 64;
    }

    // ---- candidate selection ----

    /// <summary>
    /// The argument paths (bits as in <see cref="Machine.CallMaskKey"/>) on which at least two clauses have different keys:
    /// only these tell clauses apart. A call's bound paths outside it are left out of its index key, so a call that
    /// binds a path every clause leaves open (d(U + V, X, DU) called with X bound, the sub-argument of U + V bound) uses
    /// the index of the paths that do select clauses. Grows as clauses are added (never shrinks: an index on a path
    /// that stopped telling clauses apart is still right).
    /// </summary>
    private volatile int _usefulPaths;
    private readonly long[] _firstKeys = new long[8];

    private void NotePaths(Clause c)
    {
        var cells = c.Cells;
        int n = Math.Min(Arity, 4), useful = _usefulPaths;
        for (int i = 0; i < n; i++)
        {
            long a = cells[i];
            useful = NoteKey(useful, 2 * i, ArgIndex.TemplateKey(cells, a));
            long sub = Cell.Tag(a) switch
            {
                Cell.STR => cells[Cell.Addr(a) + 1],
                Cell.LST => cells[Cell.Addr(a)],
                _ => 0,
            };
            if (sub != 0) useful = NoteKey(useful, 2 * i + 1, ArgIndex.TemplateKey(cells, sub));
        }
        _usefulPaths = useful;
    }

    private int NoteKey(int useful, int path, long key)
    {
        if (key == 0 || (useful & (1 << path)) != 0) return useful;
        if (_firstKeys[path] == 0) _firstKeys[path] = key;
        else if (_firstKeys[path] != key) useful |= 1 << path;
        return useful;
    }

    /// <summary>Clauses that may match a call with the given mask/keys (all clauses when no index applies).</summary>
    public (Clause[] Arr, int Count) Candidates(Machine m, object writeLock)
    {
        var cs = Clauses;
        if (cs.Count <= IndexThreshold || Arity == 0) return (cs.Arr, cs.Count);
        int mask = m.CallMaskKey(Arity, _usefulPaths, out long key);
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
        return ix.Lookup(key);
    }
}

/// <summary>
/// A hash index of clauses on a combination of argument paths (argument i, or the first sub-argument of argument i).
/// The writer adds clauses under the database's write lock while readers look up without one: a bucket publishes its
/// clauses as an immutable (array, count) view, and its array is only ever appended to past every published count.
/// The keys live in an open-addressing table (linear probing) that the writer fills slot by slot, the bucket before
/// the key, and replaces whole when it grows: a reader sees a key only with its bucket, in the table it started on.
/// </summary>
internal sealed class ArgIndex
{
    private readonly int _mask;
    private readonly Bucket _wild = new();
    private volatile Table _table;

    private sealed class Table
    {
        public readonly long[] Keys;        // 0: free
        public readonly Bucket?[] Buckets;
        public readonly int Mask;
        public int Count;
        public Table(int capacity)
        {
            Keys = new long[capacity];
            Buckets = new Bucket?[capacity];
            Mask = capacity - 1;
        }
    }

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
        _table = new Table((int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(2 * clauses, 16, 1 << 15)));
    }

    /// <summary>Key 0 marks a free slot: a key that mixes to 0 shares key 1's bucket (a bucket may hold more than its key's clauses).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Stored(long key) => key == 0 ? 1 : key;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Home(long key, int mask) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 40) & mask;

    public void Add(Clause c)
    {
        var t = _table;
        if (!ClauseKey(c, _mask, out long key))
        {
            _wild.Add(c);
            foreach (var b in t.Buckets) b?.Add(c);
            return;
        }
        key = Stored(key);
        if (Find(t, key) is { } bucket)
        {
            bucket.Add(c);
            return;
        }
        if ((t.Count + 1) * 2 > t.Keys.Length)
        {
            var bigger = new Table(t.Keys.Length * 2) { Count = t.Count };
            for (int i = 0; i < t.Keys.Length; i++)
                if (t.Keys[i] != 0) Put(bigger, t.Keys[i], t.Buckets[i]!);
            _table = t = bigger;
        }
        Put(t, key, _wild.CopyAdding(c));
        t.Count++;
    }

    private static void Put(Table t, long key, Bucket b)
    {
        int i = Home(key, t.Mask);
        while (t.Keys[i] != 0) i = (i + 1) & t.Mask;
        t.Buckets[i] = b;
        Volatile.Write(ref t.Keys[i], key);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Bucket? Find(Table t, long key)
    {
        var keys = t.Keys;
        int m = t.Mask;
        int i = Home(key, m);
        while (true)
        {
            long k = Volatile.Read(ref keys[i]);
            if (k == key) return t.Buckets[i];
            if (k == 0) return null;
            i = (i + 1) & m;
        }
    }

    public (Clause[], int) Lookup(long key)
    {
        var v = (Find(_table, Stored(key)) ?? _wild).View;
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
