using System.Runtime.CompilerServices;

namespace Pwmk.Logic.Solving;

internal sealed partial class Machine
{
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
            int tag = (int)(c & 7);
            if (IsPointerTag(tag)) heap[i + delta] = c + d3;
            else if (tag == Cell.CVAR)
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
            }
            else
            {
                heap[i + delta] = c;
                if (tag == Cell.FUN && (c & BoxMarker) != 0)
                {
                    int k = Cell.BoxCells(c);
                    Array.Copy(cells, i + 1, heap, i + 1 + delta, k);
                    i += k;
                }
            }
        }
        return delta;
    }

    internal const long BoxMarker = Cell.BoxMarker;

    /// <summary>STR, LST or BOX: a template cell that points into the template (relocated when copied).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPointerTag(int tag) => ((1 << Cell.STR | 1 << Cell.LST | 1 << Cell.BOX) >> tag & 1) != 0;

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
            // tests, not a switch: an indirect jump through a table per argument mispredicts
            long c = cells[argStart + j];
            int tag = (int)(c & 7);
            if (tag == Cell.CVAR) a[j] = SlotValue(c, fb);
            else a[j] = IsPointerTag(tag) ? c + d3 : c;
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
            int tag = (int)(tc & 7);
            if (tag == Cell.CVAR)
            {
                if (!UnifySlot(tc, hc, fb)) return false;
            }
            else if (tag == Cell.ATM || tag == Cell.INT)
            {
                long d = Deref(hc);
                if (d == tc) continue;
                if ((d & 7) != Cell.REF) return false;
                Bind(d, tc);
            }
            else
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
                        if (IsPointerTag((int)(nc & 7))) { end = (int)(nc >> 3); break; }
                    }
                    int delta = CopyRegion(cells, start, end, fb);
                    Bind(d, tc + ((long)delta << 3));
                }
                else if (tag == Cell.LST && (d & 7) == Cell.LST && IsSimple(cells[(int)(tc >> 3)]) && IsSimple(cells[(int)(tc >> 3) + 1]))
                {
                    // [X|Xs] against a list cell, the commonest compound head argument: no walk needed
                    int tp = (int)(tc >> 3), hp = (int)(d >> 3);
                    UnifySimple(cells[tp], Heap[hp], fb, out bool ok);
                    if (!ok) return false;
                    UnifySimple(cells[tp + 1], Heap[hp + 1], fb, out ok);
                    if (!ok) return false;
                }
                else if (!UnifyTemplate(cells, tc, d, fb)) return false;
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

    /// <summary>A template cell that is a variable slot, an atom or a small integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSimple(long tc) => ((1 << Cell.CVAR | 1 << Cell.ATM | 1 << Cell.INT) >> (int)(tc & 7) & 1) != 0;

    /// <summary>
    /// Unifies a template cell that is a variable slot or atomic with a heap cell (<paramref name="ok"/>: whether it
    /// unified); false, doing nothing, for a compound or boxed template cell.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool UnifySimple(long tc, long hc, int fb, out bool ok)
    {
        int tag = (int)(tc & 7);
        if (tag == Cell.CVAR)
        {
            ok = UnifySlot(tc, hc, fb);
            return true;
        }
        if (tag == Cell.ATM || tag == Cell.INT)
        {
            long d = Deref(hc);
            ok = true;
            if (d != tc)
            {
                if ((d & 7) != Cell.REF) ok = false;
                else Bind(d, tc);
            }
            return true;
        }
        ok = false;
        return false;
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
                        // the arguments that are variables or atomic are unified here, only compound ones go on the
                        // stack (the order does not change the bindings: a variable pair binds the newer cell either way)
                        if (tt == Cell.STR)
                        {
                            long f = cells[tp];
                            if (f != Heap[hp]) return false;
                            int n = Symbols.FunctorArity((int)(f >> 3));
                            if (sp + 2 * n > st.Length) { Array.Resize(ref _hstack, Math.Max(st.Length * 2, sp + 2 * n + 8)); st = _hstack; }
                            for (int k = 1; k <= n; k++)
                            {
                                long kc = cells[tp + k];
                                if (!UnifySimple(kc, Heap[hp + k], fb, out bool ok))
                                {
                                    st[sp++] = kc;
                                    st[sp++] = Heap[hp + k];
                                }
                                else if (!ok) return false;
                            }
                        }
                        else if (tt == Cell.LST)
                        {
                            if (sp + 4 > st.Length) { Array.Resize(ref _hstack, st.Length * 2); st = _hstack; }
                            for (int k = 0; k <= 1; k++)
                            {
                                long kc = cells[tp + k];
                                if (!UnifySimple(kc, Heap[hp + k], fb, out bool ok))
                                {
                                    st[sp++] = kc;
                                    st[sp++] = Heap[hp + k];
                                }
                                else if (!ok) return false;
                            }
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
}
