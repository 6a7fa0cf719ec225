using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pwmk.Logic.Solving;

/// <summary>
/// Heap garbage collection: a sliding mark-compact collector. It runs only at a safe point, the call of a predicate
/// from the machine's own loop (arguments in A[0..arity), temporaries dead) and never inside a nested run (where C#
/// code up the stack holds heap cells) unless that run declared its live cells (tabling does). Roots: the arguments, the permanent variables of every live frame (the
/// chains from E and from each choicepoint), the saved arguments of choicepoints, the trail, the states of
/// nondeterministic built-ins that hold cells, and <see cref="QueryRoots"/>. Compaction keeps the cells' order, so
/// every choicepoint's heap mark stays a valid segment boundary and backtracking works unchanged. When a
/// choicepoint holds a built-in state the collector does not know (it could hide heap cells), it skips this round.
/// </summary>
internal sealed partial class Machine
{
    /// <summary>Default heap size (cells) below which no collection happens.</summary>
    internal const int DefaultGcFloor = 1 << 21;

    /// <summary>Heap size (cells) below which no collection happens; tests lower it to collect at almost every call.</summary>
    internal int GcFloor = DefaultGcFloor;

    /// <summary>Cells held by the caller of the query (its variables); updated in place when the heap is compacted.</summary>
    internal long[]? QueryRoots;

    /// <summary>Collections run, and cells they reclaimed, over this machine's life.</summary>
    internal long GcRuns, GcReclaimed, GcSkipped, GcInNestedRuns;

    private int _gcTrigger = DefaultGcFloor;
    private ulong[] _gcBits = [];
    private int[] _gcRank = [];
    private int[] _gcStack = new int[1024];
    private int _gcSp;
    private bool[] _gcFrameSeen = [];

    /// <summary>Saved argument registers of each nested run, with how many of them are live (-1: the run is not collectable).</summary>
    private readonly List<(long[] A, int Live)> _nested = [];
    private int _gcSafeNested;
    private long[] _roots = new long[64];
    private int _rootCount;

    /// <summary>Registers a heap cell held by C# code across a collectable nested run; read it back with <see cref="Root"/>.</summary>
    internal int PushRoot(long cell)
    {
        if (_rootCount == _roots.Length) Array.Resize(ref _roots, _roots.Length * 2);
        _roots[_rootCount] = cell;
        return _rootCount++;
    }

    /// <summary>The current value of a registered root (the collector may have moved it).</summary>
    internal long Root(int slot) => _roots[slot];

    /// <summary>Drops the most recently registered root.</summary>
    internal void PopRoot() => _rootCount--;

    /// <summary>Resets the trigger for a new query.</summary>
    internal void ResetGc()
    {
        _gcTrigger = Math.Min(GcFloor, Limits.MaxHeapCells / 2);
        _rootCount = 0;
    }

