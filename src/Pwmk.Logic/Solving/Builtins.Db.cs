using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

internal static partial class Builtins
{
    // ------------------------------------------------------------------ database

    private static int PredicateIndicator(Machine m, long pi, out string name, out int arity)
    {
        pi = m.Deref(pi);
        if (Cell.Tag(pi) == Cell.REF) throw PrologError.Instantiation();
        if (Cell.Tag(pi) != Cell.STR || m.Heap[Cell.Addr(pi)] != Cell.Fun(Symbols.FSlash))
            throw PrologError.Type("predicate_indicator", m.ToTerm(pi));
        long n = m.Deref(m.Heap[Cell.Addr(pi) + 1]), a = m.Deref(m.Heap[Cell.Addr(pi) + 2]);
        if (Cell.Tag(n) == Cell.REF || Cell.Tag(a) == Cell.REF) throw PrologError.Instantiation();
        if (Cell.Tag(n) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(n));
        if (Cell.Tag(a) != Cell.INT) throw PrologError.Type("integer", m.ToTerm(a));
        if (Cell.Val(a) < 0 || Cell.Val(a) > MaxArity) throw PrologError.Domain("not_less_than_zero", m.ToTerm(a));
        name = m.AtomText(n);
        arity = (int)Cell.Val(a);
        return Symbols.QueryFunctor((int)Cell.Val(n), arity);
    }

    /// <summary>Applies <paramref name="action"/> to every predicate indicator of a list or conjunction.</summary>
    private static void ForEachIndicator(Machine m, long spec, Action<Predicate> action)
    {
        var stack = new Stack<long>();
        stack.Push(spec);
        long budget = m.WalkBudget;
        while (stack.Count > 0)
        {
            if (--budget < 0) budget = m.RequireAcyclic(spec);
            long s = m.Deref(stack.Pop());
            if (Cell.Tag(s) == Cell.LST || (Cell.Tag(s) == Cell.STR && m.Heap[Cell.Addr(s)] == Cell.Fun(Symbols.FComma)))
            {
                int p = Cell.Addr(s);
                int off = Cell.Tag(s) == Cell.LST ? 0 : 1;
                stack.Push(m.Heap[p + off + 1]);
                stack.Push(m.Heap[p + off]);
                continue;
            }
            if (s == Cell.Nil) continue;
            int f = PredicateIndicator(m, s, out _, out _);
            action(m.LookupPredicate(f));
        }
    }

    private static void CheckModifiable(Machine m, Predicate p)
    {
        if (p.IsBuiltin || (p.Library && !p.Dynamic))
            throw PrologError.Permission("modify", "static_procedure", Indicator(p));
        if (!p.Dynamic && p.Clauses.Count > 0 && p.Consulted)
            throw PrologError.Permission("modify", "static_procedure", Indicator(p));
    }

    internal static Term Indicator(Predicate p) => new Compound("/", new Atom(p.Name), new Integer(p.Arity));

    internal static void AddClause(Machine m, long term, bool atEnd, bool consulting)
    {
        var compiler = new Compiler(m);
        var clause = compiler.CompileClause(term, out var pred);
        var db = m.Db;
        lock (db.WriteLock)
        {
            ulong born = db.NextGeneration(m, pred);
            if (consulting)
            {
                if (pred.IsBuiltin) throw PrologError.Permission("modify", "static_procedure", Indicator(pred));
                if (pred.Library && !pred.Dynamic)
                {
                    pred.ClearAll();
                    pred.Library = false;
                }
                pred.Consulted = true;
            }
            else
            {
                CheckModifiable(m, pred);
                pred.Dynamic = true;
            }
            pred.Defined = true;
            clause.Born = born;
            if (atEnd) pred.Append(clause);
            else pred.Prepend(clause);
            m.ChangeLog?.Add((clause, true));
        }
    }

    /// <summary>
    /// Refuses a clause change in a read-only machine before it looks at the database, naming the predicate of
    /// <paramref name="head"/> (or <paramref name="head"/> itself when it names none): every clause change raises
    /// <c>permission_error(modify, static_procedure, PI)</c> there, whether or not a clause would match.
    /// </summary>
    private static void WriterOnly(Machine m, long head, string pi)
    {
        if (!m.ReadOnly) return;
        var (h, _) = SplitClause(m, head);
        Term culprit = Cell.Tag(h) switch
        {
            Cell.ATM => new Compound("/", m.ToTerm(h), new Integer(0)),
            Cell.STR => Indicator(m.LookupPredicate((int)Cell.Val(m.Heap[Cell.Addr(h)]))),
            Cell.LST => Indicator(m.LookupPredicate(Symbols.FList)),
            _ => m.ToTerm(h),
        };
        throw PrologError.Permission("modify", "static_procedure", culprit, pi);
    }

