using System.Runtime.CompilerServices;

namespace Pwmk.Logic.Solving;

internal sealed partial class Machine
{
    /// <summary>findall/3 collectors in use (innermost last); truncated when an exception unwinds past them.</summary>
    internal readonly List<RecordBag> Collectors = new();

    /// <summary>Maximum number of solutions one findall/bagof may collect.</summary>
    internal int MaxCollected = 10_000_000;

    /// <summary>Cells held by findall collectors during the current query.</summary>
    internal long CollectedCells;

    /// <summary>Characters written by the current query (bounded by <see cref="MaxOutputChars"/>).</summary>
    internal long OutputChars;
    internal long MaxOutputChars = 16 * 1024 * 1024;

    private long[] _scratchT = new long[16];

    /// <summary>Rebuilds a stored clause as fresh head and body terms on the heap.</summary>
    internal void ClauseTerms(Clause c, out long head, out long body)
    {
        int fb = H;
        int np = c.NPerms;
        EnsureHeap(np);
        for (int k = 0; k < np; k++) Heap[fb + k] = Cell.Ref(fb + k);
        H += np;
        var savedT = T;
        if (_scratchT.Length < c.NTemps) _scratchT = new long[c.NTemps * 2];
        Array.Clear(_scratchT);
        T = _scratchT;
        try
        {
            if (c.Arity == 0) head = Cell.Atom(Symbols.FunctorAtom(c.Pred.Functor));
            else
            {
                var args = new long[c.Arity];
                for (int i = 0; i < c.Arity; i++) args[i] = BuildTerm(c.Cells, c.Cells[i], fb);
                head = c.Pred.Functor == Symbols.FList ? MakeList([args[0]], args[1]) : MakeStruct(c.Pred.Functor, args);
            }
            body = c.BodyRoot < 0 ? Cell.Atom(Symbols.True) : BuildTerm(c.Cells, c.Cells[c.BodyRoot], fb);
        }
        finally
        {
            T = savedT;
        }
    }

    // ------------------------------------------------------------------ multi-argument indexing

