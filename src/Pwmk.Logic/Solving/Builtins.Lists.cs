namespace Pwmk.Logic.Solving;

internal static partial class Builtins
{
    // ------------------------------------------------------------------ lists

    private static void RegisterLists(Database db)
    {
        Nondet(db, "length", 2, Length);
        Det(db, "msort", 2, m => m.Unify(m.A[1], m.MakeList(SortList(m, m.A[0], 0, false, false))));
        Det(db, "sort", 2, m => m.Unify(m.A[1], m.MakeList(SortList(m, m.A[0], 0, true, false))));
        Det(db, "predsort_builtin", 0, _ => false);
        Det(db, "keysort", 2, m =>
        {
            var items = ProperList(m, m.A[0]);
            foreach (var x in items)
            {
                long d = m.Deref(x);
                if (Cell.Tag(d) == Cell.REF) throw PrologError.Instantiation();
                if (Cell.Tag(d) != Cell.STR || m.Heap[Cell.Addr(d)] != Cell.Fun(Symbols.FMinus2))
                    throw PrologError.Type("pair", m.ToTerm(d));
            }
            var keyed = items.Select((x, i) => (Key: m.Heap[Cell.Addr(m.Deref(x)) + 1], Item: x, Index: i)).ToList();
            keyed.Sort((a, b) =>
            {
                int c = m.CompareTerms(a.Key, b.Key);
                return c != 0 ? c : a.Index.CompareTo(b.Index);
            });
            return m.Unify(m.A[1], m.MakeList(keyed.Select(k => k.Item).ToList()));
        });
        Det(db, "sort", 4, m =>
        {
            long k = m.Arg(0);
            if (Cell.Tag(k) == Cell.REF) throw PrologError.Instantiation();
            if (Cell.Tag(k) != Cell.INT || Cell.Val(k) < 0) throw PrologError.Type("integer", m.ToTerm(k));
            long o = m.Arg(1);
            if (Cell.Tag(o) == Cell.REF) throw PrologError.Instantiation();
            string ord = Cell.Tag(o) == Cell.ATM ? m.AtomText(o) : "";
            if (ord is not ("@<" or "@>" or "@=<" or "@>=")) throw PrologError.Domain("order", m.ToTerm(o));
            var sorted = SortList(m, m.A[2], (int)Cell.Val(k), ord is "@<" or "@>", ord is "@>" or "@>=");
            return m.Unify(m.A[3], m.MakeList(sorted));
        });
    }

    private static List<long> ProperList(Machine m, long l)
    {
        var items = m.ListToCells(l);
        if (items is not null) return items;
        long d = m.Deref(l);
        // partial list: instantiation error; anything else: type error
        while (Cell.Tag(d) == Cell.LST) d = m.Deref(m.Heap[Cell.Addr(d) + 1]);
        if (Cell.Tag(d) == Cell.REF) throw PrologError.Instantiation();
        throw PrologError.Type("list", m.ToTerm(l));
    }

    private static List<long> SortList(Machine m, long list, int key, bool dedupe, bool descending)
    {
        var items = ProperList(m, list);
        long KeyOf(long x)
        {
            if (key == 0) return x;
            long d = m.Deref(x);
            if (Cell.Tag(d) == Cell.REF) throw PrologError.Instantiation();
            if (!m.IsCompound(d)) throw PrologError.Type("compound", m.ToTerm(d));
            if (key > ArityOf(m, d)) throw PrologError.Type("compound", m.ToTerm(d));
            return ArgOf(m, d, key);
        }
        var keyed = new (long Key, long Item, int Index)[items.Count];
        for (int i = 0; i < items.Count; i++) keyed[i] = (KeyOf(items[i]), items[i], i);
        Array.Sort(keyed, (a, b) =>
        {
            int c = m.CompareTerms(a.Key, b.Key);
            if (descending) c = -c;
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        });
        var result = new List<long>(keyed.Length);
        for (int i = 0; i < keyed.Length; i++)
        {
            if (dedupe && i > 0 && m.CompareTerms(keyed[i].Key, keyed[i - 1].Key) == 0) continue;
            result.Add(keyed[i].Item);
        }
        return result;
    }

    private sealed class LengthState : IHeapCells
    {
        public long Tail;
        public int N;
        public long Prefix;

        public void Visit(Machine m, CellVisitor visit) => visit(m, ref Tail);
    }

    /// <summary>
    /// Whether the heap collector can run with this built-in choicepoint: its state holds no heap cells, or exposes
    /// them (<see cref="IHeapCells"/>). Closures that capture cells (for example predicate_property's) are unknown.
    /// </summary>
    internal static bool GcKnowsState(NondetBuiltin? redo, object? state) => state switch
    {
        null or IHeapCells or IHeapFreeState => true,
        int => ReferenceEquals(redo, s_argN),
        _ => false,
    };

    private static bool Length(Machine m, object? state)
    {
        if (state is LengthState st)
        {
            // one more cell on the open tail
            int n = ++st.N;
            m.PushRedo(s_length, st, 2);
            var cells = new long[n - st.Prefix];
            m.Poll(cells.Length); // each answer builds a longer list: check the time limit by work done
            for (int i = 0; i < cells.Length; i++) cells[i] = m.NewVar();
            return m.Unify(st.Tail, m.MakeList(cells)) && m.Unify(m.A[1], Cell.Int(n));
        }
        long l = m.Arg(0);
        long nC = m.Arg(1);
        if (Cell.Tag(nC) != Cell.REF && Cell.Tag(nC) != Cell.INT)
        {
            if (m.IsBig(nC)) throw PrologError.Resource("memory");
            throw PrologError.Type("integer", m.ToTerm(nC));
        }
        int count = 0;
        long d = l, budget = m.WalkBudget;
        while (Cell.Tag(d) == Cell.LST)
        {
            count++;
            m.Poll();
            if (--budget < 0) budget = m.RequireAcyclic(l);
            d = m.Deref(m.Heap[Cell.Addr(d) + 1]);
        }
        if (d == Cell.Nil) return m.Unify(nC, Cell.Int(count));
        if (Cell.Tag(d) != Cell.REF) throw PrologError.Type("list", m.ToTerm(l));
        if (Cell.Tag(nC) == Cell.INT)
        {
            long want = Cell.Val(nC);
            if (want < 0) throw PrologError.Domain("not_less_than_zero", m.ToTerm(nC));
            if (want < count) return false;
            if (want - count > 100_000_000) throw PrologError.Resource("memory");
            var cells = new long[want - count];
            for (int i = 0; i < cells.Length; i++) cells[i] = m.NewVar();
            return m.Unify(d, m.MakeList(cells));
        }
        if (d == nC) return false;   // length(L, L): the length would be the list itself (SWI-Prolog fails too)
        var s = new LengthState { Tail = d, N = count, Prefix = count };
        m.PushRedo(s_length, s, 2);
        return m.Unify(d, Cell.Nil) && m.Unify(nC, Cell.Int(count));
    }

    private static readonly NondetBuiltin s_length = Length;
}
