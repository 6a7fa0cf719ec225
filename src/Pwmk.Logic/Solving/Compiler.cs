namespace Pwmk.Logic.Solving;

/// <summary>
/// Compiles a clause held on the heap into a <see cref="Clause"/>: a cell template (head arguments,
/// goal arguments, body term) and a body program. Variables occurring only in the head and the first
/// call are temporaries (scratch registers); the others live in a heap block per activation.
/// Control constructs (conjunction, disjunction, if-then-else, soft-cut, negation, call/1 with a known
/// goal, findall/3, forall/2) are compiled inline. Data terms of any depth are handled iteratively;
/// nesting of control constructs is bounded.
/// </summary>
internal sealed partial class Compiler
{
    private readonly Machine _m;
    public const int MaxControlNesting = 2000;

    public Compiler(Machine m)
    {
        _m = m;
    }

    // ---- goal tree ----
    private abstract class G { }
    private sealed class GCall : G { public long Goal; public int Functor; public Predicate? Pred; }
    private sealed class GConj : G { public List<G> Items = new(); }
    private sealed class GAlts : G { public List<(G? Cond, G Body, bool Soft)> Alts = new(); }
    private sealed class GNot : G { public G Goal = null!; }
    private sealed class GOnce : G { public G Goal = null!; }     // call/1 with a known goal: opaque to cut
    private sealed class GFindall : G { public long Template, List; public G Goal = null!; }
    private sealed class GCut : G { }
    private sealed class GTrue : G { }
    private sealed class GFail : G { }

    private sealed class VarInfo
    {
        public int Count;
        public int MaxChunk;
        public bool InControl;
        public bool Perm;
        public bool Void;
        public int Slot;
    }

    private Dictionary<int, VarInfo> _vars = new();
    private List<long> _cells = new();
    private List<Instr> _code = new();
    private int _nTemps, _nPerms;
    private int _chunk;
    private int _controlDepth;

    /// <summary>Compiles a clause term (Head or Head :- Body) into a clause of its predicate.</summary>
    public Clause CompileClause(long term, out Predicate pred)
    {
        term = _m.Deref(term);
        long head = term, body = Cell.Atom(Symbols.True);
        if (Cell.Tag(term) == Cell.STR && _m.Heap[Cell.Addr(term)] == Cell.Fun(Symbols.FNeck))
        {
            head = _m.Deref(_m.Heap[Cell.Addr(term) + 1]);
            body = _m.Heap[Cell.Addr(term) + 2];
        }
        if (Cell.Tag(head) == Cell.REF) throw PrologError.Instantiation();
        int functor = FunctorOf(head);
        if (functor < 0) throw PrologError.Type("callable", _m.ToTerm(head));
        pred = _m.LookupPredicate(functor);
        try { return Compile(head, body, pred); }
        catch (PrologError e) when (IsCallableError(e))
        {
            throw PrologError.Type("callable", _m.ToTerm(body));   // the body is named, as in SWI-Prolog
        }
    }

    internal static bool IsCallableError(PrologError e) =>
        e.Ball is Terms.Compound { Functor: "error" } err && err.Args[0] is Terms.Compound { Functor: "type_error" } te && te.Args[0] is Terms.Atom { Name: "callable" };

    /// <summary>Compiles an anonymous clause whose head arguments are the given variables (queries and meta-calls).</summary>
    public Clause CompileGoalClause(long goal, List<long> headVars, Predicate pseudo)
    {
        long head;
        if (headVars.Count == 0) head = Cell.Atom(Symbols.FunctorAtom(pseudo.Functor));
        else head = _m.MakeStruct(pseudo.Functor, headVars.ToArray());
        return Compile(head, goal, pseudo);
    }

    internal int FunctorOf(long c)
    {
        switch (Cell.Tag(c))
        {
            case Cell.ATM: return Symbols.QueryFunctor((int)Cell.Val(c), 0);
            case Cell.STR: return (int)Cell.Val(_m.Heap[Cell.Addr(c)]);
            case Cell.LST: return Symbols.FList;
            default: return -1;
        }
    }

