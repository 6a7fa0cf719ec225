using System.Numerics;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

/// <summary>The built-in predicates implemented in C# (the rest live in library.pl).</summary>
internal static partial class Builtins
{
    public static readonly DetBuiltin FindallBegin = m =>
    {
        if (m.Collectors.Count >= 100_000) throw PrologError.Resource("findall_nesting");
        m.Collectors.Add(new RecordBag());
        return m.Unify(m.A[0], Cell.Int(m.Collectors.Count - 1));
    };

    public static readonly DetBuiltin FindallAdd = m =>
    {
        int h = (int)Cell.Val(m.Deref(m.A[0]));
        var bag = m.Collectors[h];
        if (bag.Count >= m.MaxCollected) throw PrologError.Resource("findall_solutions");
        var cells = m.RecordCells(m.A[1], out int nvars);
        m.CollectedCells += cells.Length;
        if (m.CollectedCells > m.Limits.MaxHeapCells) throw PrologError.Resource("memory");
        m.Charge(8L * cells.Length + 16);
        bag.Add(cells, nvars);
        return true;
    };

    public static readonly DetBuiltin FindallEnd = m =>
    {
        int h = (int)Cell.Val(m.Deref(m.A[0]));
        var bag = m.Collectors[h];
        m.Collectors.RemoveRange(h, m.Collectors.Count - h);
        var items = new long[bag.Count];
        for (int i = 0; i < items.Length; i++) items[i] = m.FromBag(bag, i);
        return m.Unify(m.A[1], m.MakeList(items));
    };

    private static void Det(Database db, string name, int arity, DetBuiltin fn)
    {
        var p = db.Lookup(Symbols.Functor(name, arity));
        p.Det = fn;
        p.Defined = true;
    }

    private static void Nondet(Database db, string name, int arity, NondetBuiltin fn)
    {
        var p = db.Lookup(Symbols.Functor(name, arity));
        p.Nondet = fn;
        p.Defined = true;
    }

    private static void Control(Database db, string name, int arity, Func<Machine, bool> fn)
    {
        var p = db.Lookup(Symbols.Functor(name, arity));
        p.Control = fn;
        p.Defined = true;
    }

    private static long Arg(this Machine m, int i) => m.Deref(m.A[i]);

    public static void Register(Database db)
    {
        RegisterControl(db);
        RegisterTypes(db);
        RegisterTerms(db);
        RegisterArith(db);
        RegisterText(db);
        RegisterLists(db);
        RegisterDatabase(db);
        RegisterClauseRefs(db);
        RegisterSystem(db);
    }

    // ------------------------------------------------------------------ control

    private static void RegisterControl(Database db)
    {
        for (int n = 1; n <= 8; n++)
        {
            int extra = n - 1;
            Control(db, "call", n, m => m.CallGoal(m.A[0], extra));
        }
        var catchPred = db.Lookup(Symbols.Functor("catch", 3));
        catchPred.Append(Machine.BuildCatchClause(catchPred, db.Lookup(Symbols.Functor("call", 1))));
        catchPred.Defined = true;
        catchPred.IsControl = true;
        Det(db, "throw", 1, m =>
        {
            long b = m.Arg(0);
            if (Cell.Tag(b) == Cell.REF) throw PrologError.Instantiation();
            throw new PrologError(m.ToTerm(b));
        });
        Det(db, "$findall_begin", 1, FindallBegin);
        Det(db, "$findall_add", 2, FindallAdd);
        Det(db, "$findall_end", 2, FindallEnd);
        Det(db, "true", 0, _ => true);
        Det(db, "otherwise", 0, _ => true);
        Det(db, "fail", 0, _ => false);
        Det(db, "false", 0, _ => false);
        Nondet(db, "repeat", 0, (m, _) =>
        {
            m.PushRedo(s_repeat, null, 0);
            return true;
        });
    }

    private static readonly NondetBuiltin s_repeat = (m, _) =>
    {
        m.PushRedo(s_repeatRef!, null, 0);
        return true;
    };
    private static readonly NondetBuiltin s_repeatRef = s_repeat;

    // ------------------------------------------------------------------ type checks

