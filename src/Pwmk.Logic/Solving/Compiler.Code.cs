namespace Pwmk.Logic.Solving;

internal sealed partial class Compiler
{
    // ------------------------------------------------------------------ code emission

    private int Here => _code.Count;
    private void Add(Op op, int a = 0, int b = 0, int c = 0, object? o = null) => _code.Add(new Instr { Op = op, A = a, B = b, C = c, O = o });
    private void Patch(int at, int label)
    {
        var i = _code[at];
        i.A = label;
        _code[at] = i;
    }

    private int NewMarkSlot() => _nPerms++;

    private void EmitGoal(G g, bool tail, int cutMark)
    {
        _lastCallIsExec = false;
        switch (g)
        {
            case GTrue:
                break;
            case GFail:
                Add(Op.Fail);
                break;
            case GCut:
                if (cutMark >= 0) Add(Op.CutTo, cutMark);
                else Add(Op.Cut);
                break;
            case GConj conj:
                for (int i = 0; i < conj.Items.Count; i++) EmitGoal(conj.Items[i], tail && i == conj.Items.Count - 1, cutMark);
                break;
            case GCall c:
                EmitCall(c, tail);
                break;
            case GNot n:
                {
                    int mark = NewMarkSlot();
                    int inner = NewMarkSlot();
                    Add(Op.Mark, mark);
                    int tryAt = Here;
                    Add(Op.TryElse);
                    Add(Op.Mark, inner);
                    EmitGoal(n.Goal, false, inner);
                    Add(Op.CutTo, mark);
                    Add(Op.Fail);
                    Patch(tryAt, Here);
                    break;
                }
            case GOnce o:
                {
                    int mark = NewMarkSlot();
                    Add(Op.Mark, mark);
                    EmitGoal(o.Goal, false, mark);
                    break;
                }
            case GFindall fa:
                {
                    int slot = NewMarkSlot();     // holds the collector handle
                    int mark = NewMarkSlot();
                    var (s1, e1) = EmitArgsFromCells(Cell.CVar(slot, true, false));
                    Add(Op.Builtin, s1, 1, e1, Builtins.FindallBegin);
                    int tryAt = Here;
                    Add(Op.TryElse);
                    Add(Op.Mark, mark);
                    EmitGoal(fa.Goal, false, mark);
                    var (s2, e2) = EmitArgsFromTerms(Cell.CVar(slot, true, false), fa.Template);
                    Add(Op.Builtin, s2, 2, e2, Builtins.FindallAdd);
                    Add(Op.Fail);
                    Patch(tryAt, Here);
                    var (s3, e3) = EmitArgsFromTerms(Cell.CVar(slot, true, false), fa.List);
                    Add(Op.Builtin, s3, 2, e3, Builtins.FindallEnd);
                    break;
                }
            case GAlts alts:
                {
                    var endJumps = new List<int>();
                    for (int k = 0; k < alts.Alts.Count; k++)
                    {
                        var (cond, body, soft) = alts.Alts[k];
                        bool last = k == alts.Alts.Count - 1;
                        if (cond is null)
                        {
                            if (last)
                            {
                                EmitGoal(body, false, cutMark);
                            }
                            else
                            {
                                int tryAt = Here;
                                Add(Op.TryElse);
                                EmitGoal(body, false, cutMark);
                                endJumps.Add(Here);
                                Add(Op.Jump);
                                Patch(tryAt, Here);
                            }
                        }
                        else
                        {
                            int mark = NewMarkSlot();
                            int inner = NewMarkSlot();
                            Add(Op.Mark, mark);
                            int tryAt = Here;
                            Add(Op.TryElse);
                            Add(Op.Mark, inner);
                            EmitGoal(cond, false, inner);
                            Add(soft ? Op.SoftCut : Op.CutTo, mark);
                            EmitGoal(body, false, cutMark);
                            endJumps.Add(Here);
                            Add(Op.Jump);
                            Patch(tryAt, Here);
                            if (last) Add(Op.Fail);
                        }
                    }
                    foreach (int j in endJumps) Patch(j, Here);
                    break;
                }
        }
    }

    private (int, int) EmitArgsFromCells(params long[] cells)
    {
        int start = _cells.Count;
        foreach (var c in cells) _cells.Add(c);
        return (start, _cells.Count);
    }

    private (int, int) EmitArgsFromTerms(long firstCell, long term)
    {
        int start = _cells.Count;
        _cells.Add(firstCell);
        _cells.Add(0);
        EmitInto(term, start + 1);
        return (start, _cells.Count);
    }

    private void EmitCall(GCall c, bool tail)
    {
        var p = c.Pred!;
        int arity = p.Arity;
        long goal = _m.Deref(c.Goal);
        var (start, end) = EmitArgs(goal, arity);
        if (c.Functor == Symbols.FEq)
        {
            Add(Op.Unify, start, 2, end);
            return;
        }
        if (c.Functor == FIs)
        {
            Add(Op.Is, start, 2, end, ArithCode.Compile(_cells, _cells[start + 1]));
            return;
        }
        if (s_compareOps.Contains(c.Functor))
        {
            Add(Op.Compare, start, Arith.CompareKind(Symbols.FunctorName(c.Functor)), end, ArithCode.Compile(_cells, _cells[start], _cells[start + 1]));
            return;
        }
        if (p.Det is not null)
        {
            Add(Op.Builtin, start, arity, end, p.Det);
            return;
        }
        if (tail)
        {
            Add(Op.Exec, start, arity, end, p);
            _lastCallIsExec = true;
        }
        else Add(Op.Call, start, arity, end, p);
    }
}
