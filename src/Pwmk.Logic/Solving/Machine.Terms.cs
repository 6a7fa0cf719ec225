using System.Numerics;
using System.Text;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

internal sealed partial class Machine
{
    // ------------------------------------------------------------------ boxes

    internal long MakeFloat(double d)
    {
        EnsureHeap(2);
        int h = H;
        Heap[h] = Cell.BoxHeader(Cell.BoxFloat, 1);
        Heap[h + 1] = BitConverter.DoubleToInt64Bits(d);
        H += 2;
        return Cell.Box(h);
    }

    internal long MakeInteger(BigInteger v)
    {
        if (v >= Cell.MinSmall && v <= Cell.MaxSmall) return Cell.Int((long)v);
        var bytes = v.ToByteArray();
        int n = (bytes.Length + 7) / 8;
        EnsureHeap(n + 2);
        int h = H;
        Heap[h] = Cell.BoxHeader(Cell.BoxBig, n + 1);
        Heap[h + 1] = bytes.Length;
        var padded = new byte[n * 8];
        Array.Copy(bytes, padded, bytes.Length);
        for (int i = 0; i < n; i++) Heap[h + 2 + i] = BitConverter.ToInt64(padded, i * 8);
        H += n + 2;
        return Cell.Box(h);
    }

    internal long MakeString(string s)
    {
        int n = (s.Length + 3) / 4;
        EnsureHeap(n + 2);
        int h = H;
        Heap[h] = Cell.BoxHeader(Cell.BoxString, n + 1);
        Heap[h + 1] = s.Length;
        for (int i = 0; i < n; i++)
        {
            long w = 0;
            for (int k = 0; k < 4; k++)
            {
                int idx = i * 4 + k;
                if (idx < s.Length) w |= (long)s[idx] << (16 * k);
            }
            Heap[h + 2 + i] = w;
        }
        H += n + 2;
        return Cell.Box(h);
    }

    internal int BoxKindAt(long boxCell) => Cell.BoxKind(Heap[Cell.Addr(boxCell)]);
    internal double FloatOf(long boxCell) => BitConverter.Int64BitsToDouble(Heap[Cell.Addr(boxCell) + 1]);

    internal BigInteger BigOf(long boxCell) => BigOf(Heap, Cell.Addr(boxCell));