    private static void RegisterTypes(Database db)
    {
        Det(db, "var", 1, m => Cell.Tag(m.Arg(0)) == Cell.REF);
        Det(db, "nonvar", 1, m => Cell.Tag(m.Arg(0)) != Cell.REF);
        Det(db, "atom", 1, m => Cell.Tag(m.Arg(0)) == Cell.ATM);
        Det(db, "number", 1, m => m.IsNumber(m.Arg(0)));
        Det(db, "integer", 1, m => m.IsInteger(m.Arg(0)));
        Det(db, "float", 1, m => m.IsFloat(m.Arg(0)));
        Det(db, "atomic", 1, m => m.IsAtomic(m.Arg(0)));
        Det(db, "compound", 1, m => m.IsCompound(m.Arg(0)));
        Det(db, "callable", 1, m => m.IsCallable(m.Arg(0)));
        Det(db, "is_list", 1, m => m.ListToCells(m.Arg(0)) is not null);
        Det(db, "string", 1, m => m.IsString(m.Arg(0)));
        Det(db, "ground", 1, m => m.TermVariables(m.A[0]).Count == 0);
        Det(db, "acyclic_term", 1, m => m.IsAcyclic(m.A[0]));
        Det(db, "cyclic_term", 1, m => !m.IsAcyclic(m.A[0]));
        Det(db, "is_dict", 1, _ => false);
        Det(db, "blob", 2, m => Cell.Tag(m.Arg(0)) == Cell.ATM && m.Unify(m.A[1], m.MakeAtom("text")));
    }

    // ------------------------------------------------------------------ terms

    private static readonly int s_lt = Symbols.Atom("<"), s_gt = Symbols.Atom(">"), s_eq = Symbols.Atom("=");

    private static void RegisterTerms(Database db)
    {
        Det(db, "=", 2, m => m.Unify(m.A[0], m.A[1]));
        Det(db, "\\=", 2, m => !m.CanUnify(m.A[0], m.A[1]));
        Det(db, "unify_with_occurs_check", 2, m =>
        {
            int tr = m.TR;
            int savedHB = m.HB;
            m.HB = int.MaxValue;
            bool ok = m.Unify(m.A[0], m.A[1]) && m.IsAcyclic(m.A[0]);
            m.HB = savedHB;
            if (!ok) m.UndoTrail(tr);
            return ok;
        });
        Det(db, "==", 2, m => m.CompareTerms(m.A[0], m.A[1]) == 0);
        Det(db, "\\==", 2, m => m.CompareTerms(m.A[0], m.A[1]) != 0);
        Det(db, "@<", 2, m => m.CompareTerms(m.A[0], m.A[1]) < 0);
        Det(db, "@>", 2, m => m.CompareTerms(m.A[0], m.A[1]) > 0);
        Det(db, "@=<", 2, m => m.CompareTerms(m.A[0], m.A[1]) <= 0);
        Det(db, "@>=", 2, m => m.CompareTerms(m.A[0], m.A[1]) >= 0);
        Det(db, "=@=", 2, m => m.Variant(m.A[0], m.A[1]));
        Det(db, "\\=@=", 2, m => !m.Variant(m.A[0], m.A[1]));
        Det(db, "compare", 3, m =>
        {
            long o = m.Arg(0);
            if (Cell.Tag(o) != Cell.REF)
            {
                if (Cell.Tag(o) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(o));
                int id = (int)Cell.Val(o);
                if (id != s_lt && id != s_gt && id != s_eq) throw PrologError.Domain("order", m.ToTerm(o));
            }
            int c = m.CompareTerms(m.A[1], m.A[2]);
            return m.Unify(m.A[0], Cell.Atom(c < 0 ? s_lt : c > 0 ? s_gt : s_eq));
        });
        Det(db, "functor", 3, Functor);
        Nondet(db, "arg", 3, ArgN);
        Det(db, "=..", 2, Univ);
        Det(db, "copy_term", 2, m => m.Unify(m.A[1], m.FromRecord(m.ToRecord(m.A[0]))));
        Det(db, "term_variables", 2, m => m.Unify(m.A[1], m.MakeList(m.TermVariables(m.A[0]))));
        Det(db, "setarg", 3, m => throw PrologError.Permission("modify", "term", new Atom("setarg")));
        Det(db, "numbervars", 3, m =>
        {
            long s = m.Arg(1);
            if (Cell.Tag(s) == Cell.REF) throw PrologError.Instantiation();
            if (Cell.Tag(s) != Cell.INT) throw PrologError.Type("integer", m.ToTerm(s));
            long n = Cell.Val(s);
            int fvar = Symbols.Functor("$VAR", 1);
            foreach (var v in m.TermVariables(m.A[0])) m.Bind(v, m.MakeStruct(fvar, Cell.Int(n++)));
            return m.Unify(m.A[2], Cell.Int(n));
        });
    }

    internal const int MaxArity = 1 << 20;