    private Clause Compile(long head, long body, Predicate pred)
    {
        if (AtomicFact(head, body, pred) is { } fact) return fact;
        _vars = new Dictionary<int, VarInfo>();
        _cells = new List<long>(16);
        _code = new List<Instr>(8);
        _nTemps = _nPerms = 0;
        _chunk = 0;
        _controlDepth = 0;

        int arity = pred.Arity;
        // 1. goal tree
        var g = Normalize(body);
        // 2. variable analysis
        if (arity > 0) CountVars(head, false);
        _chunk = 0;
        Analyze(g, false);
        int calls = 0;
        bool hasControl = false;
        CountCalls(g, ref calls, ref hasControl);
        // slots
        foreach (var v in _vars.Values)
        {
            if (v.Count == 1) { v.Void = true; continue; }
            if (v.InControl || v.MaxChunk > 0) v.Perm = true;
        }
        // perms: assign in order of first appearance for determinism
        foreach (var v in _vars.Values)
        {
            if (v.Void) continue;
            if (v.Perm) v.Slot = _nPerms++;
            else v.Slot = _nTemps++;
        }
        // 3. head template
        for (int i = 0; i < arity; i++) _cells.Add(0);
        if (arity > 0)
        {
            int p = Cell.Addr(head);
            if (Cell.Tag(head) == Cell.LST)
            {
                EmitInto(_m.Heap[p], 0);
                EmitInto(_m.Heap[p + 1], 1);
            }
            else
                for (int i = 0; i < arity; i++) EmitInto(_m.Heap[p + 1 + i], i);
        }
        int headEnd = _cells.Count;
        // 4. body program
        _lastCallIsExec = false;
        bool needsFrame = _nPerms > 0 || hasControl || NeedsFrame(g);
        _hasFrame = needsFrame;
        EmitGoal(g, tail: true, cutMark: -1);
        if (!_lastCallIsExec) _code.Add(new Instr { Op = needsFrame ? Op.DeallocProceed : Op.Proceed });
        // 5. body term (for clause/2, listing, retract)
        int bodyRoot = -1;
        long db = _m.Deref(body);
        if (db != Cell.Atom(Symbols.True))
        {
            bodyRoot = _cells.Count;
            _cells.Add(0);
            EmitInto(body, bodyRoot, body: true);
        }
        var clause = new Clause
        {
            Pred = pred,
            Cells = _cells.ToArray(),
            // every fact (and every body of 'true') shares one program
            Code = _code.Count == 1 && _code[0].Op == Op.Proceed && _code[0].O is null ? s_proceed : _code.ToArray(),
            HeadEnd = headEnd,
            BodyRoot = bodyRoot,
            NTemps = _nTemps,
            NPerms = _nPerms,
            HasFrame = needsFrame,
        };
        clause.Key0 = arity > 0 ? ArgIndex.TemplateKey(clause.Cells, clause.Cells[0]) : 0;
        return clause;
    }

    /// <summary>
    /// A fact whose arguments are all atoms and small integers (what a program asserts in a loop) built directly: the
    /// template is the arguments themselves, the program the shared Proceed; null for anything else.
    /// </summary>
    private Clause? AtomicFact(long head, long body, Predicate pred)
    {
        if (_m.Deref(body) != Cell.Atom(Symbols.True) || Cell.Tag(head) != Cell.STR) return null;
        int arity = pred.Arity, p = Cell.Addr(head);
        var cells = new long[arity];
        for (int i = 0; i < arity; i++)
        {
            long c = _m.Deref(_m.Heap[p + 1 + i]);
            if (Cell.Tag(c) is not (Cell.ATM or Cell.INT)) return null;
            cells[i] = c;
        }
        return new Clause { Pred = pred, Cells = cells, Code = s_proceed, HeadEnd = arity, Key0 = arity > 0 ? cells[0] : 0 };
    }

    private bool _lastCallIsExec;
    private bool _hasFrame;
    private static readonly Instr[] s_proceed = [new Instr { Op = Op.Proceed }];

    // ------------------------------------------------------------------ normalization

    private G Normalize(long goal)
    {
        if (++_controlDepth > MaxControlNesting) throw PrologError.Resource("control_nesting");
        try { return NormalizeInner(goal); }
        finally { _controlDepth--; }
    }

