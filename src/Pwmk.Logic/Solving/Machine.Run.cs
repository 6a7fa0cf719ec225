using System.Runtime.CompilerServices;

namespace Pwmk.Logic.Solving;

internal sealed partial class Machine
{
    /// <summary>Choicepoints at or below this index belong to an outer run.</summary>
    internal int BaseB = -1;

    /// <summary>Runs from (Cl, Pc) until a solution (Halt) or until backtracking reaches <see cref="BaseB"/>.</summary>
    internal bool Run()
    {
        while (true)
        {
            try
            {
                return RunLoop();
            }
            catch (PrologError err)
            {
                if (!HandleError(err.Ball)) throw;
            }
            catch (InvalidOperationException wrapped) when (wrapped.InnerException is PrologError inner)
            {
                // Array.Sort wraps exceptions of comparers (time limits during msort/sort)
                if (!HandleError(inner.Ball)) throw inner;
            }
            catch (IndexOutOfRangeException) when (H > Limits.MaxHeapCells - 1024)
            {
                var e = PrologError.Resource("memory");
                if (!HandleError(e.Ball)) throw e;
            }
            catch (InsufficientExecutionStackException)
            {
                var e = PrologError.Resource("stack");
                if (!HandleError(e.Ball)) throw e;
            }
            catch (OutOfMemoryException)
            {
                // the runtime could not allocate: the process, not the query, is short of memory
                var e = new PrologError(PrologError.Resource("memory").Ball) { OutOfSharedMemory = true };
                if (!HandleError(e.Ball)) throw e;
            }
        }
    }

    /// <summary>Backtracks into the most recent choicepoint and continues; false when none is left.</summary>
    internal bool Redo()
    {
        if (!Backtrack()) return false;
        return Run();
    }

    private bool RunLoop()
    {
        Instr[] code = Cl.Code;
        int pc = Pc;
        while (true)
        {
            ref Instr ins = ref code[pc];
            switch (ins.Op)
            {
                case Op.Call:
                    {
                        int fb = E >= 0 ? Frames[E].FB : 0;
                        PutArgs(Cl.Cells, ins.A, ins.B, ins.C, fb);
                        CPCl = Cl;
                        CPPc = pc + 1;
                        MaybeCollect(ins.B);
                        if (!CallPred((Predicate)ins.O!)) goto fail;
                        code = Cl.Code;
                        pc = Pc;
                        continue;
                    }
                case Op.Exec:
                    {
                        if (Cl.HasFrame)
                        {
                            ref var f = ref Frames[E];
                            PutArgs(Cl.Cells, ins.A, ins.B, ins.C, f.FB);
                            CPCl = f.CPCl;
                            CPPc = f.CPPc;
                            E = f.CE;
                        }
                        else PutArgs(Cl.Cells, ins.A, ins.B, ins.C, 0);
                        MaybeCollect(ins.B);
                        if (!CallPred((Predicate)ins.O!)) goto fail;
                        code = Cl.Code;
                        pc = Pc;
                        continue;
                    }
                case Op.Proceed:
                    // returns are work too: a deep chain of them between two calls must still meet the time limit
                    Poll();
                    Cl = CPCl!;
                    pc = CPPc;
                    code = Cl.Code;
                    continue;
                case Op.DeallocProceed:
                    {
                        Poll();
                        ref var f = ref Frames[E];
                        Cl = f.CPCl!;
                        pc = f.CPPc;
                        E = f.CE;
                        code = Cl.Code;
                        continue;
                    }
                case Op.Builtin:
                    {
                        int fb = Cl.HasFrame ? Frames[E].FB : 0;
                        PutArgs(Cl.Cells, ins.A, ins.B, ins.C, fb);
                        Pc = pc;
                        if (!((DetBuiltin)ins.O!)(this)) goto fail;
                        pc++;
                        continue;
                    }
                case Op.Unify:
                    {
                        int fb = Cl.HasFrame ? Frames[E].FB : 0;
                        PutArgs(Cl.Cells, ins.A, 2, ins.C, fb);
                        if (!Unify(A[0], A[1])) goto fail;
                        pc++;
                        continue;
                    }
                case Op.Is:
                    {
                        int fb = Cl.HasFrame ? Frames[E].FB : 0;
                        if (!ExecIs(Cl.Cells, ins.A, fb, (ArithCode?)ins.O)) goto fail;
                        pc++;
                        continue;
                    }
                case Op.Compare:
                    {
                        int fb = Cl.HasFrame ? Frames[E].FB : 0;
                        if (!ExecCompare(Cl.Cells, ins.A, ins.B, fb, (ArithCode?)ins.O)) goto fail;
                        pc++;
                        continue;
                    }
                case Op.Cut:
                    CutTo(Cl.HasFrame ? Frames[E].CutB : B0);
                    pc++;
                    continue;
                case Op.CutTo:
                    CutTo((int)(Heap[Frames[E].FB + ins.A] >> 3));
                    pc++;
                    continue;
                case Op.Mark:
                    Heap[Frames[E].FB + ins.A] = Cell.Int(B);
                    pc++;
                    continue;
                case Op.TryElse:
                    {
                        ref var cp = ref PushChoice(ChoiceKind.Alt);
                        cp.AltCl = Cl;
                        cp.AltPc = ins.A;
                        pc++;
                        continue;
                    }
                case Op.Jump:
                    pc = ins.A;
                    continue;
                case Op.Fail:
                    goto fail;
                case Op.True:
                    pc++;
                    continue;
                case Op.SoftCut:
                    {
                        int mark = (int)(Heap[Frames[E].FB + ins.A] >> 3);
                        if (B >= mark + 1) Cps[mark + 1].Disabled = true;
                        pc++;
                        continue;
                    }
                case Op.CatchPush:
                    {
                        ref var cp = ref PushChoice(ChoiceKind.Catch);
                        cp.AltCl = Cl;
                        cp.AltPc = ins.A;
                        cp.AltNext = ins.B;
                        cp.AltCount = Collectors.Count;
                        pc++;
                        continue;
                    }
                case Op.CatchExit:
                    {
                        int mark = (int)(Heap[Frames[E].FB + ins.A] >> 3);
                        if (B == mark + 1) CutTo(mark);
                        pc++;
                        continue;
                    }
                case Op.Halt:
                    Pc = pc;
                    return true;
                case Op.Resume:
                    Pc = pc;
                    return true;
                default:
                    throw new InvalidOperationException("bad instruction " + ins.Op);
            }
        fail:
            if (!Backtrack()) return false;
            code = Cl.Code;
            pc = Pc;
        }
    }