    private static void RegisterDatabase(Database db)
    {
        Det(db, "assert", 1, m => { WriterOnly(m, m.A[0], "assert/1"); AddClause(m, m.A[0], true, false); return true; });
        Det(db, "assertz", 1, m => { WriterOnly(m, m.A[0], "assertz/1"); AddClause(m, m.A[0], true, false); return true; });
        Det(db, "asserta", 1, m => { WriterOnly(m, m.A[0], "asserta/1"); AddClause(m, m.A[0], false, false); return true; });
        Nondet(db, "retract", 1, Retract);
        Nondet(db, "clause", 2, ClauseBi);
        Det(db, "retractall", 1, m =>
        {
            long head = m.Arg(0);
            WriterOnly(m, head, "retractall/1");
            var p = PredOfHead(m, head);
            lock (m.Db.WriteLock)
            {
                if (!p.Dynamic)
                {
                    if (p.Clauses.Count == 0 && !p.IsBuiltin && !p.Library) { p.Dynamic = true; p.Defined = true; return true; }
                    CheckModifiable(m, p);
                }
            }
            ulong gen = m.ViewGeneration;
            var (arr, count) = CandidatesFor(m, p, head);
            for (int i = 0; i < count; i++)
            {
                var c = arr[i];
                if (!c.IsAliveAt(gen)) continue;
                int h = m.H;
                m.ClauseTerms(c, out long ch, out _);
                bool match = m.CanUnify(head, ch);
                m.H = h;
                if (match) Kill(m, p, c);
            }
            return true;
        });
        Det(db, "abolish", 1, m =>
        {
            int f = PredicateIndicator(m, m.A[0], out _, out _);
            var p = m.LookupPredicate(f);
            m.RequireWriter("static_procedure", Indicator(p), "abolish/1");
            if (p.IsBuiltin || p.Library) throw PrologError.Permission("modify", "static_procedure", Indicator(p));
            lock (m.Db.WriteLock)
            {
                var cs = p.Clauses;
                ulong g = m.Db.NextGeneration(m, p);
                for (int i = 0; i < cs.Count; i++)
                    if (cs.Arr[i].Died == ulong.MaxValue)
                    {
                        cs.Arr[i].Died = g;
                        m.ChangeLog?.Add((cs.Arr[i], false));
                        m.Db.NoteDead(p);
                    }
                p.Dynamic = false;
                p.Defined = false;
                p.Consulted = false;
            }
            return true;
        });
        Det(db, "dynamic", 1, m =>
        {
            ForEachIndicator(m, m.A[0], p =>
            {
                m.Db.ChangeProperties(m, p, "dynamic/1");
                if (p.IsBuiltin || (p.Library && !p.Dynamic)) throw PrologError.Permission("modify", "static_procedure", Indicator(p));
                p.Dynamic = true;
                p.Defined = true;
            });
            return true;
        });
        Det(db, "discontiguous", 1, m =>
        {
            ForEachIndicator(m, m.A[0], p =>
            {
                m.Db.ChangeProperties(m, p, "discontiguous/1");
                p.Discontiguous = true;
            });
            return true;
        });
        Det(db, "table", 1, m =>
        {
            ForEachIndicator(m, m.A[0], p =>
            {
                m.Db.ChangeProperties(m, p, "table/1");
                if (p.IsBuiltin) throw PrologError.Permission("modify", "static_procedure", Indicator(p));
                p.Tabled = true;
                p.Defined = true;
            });
            return true;
        });
        Det(db, "abolish_all_tables", 0, m =>
        {
            m.RequireWriter("tables", new Atom("abolish_all_tables"), "abolish_all_tables/0");
            m.AbolishAllTables();
            return true;
        });
    }

