using System.Collections.Concurrent;
using Pwmk.Logic.Parsing;

namespace Pwmk.Logic.Solving;

/// <summary>
/// The clause database shared by the machines that run queries on it: predicates, flags, operators, global variables.
/// <para>
/// One writer session at a time (<see cref="WriterGate"/>) changes it; its clause changes get generations from
/// <see cref="NextGeneration"/> above <see cref="Published"/>, so readers, which see the clauses alive at the generation
/// they pinned when they started (<see cref="Views"/>), see none of a commit until <see cref="Publish"/> and all of it
/// after (SWI's logical update view, per query). Clause arrays are append-only or replaced whole, under
/// <see cref="WriteLock"/>; readers take no lock. Flags and the operator table are replaced whole when changed.
/// </para>
/// </summary>
internal sealed class Database
{
    private readonly ConcurrentDictionary<int, Predicate> _preds = new();
    /// <summary>Held briefly by a writer changing clause arrays or indexes, and by a reader building an index.</summary>
    public readonly object WriteLock = new();
    /// <summary>One writer session at a time.</summary>
    public readonly SemaphoreSlim WriterGate = new(1, 1);
    private long _published = 1;
    private long _writeGeneration = 1;
    private readonly OperatorTable _ops = OperatorTable.CreateDefault();
    private volatile Dictionary<string, string> _flags = new(StringComparer.Ordinal)
    {
        ["double_quotes"] = "string",
        ["unknown"] = "error",
        ["occurs_check"] = "false",
        ["debug"] = "false",
        ["char_conversion"] = "false",
        ["last_call_optimisation"] = "true",
    };

    /// <summary>The generations pinned by running read-only queries.</summary>
    public readonly ViewRegistry Views = new();

    private readonly ConcurrentDictionary<string, Record> _globals = new(StringComparer.Ordinal);

    /// <summary>Global variables set by writer sessions (<c>nb_setval/2</c>); readers only read them.</summary>
    public IReadOnlyDictionary<string, Record> Globals => _globals;

    /// <summary>Sets a global variable (writers only).</summary>
    public void SetGlobal(Machine m, string name, Record value)
    {
        m.RequireWriter("global_variable", new Terms.Atom(name), "nb_setval/2");
        _globals[name] = value;
    }

    /// <summary>Changes a predicate's properties (dynamic, tabled ...) for a writer; a read-only machine gets a permission error.</summary>
    public void ChangeProperties(Machine m, Predicate p, string pi) => m.RequireWriter("static_procedure", Builtins.Indicator(p), pi);

    /// <summary>The operator table (thread-safe; changed in place by <see cref="SetOperator"/>, so a reader made over it sees the change).</summary>
    public OperatorTable Ops => _ops;

    /// <summary>The flags (a snapshot: replaced whole by <see cref="SetFlag"/>).</summary>
    public IReadOnlyDictionary<string, string> Flags => _flags;

    /// <summary>The <c>double_quotes</c> flag, for readers (<see cref="Parsing.ReaderOptions.DoubleQuotes"/>).</summary>
    public string DoubleQuotes() => _flags["double_quotes"];

    /// <summary>Predicates with retracted clauses still in their clause arrays (guarded by <see cref="WriteLock"/>).</summary>
    private readonly HashSet<Predicate> _withDead = [];

    /// <summary>The generation readers see: every commit up to it.</summary>
    /// <remarks>
    /// A plain (acquire) load: every read-only query reads it twice, and <c>Interlocked.Read</c> is a locked
    /// compare-exchange on 64-bit, a write that would move this cache line between the readers' cores on every query.
    /// </remarks>
    public ulong Published => (ulong)Volatile.Read(ref _published);

    /// <summary>The newest generation, commits in progress included (what the writer sees).</summary>
    /// <remarks>
    /// A volatile read, not <c>Interlocked.Read</c>: the writer reads it on every call, and on a 64-bit process a
    /// volatile 64-bit read is atomic already, where <c>Interlocked.Read</c> is a locked compare-exchange (a tenth of
    /// the call path's time).
    /// </remarks>
    public ulong WriteGeneration => (ulong)Volatile.Read(ref _writeGeneration);

    /// <summary>
    /// A new generation for one clause change of the writer (not seen by readers until <see cref="Publish"/>). Every
    /// clause change needs one: a read-only machine gets <c>permission_error(modify, static_procedure, PI)</c> instead.
    /// </summary>
    public ulong NextGeneration(Machine m, Predicate p)
    {
        if (m.ReadOnly) m.RequireWriter("static_procedure", Builtins.Indicator(p));   // the indicator only for the error
        return (ulong)Interlocked.Increment(ref _writeGeneration);
    }

    /// <summary>Makes every change of the writer so far visible to queries that start from now on.</summary>
    public void Publish() => Interlocked.Exchange(ref _published, Interlocked.Read(ref _writeGeneration));

    /// <summary>Defines or removes an operator (writers only).</summary>
    public void SetOperator(Machine m, string name, int priority, OperatorType type)
    {
        m.RequireWriter("operator", new Terms.Atom(name), "op/3");
        _ops.Set(name, priority, type);
    }