    private static bool Functor(Machine m)
    {
        long t = m.Arg(0);
        switch (Cell.Tag(t))
        {
            case Cell.REF:
                {
                    long name = m.Arg(1), ar = m.Arg(2);
                    if (Cell.Tag(name) == Cell.REF || Cell.Tag(ar) == Cell.REF) throw PrologError.Instantiation();
                    if (!m.IsInteger(ar)) throw PrologError.Type("integer", m.ToTerm(ar));
                    if (Cell.Tag(ar) != Cell.INT || Cell.Val(ar) > MaxArity) throw PrologError.Resource("max_arity");
                    long n = Cell.Val(ar);
                    if (n < 0) throw PrologError.Domain("not_less_than_zero", m.ToTerm(ar));
                    if (n == 0)
                    {
                        if (!m.IsAtomic(name)) throw PrologError.Type("atomic", m.ToTerm(name));
                        return m.Unify(t, name);
                    }
                    if (m.IsCompound(name)) throw PrologError.Type("atomic", m.ToTerm(name));
                    if (Cell.Tag(name) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(name));
                    int f = Symbols.QueryFunctor((int)Cell.Val(name), (int)n);
                    var args = new long[n];
                    for (int i = 0; i < n; i++) args[i] = m.NewVar();
                    long s = f == Symbols.FList ? m.MakeList([args[0]], args[1]) : m.MakeStruct(f, args);
                    return m.Unify(t, s);
                }
            case Cell.STR:
                {
                    int f = (int)Cell.Val(m.Heap[Cell.Addr(t)]);
                    return m.Unify(m.A[1], Cell.Atom(Symbols.FunctorAtom(f))) && m.Unify(m.A[2], Cell.Int(Symbols.FunctorArity(f)));
                }
            case Cell.LST:
                return m.Unify(m.A[1], Cell.Atom(Symbols.Dot)) && m.Unify(m.A[2], Cell.Int(2));
            default:
                return m.Unify(m.A[1], t) && m.Unify(m.A[2], Cell.Int(0));
        }
    }

    /// <summary>Argument i (1-based) of a compound heap term.</summary>
    internal static long ArgOf(Machine m, long t, int i) =>
        Cell.Tag(t) == Cell.LST ? m.Heap[Cell.Addr(t) + i - 1] : m.Heap[Cell.Addr(t) + i];

    internal static int ArityOf(Machine m, long t) =>
        Cell.Tag(t) == Cell.LST ? 2 : Symbols.FunctorArity((int)Cell.Val(m.Heap[Cell.Addr(t)]));

    private static bool ArgN(Machine m, object? state)
    {
        long t = m.Arg(1);
        if (state is null)
        {
            long n = m.Arg(0);
            if (Cell.Tag(t) == Cell.REF) throw PrologError.Instantiation();
            if (!m.IsCompound(t)) throw PrologError.Type("compound", m.ToTerm(t));
            if (Cell.Tag(n) == Cell.INT)
            {
                long k = Cell.Val(n);
                if (k < 0) throw PrologError.Domain("not_less_than_zero", m.ToTerm(n));
                if (k < 1 || k > ArityOf(m, t)) return false;
                return m.Unify(m.A[2], ArgOf(m, t, (int)k));
            }
            if (Cell.Tag(n) != Cell.REF) throw PrologError.Type("integer", m.ToTerm(n));
            state = 1;
        }
        int i = (int)state;
        int arity = ArityOf(m, t);
        if (i < arity) m.PushRedo(s_argN, i + 1, 3);
        return m.Unify(m.A[0], Cell.Int(i)) && m.Unify(m.A[2], ArgOf(m, t, i));
    }

    private static readonly NondetBuiltin s_argN = ArgN;

    private static bool Univ(Machine m)
    {
        long t = m.Arg(0);
        if (Cell.Tag(t) != Cell.REF)
        {
            long list;
            if (m.IsCompound(t))
            {
                int arity = ArityOf(m, t);
                var items = new long[arity + 1];
                items[0] = Cell.Tag(t) == Cell.LST ? Cell.Atom(Symbols.Dot) : Cell.Atom(Symbols.FunctorAtom((int)Cell.Val(m.Heap[Cell.Addr(t)])));
                for (int i = 1; i <= arity; i++) items[i] = ArgOf(m, t, i);
                list = m.MakeList(items);
            }
            else list = m.MakeList([t]);
            return m.Unify(m.A[1], list);
        }
        var cells = m.ListToCells(m.A[1], MaxArity + 1) ?? ProperList(m, m.A[1]);
        if (cells.Count == 0) throw PrologError.Domain("non_empty_list", new Atom("[]"));
        long head = m.Deref(cells[0]);
        if (Cell.Tag(head) == Cell.REF) throw PrologError.Instantiation();
        if (cells.Count == 1)
        {
            if (m.IsCompound(head)) throw PrologError.Type("atomic", m.ToTerm(head));
            return m.Unify(t, head);
        }
        if (Cell.Tag(head) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(head));
        int f = Symbols.QueryFunctor((int)Cell.Val(head), cells.Count - 1);
        long s = f == Symbols.FList ? m.MakeList([cells[1]], cells[2]) : m.MakeStruct(f, cells.GetRange(1, cells.Count - 1).ToArray());
        return m.Unify(t, s);
    }

