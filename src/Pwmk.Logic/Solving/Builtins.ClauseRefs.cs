namespace Pwmk.Logic.Solving;

/// <summary>
/// Clause references: <c>clause(Head, Body, Ref)</c> names each clause it finds with <c>'$cref'(Name/Arity, N)</c>
/// (N is the clause's generation of birth, unique per clause), and <c>erase(Ref)</c> retracts the clause a reference
/// names, in the writer only.
/// </summary>
internal static partial class Builtins
{
    private static readonly int s_cref = Symbols.Functor("$cref", 2);

    private static void RegisterClauseRefs(Database db)
    {
        Nondet(db, "clause", 3, ClauseRef);
        Det(db, "erase", 1, m =>
        {
            var (p, c) = Referenced(m, m.Arg(0));
            m.RequireWriter("static_procedure", Indicator(p), "erase/1");
            if (!p.Dynamic) throw PrologError.Permission("modify", "static_procedure", Indicator(p), "erase/1");
            if (c is null || !c.IsAliveAt(m.ViewGeneration)) throw PrologError.Existence("clause", m.ToTerm(m.Arg(0)), "erase/1");
            Kill(m, p, c);
            return true;
        });
    }

    private static long MakeRef(Machine m, Clause c) =>
        m.MakeStruct(s_cref, m.MakeStruct(Symbols.FSlash, m.MakeAtom(c.Pred.Name), Cell.Int(c.Pred.Arity)), m.MakeInteger(c.Born));

    /// <summary>The predicate and the clause (null when none has that birth) a reference names.</summary>
    private static (Predicate Pred, Clause? Clause) Referenced(Machine m, long r)
    {
        if (Cell.Tag(r) == Cell.REF) throw PrologError.Instantiation("erase/1");
        if (Cell.Tag(r) != Cell.STR || m.Heap[Cell.Addr(r)] != Cell.Fun(s_cref)) throw PrologError.Type("db_reference", m.ToTerm(r));
        int f = PredicateIndicator(m, m.Heap[Cell.Addr(r) + 1], out _, out _);
        long born = m.Deref(m.Heap[Cell.Addr(r) + 2]);
        if (!m.IsInteger(born)) throw PrologError.Type("db_reference", m.ToTerm(r));
        var p = m.LookupPredicate(f);
        var cs = p.Clauses;
        var n = Machine.AsBig(m.NumOf(born));
        for (int i = 0; i < cs.Count; i++)
            if (cs.Arr[i].Born == n) return (p, cs.Arr[i]);
        return (p, null);
    }

    private static bool ClauseRef(Machine m, object? state)
    {
        long head = m.Arg(0), body = m.Arg(1), r = m.Arg(2);
        var st = state as ClauseScan;
        if (st is null)
        {
            if (Cell.Tag(r) != Cell.REF)
            {
                var (rp, rc) = Referenced(m, r);
                if (rc is null || !rc.IsAliveAt(m.ViewGeneration)) return false;
                if (rp.IsBuiltin || rp.Library) throw PrologError.Permission("access", "private_procedure", Indicator(rp));
                m.ClauseTerms(rc, out long rh, out long rb);
                return m.Unify(head, rh) && m.Unify(body, rb);
            }
            var p = PredOfHead(m, head);
            if (Cell.Tag(body) != Cell.REF && !m.IsCallable(body)) throw PrologError.Type("callable", m.ToTerm(body));
            if (p.IsBuiltin || p.Library) throw PrologError.Permission("access", "private_procedure", Indicator(p));
            var cs = p.Clauses;
            st = new ClauseScan { Pred = p, Arr = cs.Arr, Count = cs.Count, Gen = m.ViewGeneration };
        }
        while (st.Next < st.Count)
        {
            var c = st.Arr[st.Next++];
            if (!c.IsAliveAt(st.Gen)) continue;
            int mark = m.B;
            m.PushRedo(s_clauseRef, st, 3);
            m.ClauseTerms(c, out long h, out long b);
            if (m.Unify(head, h) && m.Unify(body, b) && m.Unify(r, MakeRef(m, c))) return true;
            ref var cp = ref m.Cps[m.B];
            m.UndoTrail(cp.TR);
            m.H = cp.H;
            m.CutTo(mark);
        }
        return false;
    }

    private static readonly NondetBuiltin s_clauseRef = ClauseRef;
}
