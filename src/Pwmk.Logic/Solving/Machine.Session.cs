using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

/// <summary>
/// What makes a machine a session of the engine: read-only or the writer, the generation of the clauses it sees, the
/// memory it holds against the process-wide <see cref="MemoryBudget"/>, and the state that lives only as long as one
/// query (tables, <c>b_setval/2</c> values, atoms of its own, findall copies, output).
/// </summary>
internal sealed partial class Machine
{
    /// <summary>
    /// A read-only machine may read everything and change nothing shared: every change of the database, the flags,
    /// the operator table or the global variables raises <c>permission_error(modify, ...)</c> (<see cref="Database"/>
    /// checks it on every change, whichever built-in or path asks for it).
    /// </summary>
    internal readonly bool ReadOnly;

    /// <summary>The generation a read-only machine sees (pinned when its query or session started).</summary>
    internal ulong View;

    /// <summary>Where a read-only machine pins its view for the collector of dead clauses.</summary>
    internal readonly ViewSlot? Slot;

    /// <summary>Clause changes of the writer since its session began (so they can be undone), null for readers.</summary>
    internal readonly List<(Clause Clause, bool Added)>? ChangeLog;

    /// <summary>The memory budget charged while a query runs.</summary>
    internal MemoryBudget Budget = MemoryBudget.Shared;

    /// <summary>Bytes this machine holds against <see cref="Budget"/>.</summary>
    private long _charged;

    /// <summary>Atoms and functors made by the running read-only query.</summary>
    private readonly LocalSymbols? _local;

    /// <summary>Answer tables of the running query (tabling is query-local: nothing one query tables is seen by another).</summary>
    private readonly Dictionary<Predicate, Dictionary<long[], AnswerTable>> _tables = new();

    /// <summary>Output of the running query when the caller gave no writer (reused: cleared per query).</summary>
    private StringWriter? _output;

    /// <summary>The variables of the running query's goal (reused).</summary>
    private readonly Dictionary<Variable, long> _goalVars = new(ReferenceEqualityComparer.Instance);

    /// <summary>Values of <c>b_setval/2</c> in the running query.</summary>
    internal readonly Dictionary<string, Record> LocalGlobals = new(StringComparer.Ordinal);

    public Machine(Database db, bool readOnly) : this(db)
    {
        ReadOnly = readOnly;
        if (readOnly)
        {
            Slot = db.Views.Acquire();
            _local = new LocalSymbols(this);
        }
        else ChangeLog = [];
    }