    /// <summary>Collects when the heap passed the trigger (called with the arguments of the next call in A[0..arity)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void MaybeCollect(int arity)
    {
        if (H >= _gcTrigger && _subDepth == _gcSafeNested) Collect(arity);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Collect(int arity)
    {
        if (!ChoicepointStatesKnown())
        {
            GcSkipped++;
            _gcTrigger = H + Math.Max(GcFloor, H / 2);
            return;
        }
        int h = H;
        int words = (h >> 6) + 1;
        if (_gcBits.Length < words) _gcBits = new ulong[Math.Max(words, _gcBits.Length * 2)];
        else Array.Clear(_gcBits, 0, words);
        _gcSp = 0;

        MarkRoots(arity, h);
        int live = ComputeRanks(words);
        int newH = 1 + live;
        Slide(h, words);
        UpdateRoots(arity, h, newH);

        GcRuns++;
        if (_subDepth > 0) GcInNestedRuns++;
        GcReclaimed += h - newH;
        H = newH;
        HB = B >= 0 ? Cps[B].H : 0;
        // normally the heap may double before the next collection; a lowered floor (tests) collects every GcFloor cells
        _gcTrigger = GcFloor < DefaultGcFloor ? newH + GcFloor : Math.Max(GcFloor, newH * 2);
        // and a query under a small heap limit collects when it is halfway from what is live to the limit
        _gcTrigger = (int)Math.Min(_gcTrigger, newH + ((long)Limits.MaxHeapCells - newH) / 2);
    }

    /// <summary>True when every choicepoint's built-in state is one whose heap cells the collector can see.</summary>
    private bool ChoicepointStatesKnown()
    {
        for (int b = 0; b <= B; b++)
        {
            ref var cp = ref Cps[b];
            if (cp.Kind == ChoiceKind.Redo && !Builtins.GcKnowsState(cp.Redo, cp.State)) return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ mark

    private void MarkRoots(int arity, int h)
    {
        for (int i = 0; i < arity; i++) MarkValue(A[i], h);
        if (QueryRoots is { } q)
            foreach (long c in q) MarkValue(c, h);
        for (int i = 0; i < _rootCount; i++) MarkValue(_roots[i], h);
        foreach (var (saved, live) in _nested)
            for (int i = 0; i < live; i++) MarkValue(saved[i], h);
        for (int i = 0; i < TR; i++) MarkAddr(Trail[i], h);
        for (int b = 0; b <= B; b++)
        {
            ref var cp = ref Cps[b];
            for (int i = 0; i < cp.Arity; i++) MarkValue(ArgStack[cp.ArgBase + i], h);
            if (cp.State is IHeapCells cells) cells.Visit(this, static (Machine m, ref long c) => m.MarkValue(c, m.H));
        }
        ForEachLiveFrame(f => MarkFrame(f, h));
        Drain(h);
    }

    private void MarkFrame(int f, int h)
    {
        ref var fr = ref Frames[f];
        int end = Math.Min(fr.FB + fr.NP, h);
        for (int a = fr.FB; a < end; a++) MarkAddr(a, h);
    }

    /// <summary>Visits each frame reachable from E or from a choicepoint's saved E, once.</summary>
    private void ForEachLiveFrame(Action<int> visit)
    {
        int top = FrameTop();
        if (top < 0) return;
        if (_gcFrameSeen.Length <= top) _gcFrameSeen = new bool[Math.Max(top + 1, _gcFrameSeen.Length * 2)];
        else Array.Clear(_gcFrameSeen, 0, top + 1);
        void Chain(int e)
        {
            while (e >= 0 && !_gcFrameSeen[e])
            {
                _gcFrameSeen[e] = true;
                visit(e);
                e = Frames[e].CE;
            }
        }
        Chain(E);
        for (int b = 0; b <= B; b++) Chain(Cps[b].E);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MarkAddr(int a, int h)
    {
        if (a <= 0 || a >= h) return;
        ref ulong w = ref _gcBits[a >> 6];
        ulong bit = 1UL << (a & 63);
        if ((w & bit) != 0) return;
        w |= bit;
        if (_gcSp == _gcStack.Length) Array.Resize(ref _gcStack, _gcStack.Length * 2);
        _gcStack[_gcSp++] = a;
    }

    /// <summary>Marks what a cell value points at (the value itself lives elsewhere: a register or a root).</summary>
    private void MarkValue(long c, int h)
    {
        int a = Cell.Addr(c);
        switch (Cell.Tag(c))
        {
            case Cell.REF:
                MarkAddr(a, h);
                break;
            case Cell.STR:
                if (a <= 0 || a >= h || (Heap[a] & 7) != Cell.FUN || (Heap[a] & Cell.BoxMarker) != 0) return;
                MarkAddr(a, h);
                int n = Symbols.FunctorArity((int)Cell.Val(Heap[a]));
                for (int i = 1; i <= n; i++) MarkAddr(a + i, h);
                break;
            case Cell.LST:
                MarkAddr(a, h);
                MarkAddr(a + 1, h);
                break;
            case Cell.BOX:
                MarkBox(a, h);
                break;
        }
    }

    /// <summary>Marks a box header and its raw payload, which is never read as cells.</summary>
    private void MarkBox(int a, int h)
    {
        if (a <= 0 || a >= h) return;
        int n = Cell.BoxCells(Heap[a]);
        for (int i = a; i <= a + n && i < h; i++) _gcBits[i >> 6] |= 1UL << (i & 63);
    }

    private void Drain(int h)
    {
        var heap = Heap;
        while (_gcSp > 0)
        {
            int a = _gcStack[--_gcSp];
            long c = heap[a];
            int tag = Cell.Tag(c);
            if (tag == Cell.REF)
            {
                if (Cell.Addr(c) != a) MarkAddr(Cell.Addr(c), h);
            }
            else if (tag is Cell.STR or Cell.LST or Cell.BOX) MarkValue(c, h);
        }
    }

    // ------------------------------------------------------------------ compact

    /// <summary>Live cells before each bitmap word; returns the number of live cells.</summary>
    private int ComputeRanks(int words)
    {
        if (_gcRank.Length < words + 1) _gcRank = new int[Math.Max(words + 1, _gcRank.Length * 2)];
        int sum = 0;
        for (int w = 0; w < words; w++)
        {
            _gcRank[w] = sum;
            sum += BitOperations.PopCount(_gcBits[w]);
        }
        _gcRank[words] = sum;
        return sum;
    }

    /// <summary>New address of heap position <paramref name="a"/> (for a dead position: where the next live cell goes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Forward(int a, int h)
    {
        if (a >= h) return 1 + _gcRank[(h >> 6) + 1];
        if (a <= 0) return a;
        return 1 + _gcRank[a >> 6] + BitOperations.PopCount(_gcBits[a >> 6] & ((1UL << (a & 63)) - 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Relocate(long c, int h)
    {
        int tag = Cell.Tag(c);
        if (tag is Cell.REF or Cell.STR or Cell.LST or Cell.BOX)
        {
            int a = Cell.Addr(c);
            if (a > 0 && a < h) return ((long)Forward(a, h) << 3) | (long)tag;
        }
        return c;
    }

    /// <summary>Moves every live cell down to its new address, rewriting the addresses inside it.</summary>
    private void Slide(int h, int words)
    {
        var heap = Heap;
        int raw = 0; // payload cells of a box still to copy verbatim
        int to = 1;
        for (int w = 0; w < words; w++)
        {
            ulong bits = _gcBits[w];
            while (bits != 0)
            {
                int a = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                long c = heap[a];
                if (raw > 0)
                {
                    raw--;
                    heap[to++] = c;
                    continue;
                }
                if ((c & 7) == Cell.FUN && (c & Cell.BoxMarker) != 0) raw = Cell.BoxCells(c);
                heap[to++] = Relocate(c, h);
            }
        }
    }

    private void UpdateRoots(int arity, int h, int newH)
    {
        _gcOldH = h;
        for (int i = 0; i < arity; i++) A[i] = Relocate(A[i], h);
        if (QueryRoots is { } q)
            for (int i = 0; i < q.Length; i++) q[i] = Relocate(q[i], h);
        for (int i = 0; i < _rootCount; i++) _roots[i] = Relocate(_roots[i], h);
        foreach (var (saved, live) in _nested)
            for (int i = 0; i < live; i++) saved[i] = Relocate(saved[i], h);
        for (int i = 0; i < TR; i++) Trail[i] = Forward(Trail[i], h);
        for (int b = 0; b <= B; b++)
        {
            ref var cp = ref Cps[b];
            for (int i = 0; i < cp.Arity; i++) ArgStack[cp.ArgBase + i] = Relocate(ArgStack[cp.ArgBase + i], h);
            if (cp.State is IHeapCells cells) cells.Visit(this, static (Machine m, ref long c) => c = m.Relocate(c, m._gcOldH));
            cp.H = cp.H >= h ? newH : Forward(cp.H, h);
        }
        ForEachLiveFrame(f =>
        {
            ref var fr = ref Frames[f];
            fr.FB = fr.FB >= h ? newH : Forward(fr.FB, h);
        });
    }

    private int _gcOldH;
}

/// <summary>A built-in's choicepoint state that holds heap cells: the collector marks and relocates them.</summary>
internal interface IHeapCells
{
    /// <summary>Calls <paramref name="visit"/> on each heap cell the state holds (by reference, so it can be rewritten).</summary>
    void Visit(Machine m, CellVisitor visit);
}

/// <summary>Visits one cell held outside the heap.</summary>
internal delegate void CellVisitor(Machine m, ref long cell);

/// <summary>A built-in's choicepoint state that holds no heap cells (the collector may run while it waits).</summary>
internal interface IHeapFreeState;