    internal static BigInteger BigOf(long[] cells, int p)
    {
        int len = (int)cells[p + 1];
        int n = (len + 7) / 8;
        var bytes = new byte[n * 8];
        for (int i = 0; i < n; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), cells[p + 2 + i]);
        return new BigInteger(bytes.AsSpan(0, len));
    }

    internal string StringOf(long boxCell) => StringOf(Heap, Cell.Addr(boxCell));

    internal static string StringOf(long[] cells, int p)
    {
        int len = (int)cells[p + 1];
        return string.Create(len, (cells, p), static (span, st) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = (char)((st.cells[st.p + 2 + i / 4] >> (16 * (i % 4))) & 0xFFFF);
        });
    }

    internal long MakeAtom(string name) => Cell.Atom(Symbols.QueryAtom(name));

    // ------------------------------------------------------------------ Term <-> heap

    private readonly Stack<(Term, int)> _fromTermStack = new();

    /// <summary>Puts an object term on the heap (iterative); variables map to fresh heap variables (shared by identity).</summary>
    internal long FromTerm(Term t, Dictionary<Variable, long>? vars = null)
    {
        vars ??= new Dictionary<Variable, long>(ReferenceEqualityComparer.Instance);
        var stack = _fromTermStack;
        stack.Clear();
        long root = 0;
        stack.Push((t, -1));
        while (stack.Count > 0)
        {
            var (x, dst) = stack.Pop();
            long c;
            switch (x)
            {
                case Atom a: c = Cell.Atom(Symbols.QueryAtom(a.Name)); break;
                case Integer i: c = MakeInteger(i.Value); break;
                case Float f: c = MakeFloat(f.Value); break;
                case StringTerm s: c = MakeString(s.Value); break;
                case Variable v:
                    if (!vars.TryGetValue(v, out c))
                    {
                        if (dst >= 0)
                        {
                            c = Cell.Ref(dst);
                            vars[v] = c;
                        }
                        else
                        {
                            c = NewVar();
                            vars[v] = c;
                        }
                    }
                    break;
                case Compound k:
                    {
                        var args = k.ArgArray;
                        if (k.Functor == Term.ListFunctor && args.Length == 2)
                        {
                            EnsureHeap(2);
                            int h = H;
                            H += 2;
                            Heap[h] = Heap[h + 1] = 0;
                            stack.Push((args[1], h + 1));
                            stack.Push((args[0], h));
                            c = Cell.Lst(h);
                        }
                        else
                        {
                            int f = Symbols.QueryFunctor(Symbols.QueryAtom(k.Functor), args.Length);
                            EnsureHeap(args.Length + 1);
                            int h = H;
                            H += args.Length + 1;
                            Heap[h] = Cell.Fun(f);
                            for (int i = args.Length - 1; i >= 0; i--) stack.Push((args[i], h + 1 + i));
                            c = Cell.Str(h);
                        }
                        break;
                    }
                default: throw new ArgumentException("unknown term type");
            }
            if (dst >= 0) Heap[dst] = c;
            else root = c;
        }
        return root;
    }

    /// <summary>Copies a heap term into an object term (iterative). Unbound variables become <see cref="Variable"/>s named by address.</summary>
    internal Term ToTerm(long cell, Dictionary<int, Variable>? names = null)
    {
        names ??= new Dictionary<int, Variable>();
        // Post-order construction with an explicit stack.
        var work = new Stack<(long Cell, bool Expanded)>();
        var results = new Stack<Term>();
        work.Push((cell, false));
        long budget = WalkBudget;
        while (work.Count > 0)
        {
            Poll();
            var (c0, expanded) = work.Pop();
            long c = Deref(c0);
            int tag = Cell.Tag(c);
            if (!expanded)
            {
                switch (tag)
                {
                    case Cell.REF:
                        {
                            int a = Cell.Addr(c);
                            if (!names.TryGetValue(a, out var v)) names[a] = v = new Variable("_G" + a);
                            results.Push(v);
                            continue;
                        }
                    case Cell.ATM: results.Push(new Atom(Symbols.AtomName((int)Cell.Val(c)))); continue;
                    case Cell.INT: results.Push(new Integer(Cell.Val(c))); continue;
                    case Cell.BOX:
                        {
                            int kind = BoxKindAt(c);
                            results.Push(kind switch
                            {
                                Cell.BoxFloat => new Float(FloatOf(c)),
                                Cell.BoxBig => new Integer(BigOf(c)),
                                _ => new StringTerm(StringOf(c)),
                            });
                            continue;
                        }
                    case Cell.STR:
                        {
                            if (--budget < 0) budget = RequireAcyclic(cell);
                            int p = Cell.Addr(c);
                            int n = Symbols.FunctorArity((int)Cell.Val(Heap[p]));
                            work.Push((c, true));
                            for (int i = n; i >= 1; i--) work.Push((Heap[p + i], false));
                            continue;
                        }
                    case Cell.LST:
                        {
                            if (--budget < 0) budget = RequireAcyclic(cell);
                            int p = Cell.Addr(c);
                            work.Push((c, true));
                            work.Push((Heap[p + 1], false));
                            work.Push((Heap[p], false));
                            continue;
                        }
                }
            }
            else if (tag == Cell.STR)
            {
                int p = Cell.Addr(c);
                int f = (int)Cell.Val(Heap[p]);
                int n = Symbols.FunctorArity(f);
                var args = new Term[n];
                for (int i = n - 1; i >= 0; i--) args[i] = results.Pop();
                results.Push(new Compound(Symbols.FunctorName(f), args));
            }
            else
            {
                var tail = results.Pop();
                var head = results.Pop();
                results.Push(new Compound(Term.ListFunctor, head, tail));
            }
        }
        return results.Pop();
    }

    // ------------------------------------------------------------------ records (copies outside the heap)

    /// <summary>Copies a heap term to a record (cells laid out in blocks, variables as slots 0..n-1).</summary>
    internal Record ToRecord(long cell, Dictionary<int, int>? varSlots = null) => ToRecord(cell, varSlots, null);

    private long[] _recBuf = new long[256];
    private readonly Stack<(long, int)> _recWork = new();
    private readonly Dictionary<int, int> _recVars = new();

    internal Record ToRecord(long cell, Dictionary<int, int>? varSlots, List<int>? varOrder)
    {
        var cells = RecordCells(cell, varSlots, varOrder, out int nvars);
        return new Record { Cells = cells.ToArray(), NVars = nvars };
    }

    /// <summary>The cells <see cref="ToRecord(long, Dictionary{int, int}?)"/> would store, in a reused buffer (valid until the next call).</summary>
    internal ReadOnlySpan<long> RecordCells(long cell, out int nvars) => RecordCells(cell, null, null, out nvars);

    private ReadOnlySpan<long> RecordCells(long cell, Dictionary<int, int>? varSlots, List<int>? varOrder, out int nvars)
    {
        long root = Deref(cell);
        int rt = Cell.Tag(root);
        if (rt == Cell.ATM || rt == Cell.INT)
        {
            _recBuf[0] = root;
            nvars = 0;
            return _recBuf.AsSpan(0, 1);
        }
        var vars = varSlots ?? _recVars;
        if (varSlots is null) _recVars.Clear();
        var buf = _recBuf;
        int n = 1;
        var work = _recWork;
        work.Clear();
        work.Push((root, 0));
        long budget = WalkBudget;
        while (work.Count > 0)
        {
            Poll();
            if (--budget < 0) budget = RequireAcyclic(root);
            var (c0, dst) = work.Pop();
            long c = Deref(c0);
            long outc;
            switch (Cell.Tag(c))
            {
                case Cell.REF:
                    {
                        int a = Cell.Addr(c);
                        if (!vars.TryGetValue(a, out int slot))
                        {
                            slot = vars.Count;
                            vars[a] = slot;
                            varOrder?.Add(a);
                        }
                        outc = Cell.CVar(slot, false, false);
                        break;
                    }
                case Cell.STR:
                    {
                        int p = Cell.Addr(c);
                        long f = Heap[p];
                        int k = Symbols.FunctorArity((int)Cell.Val(f));
                        if (n + k + 1 > buf.Length) Array.Resize(ref buf, Math.Max(buf.Length * 2, n + k + 1));
                        int at = n;
                        buf[at] = f;
                        n += k + 1;
                        for (int i = k; i >= 1; i--)
                        {
                            long x = Deref(Heap[p + i]);
                            int xt = Cell.Tag(x);
                            if (xt == Cell.ATM || xt == Cell.INT) buf[at + i] = x;
                            else work.Push((x, at + i));
                        }
                        outc = Cell.Str(at);
                        break;
                    }
                case Cell.LST:
                    {
                        int p = Cell.Addr(c);
                        if (n + 2 > buf.Length) Array.Resize(ref buf, buf.Length * 2);
                        int at = n;
                        n += 2;
                        work.Push((Heap[p + 1], at + 1));
                        work.Push((Heap[p], at));
                        outc = Cell.Lst(at);
                        break;
                    }
                case Cell.BOX:
                    {
                        int p = Cell.Addr(c);
                        int k = Cell.BoxCells(Heap[p]);
                        if (n + k + 1 > buf.Length) Array.Resize(ref buf, Math.Max(buf.Length * 2, n + k + 1));
                        int at = n;
                        Array.Copy(Heap, p, buf, at, k + 1);
                        n += k + 1;
                        outc = Cell.Box(at);
                        break;
                    }
                default:
                    outc = c;
                    break;
            }
            buf[dst] = outc;
        }
        _recBuf = buf;
        nvars = vars.Count;
        return buf.AsSpan(0, n);
    }

    private long[] _recSlots = new long[16];

    /// <summary>Instantiates solution <paramref name="i"/> of a findall bag on the heap with fresh variables.</summary>
    internal long FromBag(RecordBag bag, int i)
    {
        var (start, length, nvars) = bag.Item(i);
        var cells = bag.Cells;
        if (length == 1)
        {
            long c = cells[start];
            return Cell.Tag(c) == Cell.CVAR ? NewVar() : c;
        }
        if (nvars > _recSlots.Length) _recSlots = new long[Math.Max(nvars, _recSlots.Length * 2)];
        Array.Clear(_recSlots, 0, nvars);
        var savedT = T;
        T = _recSlots;
        try
        {
            int delta = CopyRegion(cells, start + 1, start + length, 0);
            long root = cells[start];
            int tag = Cell.Tag(root);
            if (tag == Cell.STR || tag == Cell.LST || tag == Cell.BOX) return root + ((long)delta << 3);
            return root;
        }
        finally
        {
            T = savedT;
        }
    }

    /// <summary>Instantiates a record on the heap with fresh variables.</summary>
    internal long FromRecord(Record r)
    {
        var cells = r.Cells;
        if (cells.Length == 1)
        {
            long c = cells[0];
            return Cell.Tag(c) == Cell.CVAR ? NewVar() : c;
        }
        if (r.NVars > _recSlots.Length) _recSlots = new long[Math.Max(r.NVars, _recSlots.Length * 2)];
        Array.Clear(_recSlots, 0, r.NVars);
        var savedT = T;
        T = _recSlots;
        try
        {
            int delta = CopyRegion(cells, 1, cells.Length, 0);
            long root = cells[0];
            int tag = Cell.Tag(root);
            if (tag == Cell.STR || tag == Cell.LST || tag == Cell.BOX) return root + ((long)delta << 3);
            return root;
        }
        finally
        {
            T = savedT;
        }
    }

    // ------------------------------------------------------------------ lists and text helpers

    internal long MakeList(IReadOnlyList<long> items, long tail = Cell.Nil)
    {
        if (items.Count == 0) return tail;
        EnsureHeap(items.Count * 2);
        int h = H;
        H += items.Count * 2;
        for (int i = 0; i < items.Count; i++)
        {
            Heap[h + 2 * i] = items[i];
            Heap[h + 2 * i + 1] = i + 1 < items.Count ? Cell.Lst(h + 2 * i + 2) : tail;
        }
        return Cell.Lst(h);
    }

    internal long MakeStruct(int functor, params long[] args)
    {
        EnsureHeap(args.Length + 1);
        int h = H;
        H += args.Length + 1;
        Heap[h] = Cell.Fun(functor);
        for (int i = 0; i < args.Length; i++) Heap[h + 1 + i] = args[i];
        return Cell.Str(h);
    }

    /// <summary>Elements of a proper list; null if partial or not a list. A cyclic list is representation_error(cyclic_term).</summary>
    internal List<long>? ListToCells(long l, int max = int.MaxValue)
    {
        var r = new List<long>();
        l = Deref(l);
        long root = l, budget = WalkBudget;
        while (Cell.Tag(l) == Cell.LST)
        {
            int p = Cell.Addr(l);
            r.Add(Heap[p]);
            Poll();
            if (r.Count > max) return null;
            if (--budget < 0) budget = RequireAcyclic(root);
            l = Deref(Heap[p + 1]);
        }
        return l == Cell.Nil ? r : null;
    }

    internal bool IsAtom(long c) => Cell.Tag(c) == Cell.ATM;
    internal bool IsString(long c) => Cell.Tag(c) == Cell.BOX && BoxKindAt(c) == Cell.BoxString;
    internal bool IsFloat(long c) => Cell.Tag(c) == Cell.BOX && BoxKindAt(c) == Cell.BoxFloat;
    internal bool IsBig(long c) => Cell.Tag(c) == Cell.BOX && BoxKindAt(c) == Cell.BoxBig;
    internal bool IsInteger(long c) => Cell.Tag(c) == Cell.INT || IsBig(c);
    internal bool IsNumber(long c) => Cell.Tag(c) == Cell.INT || (Cell.Tag(c) == Cell.BOX && BoxKindAt(c) != Cell.BoxString);
    internal bool IsCallable(long c) => Cell.Tag(c) is Cell.ATM or Cell.STR or Cell.LST;
    internal bool IsCompound(long c) => Cell.Tag(c) is Cell.STR or Cell.LST;
    internal bool IsAtomic(long c) => Cell.Tag(c) is Cell.ATM or Cell.INT or Cell.BOX;

    internal string AtomText(long c) => Symbols.AtomName((int)Cell.Val(c));

    /// <summary>Text of an atom, string, number, code list or char list; null when not text.</summary>
    internal string? TextOf(long c, bool allowNumbers = true)
    {
        c = Deref(c);
        switch (Cell.Tag(c))
        {
            case Cell.ATM: return AtomText(c);
            case Cell.INT: return allowNumbers ? Cell.Val(c).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            case Cell.BOX:
                {
                    int k = BoxKindAt(c);
                    if (k == Cell.BoxString) return StringOf(c);
                    if (!allowNumbers) return null;
                    return k == Cell.BoxFloat ? Parsing.TermWriter.FormatFloat(FloatOf(c)) : BigOf(c).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            case Cell.LST:
                {
                    var sb = new StringBuilder();
                    long l = c;
                    while (Cell.Tag(l) == Cell.LST)
                    {
                        int p = Cell.Addr(l);
                        long e = Deref(Heap[p]);
                        if (Cell.Tag(e) == Cell.INT)
                        {
                            long code = Cell.Val(e);
                            if (code < 0 || code > 0x10FFFF) return null;
                            sb.Append(char.ConvertFromUtf32((int)code));
                        }
                        else if (Cell.Tag(e) == Cell.ATM)
                        {
                            string s = AtomText(e);
                            if (s.Length != 1 && !(s.Length == 2 && char.IsSurrogatePair(s, 0))) return null;
                            sb.Append(s);
                        }
                        else return null;
                        l = Deref(Heap[p + 1]);
                    }
                    return l == Cell.Nil ? sb.ToString() : null;
                }
            default:
                return c == Cell.Nil ? "[]" : null;
        }
    }

    internal long CodesList(string s)
    {
        var items = new List<long>(s.Length);
        foreach (var r in s.EnumerateRunes()) items.Add(Cell.Int(r.Value));
        return MakeList(items);
    }

    internal long CharsList(string s)
    {
        var items = new List<long>(s.Length);
        foreach (var r in s.EnumerateRunes()) items.Add(MakeAtom(r.ToString()));
        return MakeList(items);
    }
}