    /// <summary>Sets an existing flag (writers only).</summary>
    public void SetFlag(Machine m, string name, string value)
    {
        m.RequireWriter("flag", new Terms.Atom(name), "set_prolog_flag/2");
        lock (WriteLock)
        {
            _flags = new Dictionary<string, string>(_flags, StringComparer.Ordinal) { [name] = value };
        }
    }

    /// <summary>Notes that <paramref name="p"/> holds a dead clause (caller holds <see cref="WriteLock"/>).</summary>
    public void NoteDead(Predicate p)
    {
        p.DeadCount++;
        _withDead.Add(p);
        // dead clauses the writer's session made and killed are dropped as it goes, not only at its commit
        if (p.MayCompact) p.CompactIfNeeded(Views.Oldest(Published), Published);
    }

    /// <summary>
    /// Drops dead clauses from the predicates where they have piled up (half of the clauses or more): those dead in
    /// every view a running query holds and in every later one. Called by the writer after a commit.
    /// </summary>
    public void CompactDead()
    {
        lock (WriteLock)
        {
            if (_withDead.Count == 0) return;
            ulong? oldest = null;   // read once, and only when some predicate may compact (it costs a process-wide barrier)
            _withDead.RemoveWhere(p =>
            {
                if (p.MayCompact) p.CompactIfNeeded(oldest ??= Views.Oldest(Published), Published);
                return p.DeadCount == 0;
            });
        }
    }

    /// <summary>The predicate of <paramref name="functor"/>, created (undefined) when missing (writers only).</summary>
    public Predicate Lookup(int functor)
    {
        if (_preds.TryGetValue(functor, out var p)) return p;
        if (functor >= Symbols.LocalBase) return new Predicate(functor);
        return _preds.GetOrAdd(functor, f => new Predicate(f));
    }

    public Predicate? TryGet(int functor) => _preds.TryGetValue(functor, out var p) ? p : null;

    public List<Predicate> AllPredicates() => [.. _preds.Values];
}

/// <summary>
/// One reader's pinned generation (ulong.MaxValue while it runs no query). Every query writes its slot twice, so the
/// fields sit in the middle of 128 bytes of their own: slots of readers on other cores never share a cache line.
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
internal sealed class ViewSlot
{
    [System.Runtime.InteropServices.FieldOffset(64)] public ulong Generation = ulong.MaxValue;
    [System.Runtime.InteropServices.FieldOffset(72)] public int InUse;
}

/// <summary>
/// The generations that running read-only queries see, so compaction keeps every clause one of them may still reach.
/// Slots are reused; pinning and compaction order themselves with an asymmetric fence (a plain store and read on the
/// reader's side, a process-wide barrier on the compaction's: a reader that pins after a compaction read the slots sees
/// the generation that compaction published).
/// </summary>
internal sealed class ViewRegistry
{
    private volatile ViewSlot[] _slots = [];
    private readonly object _grow = new();

    public ViewSlot Acquire()
    {
        foreach (var s in _slots)
            if (Volatile.Read(ref s.InUse) == 0 && Interlocked.CompareExchange(ref s.InUse, 1, 0) == 0) return s;
        lock (_grow)
        {
            var slot = new ViewSlot { InUse = 1 };
            var n = new ViewSlot[_slots.Length + 1];
            Array.Copy(_slots, n, _slots.Length);
            n[^1] = slot;
            _slots = n;
            return slot;
        }
    }

    public static void Release(ViewSlot s)
    {
        Interlocked.Exchange(ref s.Generation, ulong.MaxValue);
        Volatile.Write(ref s.InUse, 0);
    }

    /// <summary>
    /// Pins the published generation in <paramref name="s"/> and returns it: a plain store, then the published
    /// generation read again (a changed one is pinned instead). No locked instruction: the fence that orders this store
    /// before that read is the process-wide barrier <see cref="Oldest"/> issues before it reads the slots (an asymmetric
    /// fence: every query pins, compactions are rare), so a compaction either sees this pin or this pin sees the
    /// generation that compaction published. A locked exchange here (and in <see cref="Unpin"/>) cost each of two readers
    /// on two cores a share of its queries that one reader does not pay (docs/PERFORMANCE.md, issue 17).
    /// </summary>
    public static ulong Pin(ViewSlot s, Database db)
    {
        while (true)
        {
            ulong g = db.Published;
            Volatile.Write(ref s.Generation, g);
            if (db.Published == g) return g;
        }
    }

    /// <summary>
    /// Ends a pin. A release store, not an exchange: the query's reads of clauses come before it (all a compaction that
    /// sees the slot free needs); only <see cref="Pin"/> needs the full fence. One locked instruction less per query.
    /// </summary>
    public static void Unpin(ViewSlot s) => Volatile.Write(ref s.Generation, ulong.MaxValue);

    /// <summary>
    /// The oldest pinned generation, or <paramref name="published"/> when none is older (read after the generation the
    /// caller compacts against was published). Issues a process-wide memory barrier first (see <see cref="Pin"/>): a few
    /// microseconds, paid only when a compaction is due.
    /// </summary>
    public ulong Oldest(ulong published)
    {
        Interlocked.MemoryBarrierProcessWide();
        ulong min = published;
        foreach (var s in _slots)
        {
            ulong g = Volatile.Read(ref s.Generation);
            if (g < min) min = g;
        }
        return min;
    }
}