    /// <summary>The generation whose clauses this machine's calls see: the pinned view, or the writer's newest.</summary>
    internal ulong ViewGeneration
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ReadOnly ? View : Db.WriteGeneration;
    }

    /// <summary>The predicate of a functor; a read-only machine adds none to the database (a missing one is undefined).</summary>
    internal Predicate LookupPredicate(int functor) => ReadOnly ? Db.TryGet(functor) ?? new Predicate(functor) : Db.Lookup(functor);

    /// <summary>Raises <c>permission_error(modify, Type, Culprit)</c> in a read-only machine.</summary>
    internal void RequireWriter(string type, Term culprit, string? pi = null)
    {
        if (ReadOnly) throw PrologError.Permission("modify", type, culprit, pi);
    }

    /// <summary>Takes <paramref name="bytes"/> from the budget, or raises <c>resource_error(memory)</c> when the process has no more for queries.</summary>
    internal void Charge(long bytes)
    {
        if (!Budget.TryReserve(bytes)) throw new PrologError(PrologError.Resource("memory").Ball) { OutOfSharedMemory = true };
        _charged += bytes;
    }

    /// <summary>The tables of <paramref name="p"/> in the running query.</summary>
    private Dictionary<long[], AnswerTable> Tables(Predicate p)
    {
        if (!_tables.TryGetValue(p, out var t)) _tables[p] = t = new Dictionary<long[], AnswerTable>(CellsComparer.Instance);
        return t;
    }

    // ------------------------------------------------------------------ one query

    /// <summary>Clears the registers and the query-local state.</summary>
    internal void ResetRegisters()
    {
        H = 1;
        B = -1;
        E = -1;
        TR = 0;
        HB = 0;
        BaseB = -1;
        Collectors.Clear();
        CollectedCells = 0;
    }

    /// <summary>
    /// Runs <paramref name="goal"/> under <paramref name="opt"/>, collecting up to <see cref="QueryOptions.MaxSolutions"/>
    /// solutions of the variables in <paramref name="names"/>. A writer's clause changes are undone when a limit stops
    /// the query (and when any error does, with <paramref name="atomic"/>); they stay unpublished until its session commits.
    /// </summary>
    internal QueryResult RunQuery(Term goal, QueryOptions opt, IReadOnlyList<KeyValuePair<string, Variable>> names, bool atomic = false)
    {
        long started = Stopwatch.GetTimestamp();
        ResetRegisters();
        var budget = opt.Memory ?? MemoryBudget.Shared;
        if (!ReferenceEquals(budget, Budget))
        {
            Budget.Release(_charged);
            _charged = 0;
            Budget = budget;
        }
        // what a query needs besides its answers is the machine's own, reused (a point query allocates little: the
        // collector's work is shared by every core)
        var limits = Limits;
        limits.MaxInferences = opt.MaxInferences;
        limits.TimeoutTicks = opt.Timeout is { } t ? (long)(t.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        limits.MaxHeapCells = opt.MaxHeapCells;
        limits.Cancel = opt.Cancel;
        StringWriter? output = null;
        if (opt.Output is null)
        {
            output = _output ??= new StringWriter(CultureInfo.InvariantCulture);
            var sb = output.GetStringBuilder();
            if (sb.Capacity > 1 << 16) _output = output = new StringWriter(CultureInfo.InvariantCulture);
            else sb.Clear();
        }
        var savedOut = Out;
        Out = opt.Output ?? output!;
        OutputChars = 0;
        MaxOutputChars = opt.MaxOutputChars;
        long inf0 = Inferences;
        StartClock();
        int logStart = ChangeLog?.Count ?? 0;
        var scope = _local is null ? null : Symbols.EnterLocal(_local);
        // a query that reports no variables counts its solutions (all the same): a point query allocates no list
        List<Solution>? solutions = null;
        int found = 0;
        bool truncated = false;
        try
        {
            var vars = _goalVars;
            vars.Clear();
            long g = FromTerm(goal, vars);
            // the goal's variables are roots of the heap collector, which may move them: the reported ones first
            // (0: not in the goal), then all of them, so what the goal binds lives as long as the query
            var roots = names.Count + vars.Count == 0 ? [] : new long[names.Count + vars.Count];
            for (int i = 0; i < names.Count; i++) roots[i] = vars.TryGetValue(names[i].Value, out long cell) ? cell : 0;
            vars.Values.CopyTo(roots, names.Count);
            QueryRoots = roots;
            ResetGc();
            bool ok = StartGoal(g) && Run();
            while (ok)
            {
                found++;
                if (names.Count > 0)
                {
                    var map = new Dictionary<int, Variable>();
                    var b = new KeyValuePair<string, Term>[names.Count];
                    for (int i = 0; i < names.Count; i++)
                        b[i] = new(names[i].Key, roots[i] != 0 ? AnswerTerm(roots[i], map, names[i].Key) : names[i].Value);
                    (solutions ??= []).Add(new Solution(b));
                }
                if (found >= opt.MaxSolutions)
                {
                    truncated = B > BaseB;
                    break;
                }
                ok = Redo();
            }
        }
        catch (PrologError e)
        {
            if (atomic || new PrologException(e.Ball).IsLimit) UndoChanges(logStart);
            throw new PrologException(e.Ball) { Elapsed = Stopwatch.GetElapsedTime(started), OutOfSharedMemory = e.OutOfSharedMemory };
        }
        finally
        {
            QueryRoots = null;
            Out = savedOut;
            if (_local is not null)
            {
                Symbols.LeaveLocal(scope);
                _local.Clear();
            }
            _tables.Clear();
            _tableStack.Clear();
            LocalGlobals.Clear();
            ResetRegisters();
            GiveBack();
        }
        string text = output is null || output.GetStringBuilder().Length == 0 ? "" : output.ToString();
        return new QueryResult(solutions ?? Solution.Repeated(found), truncated, text, Inferences - inf0, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Undoes the writer's clause changes logged from <paramref name="from"/> on (nothing half-done is kept).</summary>
    internal void UndoChanges(int from)
    {
        var log = ChangeLog;
        if (log is null || log.Count <= from) return;
        lock (Db.WriteLock)
        {
            for (int i = log.Count - 1; i >= from; i--)
            {
                var (c, added) = log[i];
                if (added)
                {
                    c.Died = c.Born;       // never visible
                    Db.NoteDead(c.Pred);
                }
                else c.Died = ulong.MaxValue;     // alive again
            }
            log.RemoveRange(from, log.Count - from);
        }
    }

    // ------------------------------------------------------------------ memory

    private const int HeapBase = 1 << 16, TrailBase = 4096, ArgStackBase = 4096, FramesBase = 1024, CpsBase = 1024;

    /// <summary>Bytes of the machine's arrays beyond their initial sizes (what it keeps charged between queries).</summary>
    private long Retained() =>
        8L * (Heap.Length - HeapBase) + 4L * (Trail.Length - TrailBase) + 8L * (ArgStack.Length - ArgStackBase)
        + (long)Unsafe.SizeOf<Frame>() * (Frames.Length - FramesBase) + (long)Unsafe.SizeOf<Choice>() * (Cps.Length - CpsBase);

    /// <summary>After a query: arrays grown past a few MiB go back to their initial sizes, and the budget gets back all the query took but the arrays kept.</summary>
    private void GiveBack()
    {
        if (Heap.Length > 1 << 18) Heap = new long[HeapBase];
        if (Trail.Length > 1 << 16) Trail = new int[TrailBase];
        if (ArgStack.Length > 1 << 16) ArgStack = new long[ArgStackBase];
        if (Frames.Length > 1 << 14) Frames = new Frame[FramesBase];
        if (Cps.Length > 1 << 13) Cps = new Choice[CpsBase];
        if (_pdl.Length > 1 << 16) _pdl = new long[256];
        if (_hstack.Length > 1 << 16) _hstack = new long[256];
        if (_recBuf.Length > 1 << 16) _recBuf = new long[256];
        if (_gcBits.Length > 1 << 16) { _gcBits = []; _gcRank = []; }
        if (_gcStack.Length > 1 << 16) _gcStack = new int[1024];
        if (_gcFrameSeen.Length > 1 << 16) _gcFrameSeen = [];
        long keep = Retained();
        if (_charged > keep)
        {
            Budget.Release(_charged - keep);
            _charged = keep;
        }
    }

    /// <summary>Gives back everything this machine holds (it is being dropped).</summary>
    internal void Discard()
    {
        Budget.Release(_charged);
        _charged = 0;
        if (Slot is not null) ViewRegistry.Release(Slot);
    }

    /// <summary>Charges the growth of an array from <paramref name="oldLength"/> to <paramref name="newLength"/> elements of <paramref name="size"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void ChargeGrowth(long oldLength, long newLength, int size) => Charge((newLength - oldLength) * size);
}
