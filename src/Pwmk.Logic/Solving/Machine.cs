using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace Pwmk.Logic.Solving;

internal struct Frame
{
    public int CE;
    public Clause? CPCl;
    public int CPPc;
    public int FB;
    public int NP;   // permanent variables at FB (the collector's roots)
    public int CutB;
}

internal enum ChoiceKind : byte { Clauses, Alt, Redo, Catch, Barrier }

internal struct Choice
{
    public ChoiceKind Kind;
    public bool Disabled;
    public int ArgBase, Arity;
    public Clause[]? Alts;
    public int AltCount, AltNext;
    public ulong Gen;
    public int E;
    public Clause? CPCl;
    public int CPPc;
    public int H, TR, FT, B0;
    public Clause? AltCl;
    public int AltPc;
    public object? State;
    public NondetBuiltin? Redo;
    public Predicate? Pred;
}

/// <summary>Resource limits for one query.</summary>
internal sealed class Limits
{
    public long MaxInferences = long.MaxValue;
    public long TimeoutTicks = long.MaxValue;   // Stopwatch ticks; MaxValue = none
    public int MaxHeapCells = 256 * 1024 * 1024;  // 2 GiB of cells
    public int MaxFrames = 64 * 1024 * 1024;
    public int MaxChoicepoints = 64 * 1024 * 1024;
    public CancellationToken Cancel;
}

/// <summary>
/// The abstract machine that runs queries: a heap of tagged cells, argument registers,
/// environment frames, choicepoints and a trail, all in growable arrays (no recursion on the
/// .NET stack grows with the data or the proof depth).
/// </summary>
internal sealed partial class Machine
{
    internal readonly Database Db;
    internal long[] Heap = new long[1 << 16];
    internal int H = 1;                 // cell 0 is reserved (REF 0 marks an unset slot)
    internal long[] A = new long[256];
    internal long[] T = new long[64];
    internal Frame[] Frames = new Frame[1024];
    internal int E = -1;
    internal Choice[] Cps = new Choice[1024];
    internal int B = -1;
    internal int HB;
    internal long[] ArgStack = new long[4096];
    internal int[] Trail = new int[4096];
    internal int TR;

    // execution registers
    internal Clause Cl = null!;
    internal int Pc;
    internal Clause? CPCl;
    internal int CPPc;
    internal int B0;

    internal long Inferences;
    internal Limits Limits = new();
    private long _deadline = long.MaxValue;
    private long _nextCheck;

    internal readonly Clause HaltClause;
    internal TextWriter Out = TextWriter.Null;

    private Machine(Database db)
    {
        Db = db;
        var haltPred = new Predicate(Symbols.Functor("$halt", 0));
        HaltClause = new Clause { Pred = haltPred, Cells = [], Code = [new Instr { Op = Op.Halt }] };
    }