    /// <summary>
    /// Which argument paths of the current call (in A) are bound, among those in <paramref name="paths"/> (bit 2i for
    /// argument i, bit 2i+1 for its first sub-argument), and the index key of those paths (as
    /// <see cref="ArgIndex.ClauseKey"/> makes it for a clause), in one pass over the arguments.
    /// </summary>
    internal int CallMaskKey(int arity, int paths, out long key)
    {
        int mask = 0;
        key = 17;
        int n = Math.Min(arity, 4);
        for (int i = 0; i < n; i++)
        {
            int want = (paths >> (2 * i)) & 3;
            if (want == 0) continue;
            long d = Deref(A[i]);
            int t = (int)(d & 7);
            if (t is Cell.ATM or Cell.INT)
            {
                if ((want & 1) == 0) continue;
                mask |= 1 << (2 * i);
                key = ArgIndex.Mix(key, d);
            }
            else if (t is Cell.STR or Cell.LST)
            {
                int p = (int)(d >> 3);
                long sub = 0;
                int bits = 1;
                if ((want & 2) != 0)
                {
                    sub = Deref(t == Cell.STR ? Heap[p + 1] : Heap[p]);
                    if ((int)(sub & 7) is Cell.ATM or Cell.INT or Cell.STR or Cell.LST) bits = 3;
                }
                bits &= want;
                if (bits == 0) continue;
                mask |= bits << (2 * i);
                key = ArgIndex.Mix(key, t == Cell.STR ? Heap[p] : ArgIndex.ListKey);
                if ((bits & 2) != 0) key = ArgIndex.Mix(key, HeapKey(sub));
            }
        }
        return mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long HeapKey(long d) => (int)(d & 7) switch
    {
        Cell.ATM or Cell.INT => d,
        Cell.STR => Heap[(int)(d >> 3)],
        Cell.LST => ArgIndex.ListKey,
        _ => 0,
    };

    // ------------------------------------------------------------------ nested runs

    private int _subDepth;
    internal const int MaxSubDepth = 2000;

    /// <summary>Runs a goal to exhaustion in a nested run, calling <paramref name="onSolution"/> on each solution
    /// (return false to stop). All bindings are undone afterwards; machine registers are preserved.</summary>
    /// <remarks>
    /// With <paramref name="liveArgs"/> at 0 or more the caller declares that its only heap cells are the first
    /// <paramref name="liveArgs"/> argument registers and what it registered with <see cref="PushRoot"/>: the heap
    /// collector may then run inside this nested run.
    /// </remarks>
    internal void SolveAll(long goal, Func<bool> onSolution, Predicate? bypassTabling = null, int liveArgs = -1)
    {
        var saved = EnterNested(out int barrierIndex, liveArgs);
        try
        {
            _tableBypass = bypassTabling;
            bool ok = StartGoal(goal);
            while (ok)
            {
                ok = Run();
                if (!ok || !onSolution()) break;
                ok = Redo();
            }
        }
        finally
        {
            _tableBypass = null;
            LeaveNested(saved, barrierIndex, undo: true);
        }
    }

    private Registers EnterNested(out int barrierIndex, int liveArgs = -1)
    {
        if (++_subDepth > MaxSubDepth)
        {
            _subDepth--;
            throw PrologError.Resource("nested_evaluation");
        }
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var saved = SaveRegisters();
        _nested.Add((saved.A, liveArgs));
        if (liveArgs >= 0) _gcSafeNested++;
        PushChoice(ChoiceKind.Barrier);
        barrierIndex = B;
        BaseB = B;
        return saved;
    }

    private void LeaveNested(in Registers saved, int barrierIndex, bool undo)
    {
        if (undo)
        {
            ref var cp = ref Cps[barrierIndex];
            UndoTrail(cp.TR);
            H = cp.H;
        }
        B = barrierIndex;
        PopChoice();
        RestoreRegisters(saved);
        if (_nested[^1].Live >= 0) _gcSafeNested--;
        _nested.RemoveAt(_nested.Count - 1);
        _subDepth--;
    }

    /// <summary>Runs a goal once in a nested run, keeping the bindings of its first solution.</summary>
    internal bool SolveOnce(long goal)
    {
        var saved = EnterNested(out int barrierIndex);
        bool ok = false;
        try
        {
            ok = StartGoal(goal) && Run();
        }
        finally
        {
            LeaveNested(saved, barrierIndex, undo: !ok);
        }
        return ok;
    }

    private readonly struct Registers
    {
        public readonly Clause Cl;
        public readonly int Pc, CPPc, B0, E, BaseB;
        public readonly Clause? CPCl;
        public readonly long[] A, T;
        public Registers(Machine m)
        {
            Cl = m.Cl; Pc = m.Pc; CPCl = m.CPCl; CPPc = m.CPPc; B0 = m.B0; E = m.E; BaseB = m.BaseB;
            A = (long[])m.A.Clone();
            T = (long[])m.T.Clone();
        }
    }

    private Registers SaveRegisters() => new(this);

    private void RestoreRegisters(in Registers r)
    {
        Cl = r.Cl; Pc = r.Pc; CPCl = r.CPCl; CPPc = r.CPPc; B0 = r.B0; E = r.E; BaseB = r.BaseB;
        A = r.A;
        T = r.T;
    }

    /// <summary>Sets up the machine to run <paramref name="goal"/> with continuation Halt. False when it fails at once.</summary>
    internal bool StartGoal(long goal)
    {
        CPCl = HaltClause;
        CPPc = 0;
        // When the first clause tried fails in its head, the other clauses wait in a choicepoint.
        return CallGoal(goal, 0) || Backtrack();
    }

    // ------------------------------------------------------------------ call/N

    private readonly Dictionary<int, Predicate> _callPreds = new();

    /// <summary>Functors of the pseudo predicates of meta-calls with up to 256 variables (made once; a query with more makes its own).</summary>
    private static readonly int[] s_callFunctors = [.. Enumerable.Range(0, 257).Select(n => Symbols.Functor("$call", n))];

    private static readonly HashSet<int> s_controlFunctors = new()
    {
        Symbols.FComma, Symbols.FSemicolon, Symbols.FBar, Symbols.FArrow, Symbols.FSoftArrow, Symbols.FNot,
        Symbols.Functor("not", 1), Symbols.Functor(Symbols.Call, 1), Symbols.Functor("findall", 3),
        Symbols.Functor("forall", 2), Symbols.FColon, Symbols.Functor(Symbols.Cut, 0),
    };

    /// <summary>Calls goal with <paramref name="extra"/> more arguments taken from A[1..extra]; continuation in CP.</summary>
    internal bool CallGoal(long goal, int extra)
    {
        goal = Deref(goal);
        int tag = Cell.Tag(goal);
        if (tag == Cell.REF) throw PrologError.Instantiation();
        int functor;
        int baseArity;
        if (tag == Cell.ATM)
        {
            baseArity = 0;
            functor = Symbols.QueryFunctor((int)Cell.Val(goal), extra);
            for (int i = 0; i < extra; i++) A[i] = A[i + 1];
        }
        else if (tag == Cell.STR || tag == Cell.LST)
        {
            int p = Cell.Addr(goal);
            int f0 = tag == Cell.STR ? (int)Cell.Val(Heap[p]) : Symbols.FList;
            baseArity = Symbols.FunctorArity(f0);
            if (baseArity + extra > A.Length - 1) throw PrologError.Representation("max_arity");
            functor = extra == 0 ? f0 : Symbols.QueryFunctor(Symbols.FunctorAtom(f0), baseArity + extra);
            for (int i = extra - 1; i >= 0; i--) A[baseArity + i] = A[i + 1];
            int off = tag == Cell.STR ? 1 : 0;
            for (int i = 0; i < baseArity; i++) A[i] = Heap[p + off + i];
        }
        else throw PrologError.Type("callable", ToTerm(goal));
        if (s_controlFunctors.Contains(functor))
        {
            // build the full goal and compile it into a temporary clause
            int n = Symbols.FunctorArity(functor);
            long full = n == 0 ? Cell.Atom(Symbols.FunctorAtom(functor)) : MakeStruct(functor, A.AsSpan(0, n).ToArray());
            return CallCompiled(full);
        }
        var pred = LookupPredicate(functor);
        return CallPred(pred);
    }

    private Compiler? _compiler;

    private bool CallCompiled(long goal)
    {
        var vars = TermVariables(goal);
        int n = vars.Count;
        Predicate? pseudo;
        if (n >= s_callFunctors.Length) pseudo = new Predicate(Symbols.QueryFunctor(Symbols.Atom("$call"), n));
        else if (!_callPreds.TryGetValue(n, out pseudo))
        {
            pseudo = new Predicate(s_callFunctors[n]);
            _callPreds[n] = pseudo;
        }
        _compiler ??= new Compiler(this);
        Clause clause;
        try { clause = _compiler.CompileGoalClause(goal, vars, pseudo); }
        catch (PrologError e) when (Compiler.IsCallableError(e))
        {
            throw PrologError.Type("callable", ToTerm(goal));
        }
        for (int i = 0; i < n; i++) A[i] = vars[i];
        if (++Inferences >= _nextCheck) CheckLimits();
        B0 = B;
        return TryClause(clause);
    }

    /// <summary>The distinct unbound variables of a term in depth-first left-to-right order (iterative).</summary>
    internal List<long> TermVariables(long term)
    {
        var result = new List<long>();
        var seen = new HashSet<long>();
        var stack = new Stack<long>();
        stack.Push(term);
        long budget = WalkBudget;
        HashSet<long>? visited = null;
        while (stack.Count > 0)
        {
            Poll();
            long c = Deref(stack.Pop());
            if (Cell.Tag(c) is Cell.STR or Cell.LST && --budget < 0 && !FirstVisit(ref visited, Cell.Addr(c), 0)) continue;   // walked already (a cycle)
            switch (Cell.Tag(c))
            {
                case Cell.REF:
                    if (seen.Add(c)) result.Add(c);
                    break;
                case Cell.STR:
                    {
                        int p = Cell.Addr(c);
                        int k = Symbols.FunctorArity((int)Cell.Val(Heap[p]));
                        for (int i = k; i >= 1; i--) stack.Push(Heap[p + i]);
                        break;
                    }
                case Cell.LST:
                    {
                        int p = Cell.Addr(c);
                        stack.Push(Heap[p + 1]);
                        stack.Push(Heap[p]);
                        break;
                    }
            }
        }
        return result;
    }

    // ------------------------------------------------------------------ catch/3

    /// <summary>The clause of catch/3: mark, push the catch choicepoint, call the goal, pop it when deterministic; recovery calls the handler.</summary>
    internal static Clause BuildCatchClause(Predicate catchPred, Predicate call1)
    {
        long[] cells =
        [
            Cell.CVar(0, true, false), Cell.CVar(1, true, false), Cell.CVar(2, true, false),
            Cell.CVar(0, true, false),
            Cell.CVar(2, true, false),
        ];
        Instr[] code =
        [
            new Instr { Op = Op.Mark, A = 3 },
            new Instr { Op = Op.CatchPush, A = 5, B = 1 },
            new Instr { Op = Op.Call, A = 3, B = 1, C = 4, O = call1 },
            new Instr { Op = Op.CatchExit, A = 3 },
            new Instr { Op = Op.DeallocProceed },
            new Instr { Op = Op.Exec, A = 4, B = 1, C = 5, O = call1 },
        ];
        return new Clause
        {
            Pred = catchPred,
            Cells = cells,
            Code = code,
            HeadEnd = 3,
            NPerms = 4,
            HasFrame = true,
        };
    }
}