    /// <summary>First-argument key of the current call (0 when unbound or not indexable).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Key0()
    {
        long d = Deref(A[0]);
        // tests, not a switch: the jump table's indirect branch mispredicts from one call to the next
        int tag = (int)(d & 7);
        if (tag == Cell.ATM || tag == Cell.INT) return d;
        if (tag == Cell.STR) return Heap[(int)(d >> 3)];
        if (tag == Cell.LST) return ArgIndex.ListKey;
        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextMatch(Clause[] arr, int count, int from, long key0, ulong gen)
    {
        for (int i = from; i < count; i++)
        {
            var c = arr[i];
            if (c.Born > gen || c.Died <= gen) continue;
            long k = c.Key0;
            if (key0 != 0 && k != 0 && k != key0) continue;
            return i;
        }
        return -1;
    }

    /// <summary>Calls a predicate with its arguments in A and the continuation in CP. Sets Cl/Pc to what runs next.</summary>
    internal bool CallPred(Predicate p)
    {
        if (++Inferences >= _nextCheck) CheckLimits();
        if (p.Special && CallSpecial(p, out bool ok)) return ok;
        return CallClauses(p);
    }

    /// <summary>A call of a built-in or a tabled predicate: true when done here (with its outcome in <paramref name="ok"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool CallSpecial(Predicate p, out bool ok)
    {
        ok = CallSpecialCore(p, out bool done);
        return done;
    }

    private bool CallSpecialCore(Predicate p, out bool done)
    {
        done = true;
        if (p.Control is not null) return p.Control(this);
        if (p.Det is not null)
        {
            if (!p.Det(this)) return false;
            Cl = CPCl!;
            Pc = CPPc;
            return true;
        }
        if (p.Nondet is not null)
        {
            B0 = B;
            if (!p.Nondet(this, null)) return false;
            Cl = CPCl!;
            Pc = CPPc;
            return true;
        }
        if (p.Tabled)
        {
            if (ReferenceEquals(_tableBypass, p)) _tableBypass = null;
            else
            {
                B0 = B;
                if (!CallTabled(p)) return false;
                Cl = CPCl!;
                Pc = CPPc;
                return true;
            }
        }
        done = false;
        return false;
    }

    /// <summary>A call of a predicate defined by clauses: selects the candidates, pushes a choicepoint when more than one may match, tries the first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool CallClauses(Predicate p)
    {
        var cs = p.Clauses;
        Clause[] arr;
        int count;
        if (cs.Count > Predicate.IndexThreshold && p.Arity > 0) (arr, count) = p.Candidates(this, Db.WriteLock);
        else
        {
            arr = cs.Arr;
            count = cs.Count;
        }
        ulong gen = ViewGeneration;
        long key0 = p.Arity > 0 ? Key0() : 0;
        int i = NextMatch(arr, count, 0, key0, gen);
        if (i < 0)
        {
            if (!p.Defined && !p.Dynamic && !(Db.Flags.TryGetValue("unknown", out var u) && u is "fail" or "warning"))
                throw PrologError.ExistenceProcedure(p.Name, p.Arity);
            return false;
        }
        B0 = B;
        int j = NextMatch(arr, count, i + 1, key0, gen);
        if (j >= 0)
        {
            ref var cp = ref PushChoice(ChoiceKind.Clauses);
            cp.Alts = arr;
            cp.AltCount = count;
            cp.AltNext = j;
            cp.Gen = gen;
            cp.Pred = p;
            SaveArgs(ref cp, p.Arity);
        }
        return TryClause(arr[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryClause(Clause c)
    {
        int fb = 0;
        if (c.HasFrame)
        {
            Allocate();
            fb = H;
            int np = c.NPerms;
            Frames[E].NP = np;
            if (np > 0)
            {
                EnsureHeap(np);
                var heap = Heap;
                for (int k = 0; k < np; k++) heap[fb + k] = Cell.Ref(fb + k);
                H += np;
            }
        }
        int nt = c.NTemps;
        if (nt > 0)
        {
            if (nt > T.Length) T = new long[Math.Max(nt, T.Length * 2)];
            var t = new Span<long>(T, 0, nt);
            for (int k = 0; k < t.Length; k++) t[k] = 0;   // a handful: a loop beats the call Array.Clear makes
        }
        if (c.Arity > 0 && !UnifyHead(c, fb)) return false;
        Cl = c;
        Pc = 0;
        return true;
    }

    /// <summary>Restores the most recent choicepoint and sets Cl/Pc to its alternative; false when none is left above <see cref="BaseB"/>.</summary>
    internal bool Backtrack()
    {
        while (true)
        {
            if (B <= BaseB) return false;
            ref var cp = ref Cps[B];
            UndoTrail(cp.TR);
            H = cp.H;
            E = cp.E;
            CPCl = cp.CPCl;
            CPPc = cp.CPPc;
            if (cp.Disabled)
            {
                PopChoice();
                continue;
            }
            switch (cp.Kind)
            {
                case ChoiceKind.Clauses:
                    {
                        CopySmall(ArgStack, cp.ArgBase, A, 0, cp.Arity);
                        var arr = cp.Alts!;
                        int i = cp.AltNext;
                        long key0 = cp.Arity > 0 ? Key0() : 0;
                        int j = NextMatch(arr, cp.AltCount, i + 1, key0, cp.Gen);
                        B0 = B - 1;
                        if (j < 0) PopChoice();
                        else cp.AltNext = j;
                        if (TryClause(arr[i])) return true;
                        continue;
                    }
                case ChoiceKind.Alt:
                    {
                        var cl = cp.AltCl!;
                        int pc = cp.AltPc;
                        B0 = cp.B0;
                        PopChoice();
                        Cl = cl;
                        Pc = pc;
                        return true;
                    }
                case ChoiceKind.Redo:
                    {
                        if (++Inferences >= _nextCheck) CheckLimits();
                        CopySmall(ArgStack, cp.ArgBase, A, 0, cp.Arity);
                        var fn = cp.Redo!;
                        var st = cp.State;
                        PopChoice();
                        B0 = B;
                        if (fn(this, st))
                        {
                            Cl = CPCl!;
                            Pc = CPPc;
                            return true;
                        }
                        continue;
                    }
                default:
                    PopChoice();
                    continue;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PopChoice()
    {
        B--;
        HB = B >= 0 ? Cps[B].H : 0;
    }

    // ------------------------------------------------------------------ exceptions

    /// <summary>Finds the innermost active catch/3 whose catcher unifies with the ball; resumes there. False when none.</summary>
    private bool HandleError(Terms.Term ball)
    {
        // frames in the current continuation chain
        HashSet<int>? chain = null;
        for (int b = B; b > BaseB; b--)
        {
            if (Cps[b].Kind != ChoiceKind.Catch) continue;
            if (chain is null)
            {
                chain = new HashSet<int>();
                for (int e = E; e >= 0; e = Frames[e].CE) chain.Add(e);
            }
            ref var cp = ref Cps[b];
            if (!chain.Contains(cp.E)) continue;
            CutTo(b);
            UndoTrail(cp.TR);
            H = cp.H;
            E = cp.E;
            CPCl = cp.CPCl;
            CPPc = cp.CPPc;
            B0 = cp.B0;
            var catchCl = cp.AltCl!;
            int recoverPc = cp.AltPc;
            int catcherSlot = cp.AltNext;
            if (Collectors.Count > cp.AltCount) Collectors.RemoveRange(cp.AltCount, Collectors.Count - cp.AltCount);
            PopChoice();
            int tr = TR;
            long ballCell;
            try { ballCell = FromTerm(ball); }
            catch (PrologError) { continue; }
            int savedHB = HB;
            HB = int.MaxValue; // trail every binding so a failed match can be undone
            bool ok = Unify(Heap[Frames[E].FB + catcherSlot], ballCell);
            HB = savedHB;
            if (ok)
            {
                Cl = catchCl;
                Pc = recoverPc;
                return true;
            }
            UndoTrail(tr);
        }
        return false;
    }
}
