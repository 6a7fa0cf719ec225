using System.Diagnostics;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

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
        long d = l;
        while (Cell.Tag(d) == Cell.LST)
        {
            count++;
            m.Poll();
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
        while (stack.Count > 0)
        {
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

    // ------------------------------------------------------------------ system

    private static void RegisterSystem(Database db)
    {
        // nb_setval/2 sets a variable every later query of the engine reads (writers only); b_setval/2 one that lives
        // as long as its query, in any session (it hides a global one of the same name until the query ends)
        Det(db, "nb_setval", 2, m =>
        {
            string k = Text(m, m.A[0]);
            m.Db.SetGlobal(m, k, m.ToRecord(m.A[1]));
            m.LocalGlobals.Remove(k);
            return true;
        });
        Det(db, "b_setval", 2, m =>
        {
            var r = m.ToRecord(m.A[1]);
            m.Charge(8L * r.Cells.Length + 64);
            m.LocalGlobals[Text(m, m.A[0])] = r;
            return true;
        });
        DetBuiltin getval = m =>
        {
            string k = Text(m, m.A[0]);
            if (!m.LocalGlobals.TryGetValue(k, out var r) && !m.Db.Globals.TryGetValue(k, out r)) throw PrologError.Existence("variable", new Atom(k));
            return m.Unify(m.A[1], m.FromRecord(r));
        };
        Det(db, "nb_getval", 2, getval);
        Det(db, "b_getval", 2, getval);
        Det(db, "garbage_collect", 0, _ => true);
        Det(db, "statistics", 2, m =>
        {
            string k = Text(m, m.A[0]);
            long ms = (long)Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
            long v = k switch
            {
                "runtime" or "cputime" or "process_cputime" => ms,
                "walltime" or "real_time" => Environment.TickCount64,
                "inferences" => m.Inferences,
                _ => throw PrologError.Domain("statistics_key", m.ToTerm(m.A[0])),
            };
            if (k == "cputime") return m.Unify(m.A[1], m.MakeFloat(ms / 1000.0));
            if (k == "inferences") return m.Unify(m.A[1], Cell.Int(v));
            return m.Unify(m.A[1], m.MakeList([Cell.Int(v), Cell.Int(0)]));
        });
        Det(db, "set_prolog_flag", 2, m =>
        {
            long f = m.Arg(0), v = m.Arg(1);
            if (Cell.Tag(f) == Cell.REF || Cell.Tag(v) == Cell.REF) throw PrologError.Instantiation();
            if (Cell.Tag(f) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(f));
            string k = m.AtomText(f);
            if (IsReadOnlyFlag(k)) throw PrologError.Permission("modify", "flag", m.ToTerm(f));
            if (!m.Db.Flags.ContainsKey(k)) throw PrologError.Domain("prolog_flag", m.ToTerm(f));
            bool boolean = s_flagValues.TryGetValue(k, out var allowed) && allowed == s_bool;
            if (Cell.Tag(v) != Cell.ATM) throw PrologError.Type(boolean ? "bool" : "atom", m.ToTerm(v));
            string value = m.AtomText(v);
            if (allowed is not null && Array.IndexOf(allowed, value) < 0)
                throw boolean ? PrologError.Type("bool", m.ToTerm(v)) : PrologError.Domain(k, m.ToTerm(v));
            m.Db.SetFlag(m, k, boolean ? (value is "true" or "on" ? "true" : "false") : value);
            return true;
        });
        Nondet(db, "current_prolog_flag", 2, (m, st) =>
        {
            long f = m.Arg(0);
            if (Cell.Tag(f) != Cell.REF && Cell.Tag(f) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(f));
            var flags = new List<(string, long)>
            {
                ("bounded", m.MakeAtom("false")),
                ("max_tagged_integer", Cell.Int(Cell.MaxSmall)),
                ("min_tagged_integer", Cell.Int(Cell.MinSmall)),
                ("max_arity", m.MakeAtom("unbounded")),
                ("integer_rounding_function", m.MakeAtom("toward_zero")),
            };
            foreach (var (k, v) in m.Db.Flags) flags.Add((k, m.MakeAtom(v)));
            if (Cell.Tag(f) == Cell.ATM)
            {
                int i = flags.FindIndex(x => x.Item1 == m.AtomText(f));
                return i >= 0 && m.Unify(m.A[1], flags[i].Item2);
            }
            return Enumerate(m, st, flags.Count, i => m.Unify(m.A[0], m.MakeAtom(flags[i].Item1)) && m.Unify(m.A[1], flags[i].Item2), 2);
        });
        Det(db, "op", 3, m =>
        {
            long pr = m.Arg(0), ty = m.Arg(1);
            if (Cell.Tag(pr) == Cell.REF || Cell.Tag(ty) == Cell.REF) throw PrologError.Instantiation();
            if (Cell.Tag(pr) != Cell.INT) throw PrologError.Type("integer", m.ToTerm(pr));
            long prio = Cell.Val(pr);
            if (prio < 0 || prio > 1200) throw PrologError.Domain("operator_priority", m.ToTerm(pr));
            if (Cell.Tag(ty) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(ty));
            if (!Enum.TryParse<OperatorType>(m.AtomText(ty).ToUpperInvariant(), out var type) || m.AtomText(ty) != m.AtomText(ty).ToLowerInvariant())
                throw PrologError.Domain("operator_specifier", m.ToTerm(ty));
            long names = m.Arg(2);
            if (Cell.Tag(names) == Cell.REF) throw PrologError.Instantiation();
            if (Cell.Tag(names) != Cell.LST && Cell.Tag(names) != Cell.ATM) throw PrologError.Type("list", m.ToTerm(names));
            var list = Cell.Tag(names) == Cell.LST ? ProperList(m, names) : [names];
            foreach (var n0 in list)
            {
                long n = m.Deref(n0);
                if (Cell.Tag(n) == Cell.REF) throw PrologError.Instantiation();
                if (Cell.Tag(n) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(n));
                string name = m.AtomText(n);
                if (name == ",") throw PrologError.Permission("modify", "operator", new Atom(name));
                if (name == "|" && prio != 0 && (prio < 1001 || type is not (OperatorType.XFX or OperatorType.XFY or OperatorType.YFX)))
                    throw PrologError.Permission("create", "operator", new Atom(name));
                m.Db.SetOperator(m, name, (int)prio, type);
            }
            return true;
        });
        Nondet(db, "current_op", 3, (m, st) =>
        {
            long p = m.Arg(0), t = m.Arg(1), n = m.Arg(2);
            if (Cell.Tag(p) != Cell.REF)
            {
                if (!m.IsInteger(p)) throw PrologError.Type("integer", m.ToTerm(p));
                if (Cell.Tag(p) != Cell.INT || Cell.Val(p) is < 0 or > 1200) throw PrologError.Domain("operator_priority", m.ToTerm(p));
            }
            if (Cell.Tag(t) != Cell.REF)
            {
                if (Cell.Tag(t) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(t));
                if (m.AtomText(t) is not ("xfx" or "xfy" or "yfx" or "fy" or "fx" or "xf" or "yf"))
                    throw PrologError.Domain("operator_specifier", m.ToTerm(t));
            }
            if (Cell.Tag(n) != Cell.REF && Cell.Tag(n) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(n));
            var ops = m.Db.Ops.All().ToList();
            return Enumerate(m, st, ops.Count, i =>
                m.Unify(m.A[0], Cell.Int(ops[i].Def.Priority))
                && m.Unify(m.A[1], m.MakeAtom(ops[i].Def.Type.ToString().ToLowerInvariant()))
                && m.Unify(m.A[2], m.MakeAtom(ops[i].Name)), 3);
        });
        Nondet(db, "current_predicate", 1, (m, st) =>
        {
            long spec = StripModule(m, m.A[0]);
            if (Cell.Tag(spec) != Cell.REF)
            {
                if (Cell.Tag(spec) != Cell.STR || m.Heap[Cell.Addr(spec)] != Cell.Fun(Symbols.FSlash))
                    throw PrologError.Type("predicate_indicator", m.ToTerm(spec));
                long name = m.Deref(m.Heap[Cell.Addr(spec) + 1]), arity = m.Deref(m.Heap[Cell.Addr(spec) + 2]);
                if ((Cell.Tag(name) != Cell.REF && Cell.Tag(name) != Cell.ATM) || (Cell.Tag(arity) != Cell.REF && !m.IsInteger(arity)))
                    throw PrologError.Type("predicate_indicator", m.ToTerm(spec));
                if (Cell.Tag(arity) == Cell.INT && Cell.Val(arity) < 0) throw PrologError.Domain("not_less_than_zero", m.ToTerm(arity));
            }
            var preds = m.Db.AllPredicates().Where(p => !p.IsBuiltin && !p.Library && (p.Dynamic || p.Clauses.Count > 0) && !p.Name.StartsWith('$')).ToList();
            return Enumerate(m, st, preds.Count, i => m.Unify(StripModule(m, m.A[0]), m.MakeStruct(Symbols.FSlash, m.MakeAtom(preds[i].Name), Cell.Int(preds[i].Arity))), 1);
        });
        Nondet(db, "predicate_property", 2, (m, st) =>
        {
            var p = PredOfHead(m, m.A[0]);
            ulong gen = m.ViewGeneration;
            int alive = 0;
            var cs = p.Clauses;
            for (int i = 0; i < cs.Count; i++) if (cs.Arr[i].IsAliveAt(gen)) alive++;
            var props = new List<long>();
            if (p.IsBuiltin) props.Add(m.MakeAtom("built_in"));
            if (p.Dynamic) props.Add(m.MakeAtom("dynamic"));
            else if (!p.IsBuiltin && (p.Clauses.Count > 0 || p.Library)) props.Add(m.MakeAtom("static"));
            if (p.Tabled) props.Add(m.MakeAtom("tabled"));
            if (p.IsBuiltin || p.Defined || p.Clauses.Count > 0) props.Add(m.MakeAtom("defined"));
            if (!p.IsBuiltin && (p.Dynamic || p.Clauses.Count > 0)) props.Add(m.MakeStruct(Symbols.Functor("number_of_clauses", 1), Cell.Int(alive)));
            if (props.Count == 0) return false;
            return Enumerate(m, st, props.Count, i => m.Unify(m.A[1], props[i]), 2);
        });
        Det(db, "ground_or_var", 1, _ => true);
    }

    /// <summary>The term inside Module:Term (there are no modules: the qualification is dropped).</summary>
    private static long StripModule(Machine m, long t)
    {
        t = m.Deref(t);
        while (Cell.Tag(t) == Cell.STR && m.Heap[Cell.Addr(t)] == Cell.Fun(Symbols.FColon)) t = m.Deref(m.Heap[Cell.Addr(t) + 2]);
        return t;
    }

    private static readonly string[] s_bool = ["true", "false", "on", "off"];

    /// <summary>The values a writable flag takes (a flag missing here takes any atom).</summary>
    private static readonly Dictionary<string, string[]> s_flagValues = new()
    {
        ["unknown"] = ["error", "fail", "warning"],
        ["double_quotes"] = ["codes", "chars", "atom", "string"],
        ["occurs_check"] = ["true", "false", "error"],
        ["debug"] = s_bool,
        ["char_conversion"] = s_bool,
        ["last_call_optimisation"] = s_bool,
    };

    private static bool IsReadOnlyFlag(string k) =>
        k is "bounded" or "max_tagged_integer" or "min_tagged_integer" or "max_arity" or "integer_rounding_function";

    /// <summary>Enumerates alternatives 0..count-1 of a nondeterministic built-in.</summary>
    private static bool Enumerate(Machine m, object? state, int count, Func<int, bool> attempt, int arity)
    {
        int i = state is int k ? k : 0;
        while (i < count)
        {
            int cur = i++;
            if (i < count)
            {
                int mark = m.B;
                m.PushRedo((mm, s) => Enumerate(mm, s, count, attempt, arity), i, arity);
                if (attempt(cur)) return true;
                ref var cp = ref m.Cps[m.B];
                m.UndoTrail(cp.TR);
                m.H = cp.H;
                m.CutTo(mark);
                continue;
            }
            return attempt(cur);
        }
        return false;
    }
}
