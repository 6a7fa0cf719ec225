using System.Numerics;

namespace Pwmk.Logic.Solving;

internal sealed partial class Machine
{
    private static int Rank(int tag, int boxKind) => tag switch
    {
        Cell.REF => 0,
        Cell.INT => 1,
        Cell.ATM => 4,
        Cell.BOX => boxKind == Cell.BoxString ? 3 : 1,
        _ => 5,
    };

    /// <summary>Standard order of terms (Var &lt; Number &lt; Atom &lt; String &lt; Compound), iterative.</summary>
    internal int CompareTerms(long a, long b)
    {
        var stack = new Stack<(long, long)>();
        stack.Push((a, b));
        long budget = WalkBudget;
        HashSet<long>? seen = null;
        while (stack.Count > 0)
        {
            Poll();
            var (x0, y0) = stack.Pop();
            long x = Deref(x0), y = Deref(y0);
            if (x == y) continue;
            int tx = Cell.Tag(x), ty = Cell.Tag(y);
            int kx = tx == Cell.BOX ? BoxKindAt(x) : 0, ky = ty == Cell.BOX ? BoxKindAt(y) : 0;
            int rx = Rank(tx, kx), ry = Rank(ty, ky);
            if (rx != ry) return rx < ry ? -1 : 1;
            int c;
            switch (rx)
            {
                case 0: c = Cell.Addr(x).CompareTo(Cell.Addr(y)); break;
                case 1: c = CompareNumbers(x, y); break;
                case 4: c = string.CompareOrdinal(AtomText(x), AtomText(y)); break;
                case 3: c = string.CompareOrdinal(StringOf(x), StringOf(y)); break;
                default:
                    {
                        int fx = tx == Cell.LST ? Symbols.FList : (int)Cell.Val(Heap[Cell.Addr(x)]);
                        int fy = ty == Cell.LST ? Symbols.FList : (int)Cell.Val(Heap[Cell.Addr(y)]);
                        int nx = Symbols.FunctorArity(fx), ny = Symbols.FunctorArity(fy);
                        if (nx != ny) return nx < ny ? -1 : 1;
                        if (fx != fy)
                        {
                            c = string.CompareOrdinal(Symbols.FunctorName(fx), Symbols.FunctorName(fy));
                            break;
                        }
                        int px = Cell.Addr(x), py = Cell.Addr(y);
                        c = 0;
                        if (--budget < 0 && !FirstVisit(ref seen, px, py)) break;   // compared already: equal so far (a cycle)
                        int ox = tx == Cell.LST ? 0 : 1, oy = ty == Cell.LST ? 0 : 1;
                        for (int i = nx - 1; i >= 0; i--) stack.Push((Heap[px + ox + i], Heap[py + oy + i]));
                        break;
                    }
            }
            if (c != 0) return c < 0 ? -1 : 1;
        }
        return 0;
    }

    private int CompareNumbers(long x, long y)
    {
        var a = NumOf(x);
        var b = NumOf(y);
        int c = Arith.Cmp(a, b);
        if (c == 2) return a.Kind == 1 && double.IsNaN(a.D) ? (b.Kind == 1 && double.IsNaN(b.D) ? 0 : -1) : 1;
        if (c != 0) return c;
        // equal by value: Float < Int
        if (a.Kind == 1 && b.Kind != 1) return -1;
        if (a.Kind != 1 && b.Kind == 1) return 1;
        return 0;
    }

    internal Num NumOf(long c)
    {
        if (Cell.Tag(c) == Cell.INT) return Num.Int(Cell.Val(c));
        return BoxKindAt(c) == Cell.BoxFloat ? Num.Flt(FloatOf(c)) : Num.Of(BigOf(c));
    }

    /// <summary>True when the two terms are variants (equal up to consistent renaming of variables).</summary>
    internal bool Variant(long a, long b)
    {
        var ra = ToRecord(a).Cells;
        var rb = ToRecord(b).Cells;
        return ra.AsSpan().SequenceEqual(rb);
    }

    /// <summary>True when the term has no cycles (after unification without occurs check).</summary>
    internal bool IsAcyclic(long t)
    {
        var onPath = new HashSet<int>();
        var done = new HashSet<int>();
        var stack = new Stack<(long, bool)>();
        stack.Push((t, false));
        while (stack.Count > 0)
        {
            var (c0, exit) = stack.Pop();
            long c = Deref(c0);
            int tag = Cell.Tag(c);
            if (tag != Cell.STR && tag != Cell.LST) continue;
            int p = Cell.Addr(c);
            if (exit)
            {
                onPath.Remove(p);
                done.Add(p);
                continue;
            }
            if (done.Contains(p)) continue;
            if (!onPath.Add(p)) return false;
            stack.Push((c, true));
            if (tag == Cell.LST)
            {
                stack.Push((Heap[p + 1], false));
                stack.Push((Heap[p], false));
            }
            else
            {
                int n = Symbols.FunctorArity((int)Cell.Val(Heap[p]));
                for (int i = n; i >= 1; i--) stack.Push((Heap[p + i], false));
            }
        }
        return true;
    }

    /// <summary>Unifies with every binding trailed, then undoes them: true when the terms unify.</summary>
    internal bool CanUnify(long a, long b)
    {
        int tr = TR;
        int savedHB = HB;
        HB = int.MaxValue;
        bool ok = Unify(a, b);
        UndoTrail(tr);
        HB = savedHB;
        return ok;
    }

    internal static BigInteger AsBig(in Num n) => n.Kind == 0 ? n.I : n.Big;
}
