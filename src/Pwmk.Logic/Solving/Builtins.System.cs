using System.Diagnostics;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

internal static partial class Builtins
{
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