    // ------------------------------------------------------------------ heap

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EnsureHeap(int n)
    {
        if (H + n > Heap.Length) GrowHeap(n);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowHeap(int n)
    {
        long need = (long)H + n;
        if (need > Limits.MaxHeapCells) throw PrologError.Resource("memory");
        long size = Heap.Length;
        while (size < need) size *= 2;
        if (size > Limits.MaxHeapCells) size = Limits.MaxHeapCells;
        ChargeGrowth(Heap.Length, size, sizeof(long));
        Array.Resize(ref Heap, (int)size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long NewVar()
    {
        EnsureHeap(1);
        int a = H++;
        long r = Cell.Ref(a);
        Heap[a] = r;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long Deref(long c)
    {
        while ((c & 7) == Cell.REF)
        {
            long v = Heap[c >> 3];
            if (v == c) return c;
            c = v;
        }
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Bind(long varRef, long value)
    {
        int a = (int)(varRef >> 3);
        Heap[a] = value;
        if (a < HB) PushTrail(a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PushTrail(int a)
    {
        if (TR == Trail.Length) GrowTrail();
        Trail[TR++] = a;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowTrail()
    {
        ChargeGrowth(Trail.Length, Trail.Length * 2L, sizeof(int));
        Array.Resize(ref Trail, Trail.Length * 2);
    }

    internal void UndoTrail(int to)
    {
        var trail = Trail;
        var heap = Heap;
        for (int i = TR - 1; i >= to; i--)
        {
            int a = trail[i];
            heap[a] = Cell.Ref(a);
        }
        TR = to;
    }

    // ------------------------------------------------------------------ unification

    private long[] _pdl = new long[256];

    /// <summary>Unifies two heap cells (iterative).</summary>
    internal bool Unify(long a, long b)
    {
        int sp = 0;
        var pdl = _pdl;
        long budget = WalkBudget;
        HashSet<long>? seen = null;
        while (true)
        {
            a = Deref(a);
            b = Deref(b);
            if (a != b)
            {
                int ta = (int)(a & 7), tb = (int)(b & 7);
                if (ta == Cell.REF)
                {
                    if (tb == Cell.REF && (b >> 3) > (a >> 3)) Bind(b, a);
                    else Bind(a, b);
                }
                else if (tb == Cell.REF) Bind(b, a);
                else if (ta != tb) return false;
                else if (ta == Cell.STR)
                {
                    int pa = (int)(a >> 3), pb = (int)(b >> 3);
                    long fa = Heap[pa];
                    if (fa != Heap[pb]) return false;
                    int n = Symbols.FunctorArity((int)(fa >> 3));
                    Poll();
                    if (--budget < 0 && !FirstVisit(ref seen, pa, pb)) n = 0;   // this pair is being unified already (a cycle)
                    if (sp + 2 * n > pdl.Length) { Array.Resize(ref _pdl, Math.Max(pdl.Length * 2, sp + 2 * n + 16)); pdl = _pdl; }
                    for (int k = n; k >= 1; k--)
                    {
                        pdl[sp++] = Heap[pa + k];
                        pdl[sp++] = Heap[pb + k];
                    }
                }
                else if (ta == Cell.LST)
                {
                    int pa = (int)(a >> 3), pb = (int)(b >> 3);
                    Poll();
                    if (--budget >= 0 || FirstVisit(ref seen, pa, pb))
                    {
                        if (sp + 4 > pdl.Length) { Array.Resize(ref _pdl, pdl.Length * 2); pdl = _pdl; }
                        pdl[sp++] = Heap[pa + 1];
                        pdl[sp++] = Heap[pb + 1];
                        pdl[sp++] = Heap[pa];
                        pdl[sp++] = Heap[pb];
                    }
                }
                else if (ta == Cell.BOX)
                {
                    if (!BoxEquals((int)(a >> 3), (int)(b >> 3))) return false;
                }
                else return false; // distinct atoms/ints
            }
            if (sp == 0) return true;
            b = pdl[--sp];
            a = pdl[--sp];
        }
    }

    internal bool BoxEquals(int pa, int pb)
    {
        long h = Heap[pa];
        if (h != Heap[pb]) return false;
        int n = Cell.BoxCells(h);
        for (int i = 1; i <= n; i++) if (Heap[pa + i] != Heap[pb + i]) return false;
        return true;
    }

    // ------------------------------------------------------------------ choicepoints and frames

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FrameTop() => Math.Max(E, B >= 0 ? Cps[B].FT : -1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref Choice PushChoice(ChoiceKind kind)
    {
        int b = B + 1;
        if (b == Cps.Length)
        {
            if (b >= Limits.MaxChoicepoints) throw PrologError.Resource("choicepoints");
            ChargeGrowth(b, b * 2L, Unsafe.SizeOf<Choice>());
            Array.Resize(ref Cps, b * 2);
        }
        ref var cp = ref Cps[b];
        cp.FT = FrameTop();
        B = b;
        cp.Kind = kind;
        cp.Disabled = false;
        cp.E = E;
        cp.CPCl = CPCl;
        cp.CPPc = CPPc;
        cp.H = H;
        cp.TR = TR;
        cp.B0 = B0;
        cp.Arity = 0;
        cp.ArgBase = b > 0 ? Cps[b - 1].ArgBase + Cps[b - 1].Arity : 0;
        cp.State = null;
        cp.Redo = null;
        cp.Alts = null;
        cp.AltCl = null;
        cp.Pred = null;
        HB = H;
        return ref cp;
    }

    private void SaveArgs(ref Choice cp, int arity)
    {
        int need = cp.ArgBase + arity;
        if (need > ArgStack.Length)
        {
            int size = Math.Max(ArgStack.Length * 2, need);
            ChargeGrowth(ArgStack.Length, size, sizeof(long));
            Array.Resize(ref ArgStack, size);
        }
        CopySmall(A, 0, ArgStack, cp.ArgBase, arity);
        cp.Arity = arity;
    }

    /// <summary>Copies a few cells (argument registers) with a plain loop: cheaper than a call to Array.Copy for the usual handful.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySmall(long[] src, int from, long[] dst, int to, int n)
    {
        if (n > 16)
        {
            Array.Copy(src, from, dst, to, n);
            return;
        }
        var s = new ReadOnlySpan<long>(src, from, n);
        var d = new Span<long>(dst, to, n);
        for (int i = 0; i < s.Length; i++) d[i] = s[i];
    }

    /// <summary>Offers another solution of a nondeterministic built-in: on backtracking, <paramref name="fn"/> is called again with the state.</summary>
    internal void PushRedo(NondetBuiltin fn, object? state, int arity)
    {
        ref var cp = ref PushChoice(ChoiceKind.Redo);
        cp.Redo = fn;
        cp.State = state;
        SaveArgs(ref cp, arity);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CutTo(int b)
    {
        if (b < B)
        {
            int from = Cps[b + 1].TR;
            B = b;
            HB = b >= 0 ? Cps[b].H : 0;
            if (TR > from) TidyTrail(from);
        }
    }

    /// <summary>
    /// After a cut: drops the trail entries above <paramref name="from"/> (the oldest removed choicepoint's mark) whose
    /// cells are newer than the choicepoint now on top. Backtracking never needs to reset them (every remaining
    /// choicepoint restores the heap below such a cell anyway), and left in place they would make the trail, and the
    /// cells the collector keeps for it, grow with every cut in a long deterministic run.
    /// </summary>
    private void TidyTrail(int from)
    {
        var trail = Trail;
        int hb = HB, to = from, tr = TR;
        for (int i = from; i < tr; i++)
        {
            int a = trail[i];
            if (a < hb) trail[to++] = a;
        }
        TR = to;
    }

    private void Allocate()
    {
        int ne = FrameTop() + 1;
        if (ne >= Frames.Length)
        {
            if (ne >= Limits.MaxFrames) throw PrologError.Resource("stack (proof depth)");
            ChargeGrowth(Frames.Length, Frames.Length * 2L, Unsafe.SizeOf<Frame>());
            Array.Resize(ref Frames, Frames.Length * 2);
        }
        ref var f = ref Frames[ne];
        f.CE = E;
        f.CPCl = CPCl;
        f.CPPc = CPPc;
        f.CutB = B0;
        f.FB = H;
        E = ne;
    }

    // ------------------------------------------------------------------ limits

    private const int MaxCheckEvery = 65536;
    private static readonly long s_checkTicks = Stopwatch.Frequency / 1000;   // aim: look at the clock about every 1 ms of work
    private long _checkEvery = MaxCheckEvery;
    private long _lastCheck;

    /// <summary>
    /// Looks at the limits every <see cref="_checkEvery"/> inferences. The interval adapts to what an inference costs
    /// here: a cheap one (a clause try, 50 ns) is checked every 65,536, an expensive one (a built-in that builds a
    /// large atom or sorts a long list) down to every one, so the time limit is met within about a millisecond of
    /// work whatever the query does between two inferences.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CheckLimits()
    {
        if (Inferences > Limits.MaxInferences) throw PrologError.Resource("inferences");
        if (Limits.Cancel.IsCancellationRequested) throw PrologError.Resource("cancelled");
        long now = Stopwatch.GetTimestamp();
        if (now > _deadline) throw PrologError.TimeLimit();
        long spent = now - _lastCheck;
        _lastCheck = now;
        if (spent > s_checkTicks) _checkEvery = Math.Max(1, _checkEvery * s_checkTicks / spent);
        else if (spent < s_checkTicks / 4 && _checkEvery < MaxCheckEvery) _checkEvery *= 2;
        _nextCheck = Inferences + _checkEvery;
    }

    private int _pollBudget = 1 << 16;

    /// <summary>
    /// Called in the loops of term walkers (unify, compare, copy, convert): a cyclic term made by
    /// X = f(X) makes them run forever, so they honour the time limit and cancellation too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Poll()
    {
        if (--_pollBudget <= 0) PollSlow();
    }

    /// <summary>Like <see cref="Poll()"/> for a step that costs <paramref name="work"/> units.</summary>
    internal void Poll(int work)
    {
        _pollBudget -= work;
        if (_pollBudget <= 0) PollSlow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PollSlow()
    {
        _pollBudget = 1 << 16;
        if (Limits.Cancel.IsCancellationRequested) throw PrologError.Resource("cancelled");
        if (Stopwatch.GetTimestamp() > _deadline) throw PrologError.TimeLimit();
    }

    internal void StartClock()
    {
        _deadline = Limits.TimeoutTicks == long.MaxValue ? long.MaxValue : Stopwatch.GetTimestamp() + Limits.TimeoutTicks;
        _lastCheck = Stopwatch.GetTimestamp();
        _checkEvery = 4096;
        _nextCheck = Inferences + _checkEvery;
    }
}