    private static Predicate PredOfHead(Machine m, long head)
    {
        head = m.Deref(head);
        if (Cell.Tag(head) == Cell.REF) throw PrologError.Instantiation();
        int f = Cell.Tag(head) switch
        {
            Cell.ATM => Symbols.QueryFunctor((int)Cell.Val(head), 0),
            Cell.STR => (int)Cell.Val(m.Heap[Cell.Addr(head)]),
            Cell.LST => Symbols.FList,
            _ => throw PrologError.Type("callable", m.ToTerm(head)),
        };
        return m.LookupPredicate(f);
    }

    private static void Kill(Machine m, Predicate p, Clause c)
    {
        lock (m.Db.WriteLock)
        {
            if (c.Died != ulong.MaxValue) return;
            c.Died = m.Db.NextGeneration(m, p);
            m.Db.NoteDead(p);
            m.ChangeLog?.Add((c, false));
        }
    }

    private sealed class ClauseScan : IHeapFreeState { public required Predicate Pred; public required Clause[] Arr; public int Count, Next; public ulong Gen; }

    private static (long Head, long Body) SplitClause(Machine m, long t)
    {
        t = m.Deref(t);
        if (Cell.Tag(t) == Cell.STR && m.Heap[Cell.Addr(t)] == Cell.Fun(Symbols.FNeck))
            return (m.Deref(m.Heap[Cell.Addr(t) + 1]), m.Heap[Cell.Addr(t) + 2]);
        return (t, Cell.Atom(Symbols.True));
    }

    private static bool Retract(Machine m, object? state)
    {
        var (head, body) = SplitClause(m, m.A[0]);
        var st = state as ClauseScan;
        if (st is null)
        {
            WriterOnly(m, head, "retract/1");
            var p = PredOfHead(m, head);
            if (!p.Dynamic)
            {
                if (p.Clauses.Count == 0 && !p.IsBuiltin && !p.Library) return false;
                throw PrologError.Permission("modify", "static_procedure", Indicator(p));
            }
            var (arr, count) = CandidatesFor(m, p, head);
            st = new ClauseScan { Pred = p, Arr = arr, Count = count, Gen = m.ViewGeneration };
        }
        while (st.Next < st.Count)
        {
            var c = st.Arr[st.Next++];
            if (!c.IsAliveAt(st.Gen) || c.Died != ulong.MaxValue) continue;
            int mark = m.B;
            m.PushRedo(s_retract, st, 1);
            m.ClauseTerms(c, out long h, out long b);
            if (m.Unify(head, h) && m.Unify(body, b))
            {
                Kill(m, st.Pred, c);
                return true;
            }
            // undo and drop the choicepoint we pushed, then keep scanning
            ref var cp = ref m.Cps[m.B];
            m.UndoTrail(cp.TR);
            m.H = cp.H;
            m.CutTo(mark);
        }
        return false;
    }

    private static readonly NondetBuiltin s_retract = Retract;

    /// <summary>
    /// The clauses of <paramref name="p"/> that may match <paramref name="head"/>, chosen by the same argument indexes as
    /// a call (so retracting one fact of many does not scan them all).
    /// </summary>
    private static (Clause[] Arr, int Count) CandidatesFor(Machine m, Predicate p, long head)
    {
        var cs = p.Clauses;
        long h = m.Deref(head);
        if (cs.Count <= Predicate.IndexThreshold || p.Arity == 0 || Cell.Tag(h) != Cell.STR) return (cs.Arr, cs.Count);
        int addr = Cell.Addr(h), n = Math.Min(p.Arity, 4);
        Span<long> saved = stackalloc long[4];
        for (int i = 0; i < n; i++)
        {
            saved[i] = m.A[i];
            m.A[i] = m.Heap[addr + 1 + i];
        }
        try
        {
            return p.Candidates(m, m.Db.WriteLock);
        }
        finally
        {
            for (int i = 0; i < n; i++) m.A[i] = saved[i];
        }
    }

    private static bool ClauseBi(Machine m, object? state)
    {
        long head = m.Arg(0);
        long body = m.Arg(1);
        var st = state as ClauseScan;
        if (st is null)
        {
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
            m.PushRedo(s_clause, st, 2);
            m.ClauseTerms(c, out long h, out long b);
            if (m.Unify(head, h) && m.Unify(body, b)) return true;
            ref var cp = ref m.Cps[m.B];
            m.UndoTrail(cp.TR);
            m.H = cp.H;
            m.CutTo(mark);
        }
        return false;
    }

    private static readonly NondetBuiltin s_clause = ClauseBi;

}
