namespace Pwmk.Logic.Solving;

internal sealed partial class Compiler
{
    // ------------------------------------------------------------------ template emission

    private long VarCell(int addr)
    {
        var v = _vars[addr];
        if (v.Void) return Cell.CVar(Machine.VoidSlot, false, false);
        return Cell.CVar(v.Slot, v.Perm, false);
    }

    /// <summary>
    /// Writes a term into template cell dst: atomic cells inline, compound terms as blocks appended in DFS-of-blocks order.
    /// With <paramref name="body"/>, the term is a clause body: a variable in a goal position of its control constructs
    /// is written as call(V), as clause/2 shows it in SWI-Prolog.
    /// </summary>
    private void EmitInto(long term, int dst0, bool body = false)
    {
        var stack = _emitStack;
        stack.Clear();
        stack.Push((term, dst0, body));
        long budget = _m.WalkBudget;
        while (stack.Count > 0)
        {
            _m.Poll();
            if (--budget < 0) budget = _m.RequireAcyclic(term);
            var (x, dst, goal) = stack.Pop();
            long c = _m.Deref(x);
            long outc;
            switch (Cell.Tag(c))
            {
                case Cell.REF when goal:
                    {
                        int at = _cells.Count;
                        _cells.Add(Cell.Fun(Symbols.Functor(Symbols.Call, 1)));
                        _cells.Add(VarCell(Cell.Addr(c)));
                        outc = Cell.Str(at);
                        break;
                    }
                case Cell.REF: outc = VarCell(Cell.Addr(c)); break;
                case Cell.STR:
                    {
                        int p = Cell.Addr(c);
                        long f = _m.Heap[p];
                        int fn = (int)Cell.Val(f);
                        int n = Symbols.FunctorArity(fn);
                        bool control = goal && (fn == Symbols.FComma || fn == Symbols.FSemicolon || fn == Symbols.FBar
                            || fn == Symbols.FArrow || fn == Symbols.FSoftArrow || fn == Symbols.FNot);
                        int at = _cells.Count;
                        _cells.Add(f);
                        for (int i = 0; i < n; i++) _cells.Add(0);
                        for (int i = n; i >= 1; i--) stack.Push((_m.Heap[p + i], at + i, control));
                        outc = Cell.Str(at);
                        break;
                    }
                case Cell.LST:
                    {
                        int p = Cell.Addr(c);
                        int at = _cells.Count;
                        _cells.Add(0);
                        _cells.Add(0);
                        stack.Push((_m.Heap[p + 1], at + 1, false));
                        stack.Push((_m.Heap[p], at, false));
                        outc = Cell.Lst(at);
                        break;
                    }
                case Cell.BOX:
                    {
                        int p = Cell.Addr(c);
                        int k = Cell.BoxCells(_m.Heap[p]);
                        int at = _cells.Count;
                        for (int i = 0; i <= k; i++) _cells.Add(_m.Heap[p + i]);
                        outc = Cell.Box(at);
                        break;
                    }
                default: outc = c; break;
            }
            _cells[dst] = outc;
        }
    }

    private readonly Stack<(long, int, bool)> _emitStack = new();

    /// <summary>Emits a goal's argument block; returns (argStart, blockEnd).</summary>
    private (int, int) EmitArgs(long goal, int arity)
    {
        int start = _cells.Count;
        for (int i = 0; i < arity; i++) _cells.Add(0);
        if (arity > 0)
        {
            int p = Cell.Addr(goal);
            if (Cell.Tag(goal) == Cell.LST)
            {
                EmitInto(_m.Heap[p], start);
                EmitInto(_m.Heap[p + 1], start + 1);
            }
            else
                for (int i = 0; i < arity; i++) EmitInto(_m.Heap[p + 1 + i], start + i);
        }
        return (start, _cells.Count);
    }
}
