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
                    if (sp + 4 > pdl.Length) { Array.Resize(ref _pdl, pdl.Length * 2); pdl = _pdl; }
                    pdl[sp++] = Heap[pa + 1];
                    pdl[sp++] = Heap[pb + 1];
                    pdl[sp++] = Heap[pa];
                    pdl[sp++] = Heap[pb];
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

    // ------------------------------------------------------------------ templates

    /// <summary>Value of a clause variable slot (creating a fresh heap variable for an unset temp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long SlotValue(long tc, int fb)
    {
        int v = (int)(tc >> 3);
        int slot = v >> 2;
        if ((v & 2) != 0) return Heap[fb + slot];
        if (slot == VoidSlot) return NewVar();
        long x = T[slot];
        if (x == 0) T[slot] = x = NewVar();
        return x;
    }

    internal const int VoidSlot = (1 << 27) - 1;

    /// <summary>Copies template cells [start,end) to the heap, relocating pointers and resolving variables; returns the relocation delta.</summary>
    private int CopyRegion(long[] cells, int start, int end, int fb)
    {
        int n = end - start;
        if (n <= 0) return 0;
        EnsureHeap(n);
        int dst = H;
        int delta = dst - start;
        long d3 = (long)delta << 3;
        var heap = Heap;
        H += n;
        for (int i = start; i < end; i++)
        {
            long c = cells[i];
            switch ((int)(c & 7))
            {
                case Cell.STR:
                case Cell.LST:
                case Cell.BOX:
                    heap[i + delta] = c + d3;
                    break;
                case Cell.CVAR:
                    {
                        int v = (int)(c >> 3);
                        int slot = v >> 2;
                        long val;
                        if ((v & 2) != 0) val = heap[fb + slot];
                        else if (slot == VoidSlot) val = Cell.Ref(i + delta);
                        else
                        {
                            val = T[slot];
                            if (val == 0) T[slot] = val = Cell.Ref(i + delta);
                        }
                        heap[i + delta] = val;
                        break;
                    }
                case Cell.FUN:
                    heap[i + delta] = c;
                    if ((c & BoxMarker) != 0)
                    {
                        int k = Cell.BoxCells(c);
                        Array.Copy(cells, i + 1, heap, i + 1 + delta, k);
                        i += k;
                    }
                    break;
                default:
                    heap[i + delta] = c;
                    break;
            }
        }
        return delta;
    }

    internal const long BoxMarker = Cell.BoxMarker;

    /// <summary>Builds goal arguments [argStart, argStart+arity) into A, copying their regions up to blockEnd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PutArgs(long[] cells, int argStart, int arity, int blockEnd, int fb)
    {
        int delta = 0;
        int regionStart = argStart + arity;
        if (blockEnd > regionStart) delta = CopyRegion(cells, regionStart, blockEnd, fb);
        long d3 = (long)delta << 3;
        var a = A;
        for (int j = 0; j < arity; j++)
        {
            long c = cells[argStart + j];
            switch ((int)(c & 7))
            {
                case Cell.STR:
                case Cell.LST:
                case Cell.BOX:
                    a[j] = c + d3;
                    break;
                case Cell.CVAR:
                    a[j] = SlotValue(c, fb);
                    break;
                default:
                    a[j] = c;
                    break;
            }
        }
    }

    /// <summary>Builds one template subterm onto the heap (any layout; explicit stack).</summary>
    private long BuildTerm(long[] cells, long tc, int fb)
    {
        int tag = (int)(tc & 7);
        if (tag == Cell.ATM || tag == Cell.INT) return tc;
        if (tag == Cell.CVAR) return SlotValue(tc, fb);
        var stack = _buildStack;
        int sp = 0;
        long root = 0;
        // work item: (template cell, heap destination address or -1 for root)
        stack.Push(tc, -1, ref sp);
        while (sp > 0)
        {
            stack.Pop(out long c, out int dst, ref sp);
            long result;
            switch ((int)(c & 7))
            {
                case Cell.STR:
                    {
                        int p = (int)(c >> 3);
                        long f = cells[p];
                        int n = Symbols.FunctorArity((int)(f >> 3));
                        EnsureHeap(n + 1);
                        int h = H;
                        H += n + 1;
                        Heap[h] = f;
                        for (int k = n; k >= 1; k--) stack.Push(cells[p + k], h + k, ref sp);
                        result = Cell.Str(h);
                        break;
                    }
                case Cell.LST:
                    {
                        int p = (int)(c >> 3);
                        EnsureHeap(2);
                        int h = H;
                        H += 2;
                        stack.Push(cells[p + 1], h + 1, ref sp);
                        stack.Push(cells[p], h, ref sp);
                        result = Cell.Lst(h);
                        break;
                    }
                case Cell.BOX:
                    {
                        int p = (int)(c >> 3);
                        int k = Cell.BoxCells(cells[p]);
                        EnsureHeap(k + 1);
                        int h = H;
                        H += k + 1;
                        Array.Copy(cells, p, Heap, h, k + 1);
                        result = Cell.Box(h);
                        break;
                    }
                case Cell.CVAR:
                    {
                        int v = (int)(c >> 3);
                        int slot = v >> 2;
                        if ((v & 2) != 0) result = Heap[fb + slot];
                        else if (slot == VoidSlot)
                        {
                            if (dst >= 0) { Heap[dst] = Cell.Ref(dst); continue; }
                            result = NewVar();
                        }
                        else
                        {
                            long x = T[slot];
                            if (x == 0)
                            {
                                if (dst >= 0) { T[slot] = Heap[dst] = Cell.Ref(dst); continue; }
                                T[slot] = x = NewVar();
                            }
                            result = x;
                        }
                        break;
                    }
                default:
                    result = c;
                    break;
            }
            if (dst >= 0) Heap[dst] = result; else root = result;
        }
        return root;
    }

    private readonly WorkStack _buildStack = new();

    internal sealed class WorkStack
    {
        private long[] _c = new long[64];
        private int[] _d = new int[64];
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Push(long c, int d, ref int sp)
        {
            if (sp == _c.Length)
            {
                Array.Resize(ref _c, sp * 2);
                Array.Resize(ref _d, sp * 2);
            }
            _c[sp] = c;
            _d[sp++] = d;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Pop(out long c, out int d, ref int sp)
        {
            sp--;
            c = _c[sp];
            d = _d[sp];
        }
    }

    private long[] _hstack = new long[256];

    /// <summary>Unifies the clause head's template arguments with A (read and write mode, iterative).</summary>
    private bool UnifyHead(Clause c, int fb)
    {
        var cells = c.Cells;
        int arity = c.Arity;
        for (int i = 0; i < arity; i++)
        {
            long tc = cells[i];
            long hc = A[i];
            switch ((int)(tc & 7))
            {
                case Cell.CVAR:
                    if (!UnifySlot(tc, hc, fb)) return false;
                    break;
                case Cell.ATM:
                case Cell.INT:
                    {
                        long d = Deref(hc);
                        if (d == tc) break;
                        if ((d & 7) != Cell.REF) return false;
                        Bind(d, tc);
                        break;
                    }
                default:
                    {
                        long d = Deref(hc);
                        if ((d & 7) == Cell.REF)
                        {
                            // write mode: copy this argument's region
                            int start = (int)(tc >> 3);
                            int end = c.HeadEnd;
                            for (int j = i + 1; j < arity; j++)
                            {
                                long nc = cells[j];
                                int nt = (int)(nc & 7);
                                if (nt == Cell.STR || nt == Cell.LST || nt == Cell.BOX) { end = (int)(nc >> 3); break; }
                            }
                            int delta = CopyRegion(cells, start, end, fb);
                            Bind(d, tc + ((long)delta << 3));
                        }
                        else if (!UnifyTemplate(cells, tc, d, fb)) return false;
                        break;
                    }
            }
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool UnifySlot(long tc, long hc, int fb)
    {
        int v = (int)(tc >> 3);
        int slot = v >> 2;
        if ((v & 2) != 0)
        {
            int p = fb + slot;
            long cur = Heap[p];
            if (cur == Cell.Ref(p)) { Heap[p] = hc; return true; }
            return Unify(cur, hc);
        }
        if (slot == VoidSlot) return true;
        long x = T[slot];
        if (x == 0) { T[slot] = hc; return true; }
        return Unify(x, hc);
    }

    /// <summary>Read-mode unification of a template compound/box with a dereferenced non-variable heap cell.</summary>
    private bool UnifyTemplate(long[] cells, long tc, long hc, int fb)
    {
        var st = _hstack;
        int sp = 0;
        while (true)
        {
            int tt = (int)(tc & 7);
            switch (tt)
            {
                case Cell.CVAR:
                    if (!UnifySlot(tc, hc, fb)) return false;
                    break;
                case Cell.ATM:
                case Cell.INT:
                    {
                        long d = Deref(hc);
                        if (d != tc)
                        {
                            if ((d & 7) != Cell.REF) return false;
                            Bind(d, tc);
                        }
                        break;
                    }
                default:
                    {
                        long d = Deref(hc);
                        int dt = (int)(d & 7);
                        if (dt == Cell.REF)
                        {
                            Bind(d, BuildTerm(cells, tc, fb));
                            break;
                        }
                        if (dt != tt) return false;
                        int tp = (int)(tc >> 3), hp = (int)(d >> 3);
                        if (tt == Cell.STR)
                        {
                            long f = cells[tp];
                            if (f != Heap[hp]) return false;
                            int n = Symbols.FunctorArity((int)(f >> 3));
                            if (sp + 2 * n > st.Length) { Array.Resize(ref _hstack, Math.Max(st.Length * 2, sp + 2 * n + 8)); st = _hstack; }
                            for (int k = n; k >= 1; k--)
                            {
                                st[sp++] = cells[tp + k];
                                st[sp++] = Heap[hp + k];
                            }
                        }
                        else if (tt == Cell.LST)
                        {
                            if (sp + 4 > st.Length) { Array.Resize(ref _hstack, st.Length * 2); st = _hstack; }
                            st[sp++] = cells[tp + 1];
                            st[sp++] = Heap[hp + 1];
                            st[sp++] = cells[tp];
                            st[sp++] = Heap[hp];
                        }
                        else
                        {
                            // box: compare payloads
                            long h = cells[tp];
                            if (h != Heap[hp]) return false;
                            int k = Cell.BoxCells(h);
                            for (int i = 1; i <= k; i++) if (cells[tp + i] != Heap[hp + i]) return false;
                        }
                        break;
                    }
            }
            if (sp == 0) return true;
            hc = st[--sp];
            tc = st[--sp];
        }
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
        Array.Copy(A, 0, ArgStack, cp.ArgBase, arity);
        cp.Arity = arity;
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
            B = b;
            HB = b >= 0 ? Cps[b].H : 0;
        }
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CheckLimits()
    {
        if (Inferences > Limits.MaxInferences) throw PrologError.Resource("inferences");
        if (Limits.Cancel.IsCancellationRequested) throw PrologError.Resource("cancelled");
        if (Stopwatch.GetTimestamp() > _deadline) throw PrologError.TimeLimit();
        _nextCheck = Inferences + 65536;
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
        _nextCheck = Inferences + 4096;
    }
}