    private G NormalizeInner(long goal)
    {
        goal = _m.Deref(goal);
        int tag = Cell.Tag(goal);
        if (tag == Cell.REF) return MakeCall(_m.MakeStruct(Symbols.Functor(Symbols.Call, 1), goal));
        if (tag == Cell.INT || tag == Cell.BOX) throw PrologError.Type("callable", _m.ToTerm(goal));
        int f = FunctorOf(goal);
        if (f == Symbols.FComma)
        {
            var conj = new GConj();
            var stack = new Stack<long>();
            stack.Push(goal);
            long budget = _m.WalkBudget;
            while (stack.Count > 0)
            {
                _m.Poll();
                if (--budget < 0) budget = _m.RequireAcyclic(goal);
                long x = _m.Deref(stack.Pop());
                if (Cell.Tag(x) == Cell.STR && _m.Heap[Cell.Addr(x)] == Cell.Fun(Symbols.FComma))
                {
                    stack.Push(_m.Heap[Cell.Addr(x) + 2]);
                    stack.Push(_m.Heap[Cell.Addr(x) + 1]);
                }
                else
                {
                    var item = Normalize(x);
                    if (item is GConj inner) conj.Items.AddRange(inner.Items);
                    else if (item is not GTrue) conj.Items.Add(item);
                }
            }
            return conj.Items.Count == 1 ? conj.Items[0] : conj.Items.Count == 0 ? new GTrue() : conj;
        }
        if (f == Symbols.FSemicolon || f == Symbols.FBar)
        {
            var alts = new GAlts();
            long x = goal, budget = _m.WalkBudget;
            while (true)
            {
                _m.Poll();
                if (--budget < 0) budget = _m.RequireAcyclic(goal);
                x = _m.Deref(x);
                int fx = FunctorOf(x);
                if (fx == Symbols.FSemicolon || fx == Symbols.FBar)
                {
                    int p = Cell.Addr(x);
                    AddAlt(alts, _m.Heap[p + 1]);
                    x = _m.Heap[p + 2];
                    continue;
                }
                AddAlt(alts, x);
                break;
            }
            return alts;
        }
        if (f == Symbols.FArrow || f == Symbols.FSoftArrow)
        {
            var alts = new GAlts();
            AddAlt(alts, goal);
            alts.Alts.Add((null, new GFail(), false));
            return alts;
        }
        if (f == Symbols.FNot || f == Symbols.Functor("not", 1))
            return new GNot { Goal = Normalize(_m.Heap[Cell.Addr(goal) + 1]) };
        // call/1, findall/3 and forall/2 run their goals as call/1 does: compiled inline only when every goal
        // position is known now; otherwise (or when a goal is not callable) they are called when they run, so the
        // error, or the goal bound by then, is the one of that call, as in SWI-Prolog
        if (f == Symbols.Functor(Symbols.Call, 1))
        {
            long inner = _m.Deref(_m.Heap[Cell.Addr(goal) + 1]);
            if (Inlinable(inner) is { } g) return new GOnce { Goal = g };
        }
        if (f == Symbols.Functor("findall", 3))
        {
            int p = Cell.Addr(goal);
            if (Inlinable(_m.Heap[p + 2]) is { } g)
                return new GFindall { Template = _m.Heap[p + 1], Goal = g, List = _m.Heap[p + 3] };
        }
        if (f == Symbols.Functor("forall", 2))
        {
            int p = Cell.Addr(goal);
            if (Inlinable(_m.Heap[p + 1]) is { } c && Inlinable(_m.Heap[p + 2]) is { } a)
                return new GNot { Goal = new GConj { Items = { c, new GNot { Goal = a } } } };
        }
        if (f == Symbols.FColon)
        {
            // module qualification: no modules here, run the goal
            return Normalize(_m.Heap[Cell.Addr(goal) + 2]);
        }
        if (tag == Cell.ATM)
        {
            int a = (int)Cell.Val(goal);
            if (a == Symbols.True) return new GTrue();
            if (a == Symbols.Fail || a == Symbols.False) return new GFail();
            if (a == Symbols.Cut) return new GCut();
        }
        return MakeCall(goal);
    }

    /// <summary>The goal tree of a goal argument that can be compiled now: callable, no variable in a goal position of its control constructs.</summary>
    private G? Inlinable(long goal)
    {
        goal = _m.Deref(goal);
        if (!_m.IsCallable(goal) || HasVariableGoal(goal)) return null;
        try { return Normalize(goal); }
        catch (PrologError) { return null; }
    }

    /// <summary>True when a variable stands in a goal position of the control constructs of <paramref name="goal"/> (iterative).</summary>
    private bool HasVariableGoal(long goal)
    {
        var stack = new Stack<long>();
        stack.Push(goal);
        long budget = _m.WalkBudget;
        while (stack.Count > 0)
        {
            _m.Poll();
            if (--budget < 0) budget = _m.RequireAcyclic(goal);
            long g = _m.Deref(stack.Pop());
            if (Cell.Tag(g) == Cell.REF) return true;
            if (Cell.Tag(g) != Cell.STR) continue;
            int f = FunctorOf(g), p = Cell.Addr(g);
            if (f == Symbols.FComma || f == Symbols.FSemicolon || f == Symbols.FBar || f == Symbols.FArrow || f == Symbols.FSoftArrow)
            {
                stack.Push(_m.Heap[p + 2]);
                stack.Push(_m.Heap[p + 1]);
            }
            else if (f == Symbols.FNot) stack.Push(_m.Heap[p + 1]);
        }
        return false;
    }