    // ------------------------------------------------------------------ arithmetic

    private static void RegisterArith(Database db)
    {
        Det(db, "is", 2, m => m.Unify(m.A[0], m.NumToCell(m.EvalHeap(m.A[1]))));
        foreach (var op in new[] { "=:=", "=\\=", "<", ">", "=<", ">=" })
        {
            int kind = Arith.CompareKind(op);
            Det(db, op, 2, m => Arith.Test(kind, m.EvalHeap(m.A[0]), m.EvalHeap(m.A[1])));
        }
        Nondet(db, "between", 3, Between);
        Det(db, "succ", 2, m =>
        {
            long a = m.Arg(0), b = m.Arg(1);
            if (Cell.Tag(a) == Cell.INT)
            {
                if (Cell.Val(a) < 0) throw PrologError.Domain("not_less_than_zero", m.ToTerm(a));
                if (Cell.Tag(b) != Cell.REF && Cell.Tag(b) != Cell.INT) throw PrologError.Type("integer", m.ToTerm(b));
                return m.Unify(b, m.NumToCell(Arith.Add(Num.Int(Cell.Val(a)), Num.Int(1))));
            }
            if (Cell.Tag(a) != Cell.REF) throw PrologError.Type("integer", m.ToTerm(a));
            if (Cell.Tag(b) == Cell.REF) throw PrologError.Instantiation();
            if (Cell.Tag(b) != Cell.INT) throw PrologError.Type("integer", m.ToTerm(b));
            if (Cell.Val(b) < 0) throw PrologError.Domain("not_less_than_zero", m.ToTerm(b));
            if (Cell.Val(b) == 0) return false;
            return m.Unify(a, Cell.Int(Cell.Val(b) - 1));
        });
        Det(db, "plus", 3, m =>
        {
            long a = m.Arg(0), b = m.Arg(1), c = m.Arg(2);
            foreach (long x in (ReadOnlySpan<long>)[a, b, c])
                if (Cell.Tag(x) != Cell.REF && !m.IsInteger(x)) throw PrologError.Type("integer", m.ToTerm(x));
            if (Cell.Tag(c) == Cell.REF) return m.Unify(c, m.NumToCell(Arith.Add(m.EvalHeap(a), m.EvalHeap(b))));
            if (Cell.Tag(b) == Cell.REF) return m.Unify(b, m.NumToCell(Arith.Sub(m.EvalHeap(c), m.EvalHeap(a))));
            return m.Unify(a, m.NumToCell(Arith.Sub(m.EvalHeap(c), m.EvalHeap(b))));
        });
    }

    private sealed class BetweenState : IHeapFreeState { public BigInteger Next, High; public bool Infinite; }

    private static bool Between(Machine m, object? state)
    {
        var st = state as BetweenState;
        if (st is null)
        {
            long lo = m.Arg(0), hi = m.Arg(1), x = m.Arg(2);
            if (Cell.Tag(lo) == Cell.REF || Cell.Tag(hi) == Cell.REF) throw PrologError.Instantiation();
            if (!m.IsInteger(lo)) throw PrologError.Type("integer", m.ToTerm(lo));
            bool inf = Cell.Tag(hi) == Cell.ATM && (m.AtomText(hi) is "inf" or "infinite");
            if (!inf && !m.IsInteger(hi)) throw PrologError.Type("integer", m.ToTerm(hi));
            var l = Machine.AsBig(m.NumOf(lo));
            var h = inf ? BigInteger.Zero : Machine.AsBig(m.NumOf(hi));
            if (Cell.Tag(x) != Cell.REF)
            {
                if (!m.IsInteger(x)) throw PrologError.Type("integer", m.ToTerm(x));
                var v = Machine.AsBig(m.NumOf(x));
                return v >= l && (inf || v <= h);
            }
            st = new BetweenState { Next = l, High = h, Infinite = inf };
        }
        if (!st.Infinite && st.Next > st.High) return false;
        var cur = st.Next;
        st.Next = cur + 1;
        if (st.Infinite || st.Next <= st.High) m.PushRedo(s_between, st, 3);
        return m.Unify(m.A[2], m.MakeInteger(cur));
    }

    private static readonly NondetBuiltin s_between = Between;
}