    private void AddAlt(GAlts alts, long branch)
    {
        branch = _m.Deref(branch);
        int f = FunctorOf(branch);
        if (f == Symbols.FArrow || f == Symbols.FSoftArrow)
        {
            int p = Cell.Addr(branch);
            alts.Alts.Add((Normalize(_m.Heap[p + 1]), Normalize(_m.Heap[p + 2]), f == Symbols.FSoftArrow));
        }
        else alts.Alts.Add((null, Normalize(branch), false));
    }

    private GCall MakeCall(long goal)
    {
        int f = FunctorOf(goal);
        return new GCall { Goal = goal, Functor = f, Pred = _m.LookupPredicate(f) };
    }

    // ------------------------------------------------------------------ variable analysis

    private void CountVars(long term, bool inControl)
    {
        var stack = new Stack<long>();
        stack.Push(term);
        long budget = _m.WalkBudget;
        while (stack.Count > 0)
        {
            _m.Poll();
            if (--budget < 0) budget = _m.RequireAcyclic(term);
            long c = _m.Deref(stack.Pop());
            switch (Cell.Tag(c))
            {
                case Cell.REF:
                    {
                        int a = Cell.Addr(c);
                        if (!_vars.TryGetValue(a, out var v)) _vars[a] = v = new VarInfo();
                        v.Count++;
                        if (_chunk > v.MaxChunk) v.MaxChunk = _chunk;
                        if (inControl) v.InControl = true;
                        break;
                    }
                case Cell.STR:
                    {
                        int p = Cell.Addr(c);
                        int n = Symbols.FunctorArity((int)Cell.Val(_m.Heap[p]));
                        for (int i = n; i >= 1; i--) stack.Push(_m.Heap[p + i]);
                        break;
                    }
                case Cell.LST:
                    {
                        int p = Cell.Addr(c);
                        stack.Push(_m.Heap[p + 1]);
                        stack.Push(_m.Heap[p]);
                        break;
                    }
            }
        }
    }

    private bool IsInline(GCall c) => c.Pred is { Det: not null } || IsSpecialInline(c.Functor);

    private static readonly int FIs = Symbols.Functor("is", 2);
    private static readonly HashSet<int> s_compareOps = new()
    {
        Symbols.Functor("<", 2), Symbols.Functor(">", 2), Symbols.Functor("=<", 2),
        Symbols.Functor(">=", 2), Symbols.Functor("=:=", 2), Symbols.Functor("=\\=", 2),
    };

    private static bool IsSpecialInline(int f) => f == Symbols.FEq || f == FIs || s_compareOps.Contains(f);

    private void Analyze(G g, bool inControl)
    {
        switch (g)
        {
            case GCall c:
                if (c.Pred is not null && c.Pred.Arity > 0) CountVars(c.Goal, inControl);
                if (!IsInline(c)) _chunk++;
                break;
            case GConj conj:
                foreach (var x in conj.Items) Analyze(x, inControl);
                break;
            case GAlts alts:
                foreach (var (cond, body, _) in alts.Alts)
                {
                    if (cond is not null) Analyze(cond, true);
                    Analyze(body, true);
                }
                _chunk++;
                break;
            case GNot n:
                Analyze(n.Goal, true);
                _chunk++;
                break;
            case GOnce o:
                Analyze(o.Goal, true);
                _chunk++;
                break;
            case GFindall fa:
                CountVars(fa.Template, true);
                Analyze(fa.Goal, true);
                CountVars(fa.List, true);
                _chunk++;
                break;
        }
    }

    private void CountCalls(G g, ref int calls, ref bool hasControl)
    {
        switch (g)
        {
            case GCall c: if (!IsInline(c)) calls++; break;
            case GConj conj: foreach (var x in conj.Items) CountCalls(x, ref calls, ref hasControl); break;
            case GAlts or GNot or GOnce or GFindall: hasControl = true; break;
        }
    }

    /// <summary>A frame is needed when anything follows the first call, or a cut follows a call.</summary>
    private bool NeedsFrame(G g)
    {
        var items = g is GConj conj ? conj.Items : new List<G> { g };
        bool seenCall = false;
        foreach (var x in items)
        {
            if (seenCall) return true;
            if (x is GCall c && !IsInline(c)) seenCall = true;
            else if (x is not GCall && x is not GCut && x is not GTrue && x is not GFail) return true;
        }
        return false;
    }

}
