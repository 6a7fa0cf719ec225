using System.Runtime.CompilerServices;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

internal sealed partial class Machine
{
    private static readonly int FAdd = Symbols.Functor("+", 2);
    private static readonly int FSub = Symbols.Functor("-", 2);
    private static readonly int FMul = Symbols.Functor("*", 2);
    private static readonly int FIntDiv = Symbols.Functor("//", 2);
    private static readonly int FMod = Symbols.Functor("mod", 2);

    private Num[] _vals = new Num[64];
    private readonly Stack<(long[] Arr, long Cell, int Apply)> _evalStack = new();

    /// <summary>Resolves a cell of <paramref name="arr"/> (the heap or a clause template) to a dereferenced heap cell when it is a variable slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Resolve(ref long[] arr, long c, int fb)
    {
        if (!ReferenceEquals(arr, Heap))
        {
            if ((c & 7) != Cell.CVAR) return c;
            arr = Heap;
            c = SlotValue(c, fb);
        }
        return Deref(c);
    }

    /// <summary>Evaluates an arithmetic expression held in the heap or in a clause template (iterative).</summary>
    internal Num Eval(long[] arr, long c, int fb)
    {
        c = Resolve(ref arr, c, fb);
        // fast paths: integer, and +/-/* of two integers
        if ((c & 7) == Cell.INT) return Num.Int(c >> 3);
        if ((c & 7) == Cell.STR)
        {
            int p = (int)(c >> 3);
            long f = arr[p];
            int fid = (int)(f >> 3);
            if (fid == FAdd || fid == FSub || fid == FMul)
            {
                var a1 = arr;
                long x = Resolve(ref a1, arr[p + 1], fb);
                var a2 = arr;
                long y = Resolve(ref a2, arr[p + 2], fb);
                if ((x & 7) == Cell.INT && (y & 7) == Cell.INT)
                {
                    var nx = Num.Int(x >> 3);
                    var ny = Num.Int(y >> 3);
                    return fid == FAdd ? Arith.Add(nx, ny) : fid == FSub ? Arith.Sub(nx, ny) : Arith.Mul(nx, ny);
                }
            }
        }
        return EvalGeneral(arr, c, fb);
    }

    /// <summary>An expression that takes more steps than the heap has cells is cyclic (X = X + 1) or shares subterms: the heap terms still to evaluate are checked.</summary>
    private long ArithAcyclic(Stack<(long[] Arr, long Cell, int Apply)> stack)
    {
        foreach (var (arr, c, apply) in stack)
            if (apply < 0 && ReferenceEquals(arr, Heap)) RequireAcyclic(c);
        return WalkBudget;
    }

    private Num EvalGeneral(long[] arr0, long c0, int fb)
    {
        var stack = _evalStack;
        stack.Clear();
        int vsp = 0;
        stack.Push((arr0, c0, -1));
        long budget = WalkBudget;
        while (stack.Count > 0)
        {
            Poll();
            if (--budget < 0) budget = ArithAcyclic(stack);
            var (arr, c, apply) = stack.Pop();
            if (apply >= 0)
            {
                int n = Symbols.FunctorArity(apply);
                string name = Symbols.FunctorName(apply);
                Num r;
                if (n == 1) r = Arith.Unary(name, _vals[vsp - 1]);
                else r = Arith.Binary(name, _vals[vsp - 2], _vals[vsp - 1]);
                vsp -= n;
                PushVal(ref vsp, r);
                continue;
            }
            c = Resolve(ref arr, c, fb);
            switch ((int)(c & 7))
            {
                case Cell.INT:
                    PushVal(ref vsp, Num.Int(c >> 3));
                    break;
                case Cell.REF:
                    throw PrologError.Instantiation();
                case Cell.BOX:
                    {
                        int p = Cell.Addr(c);
                        long h = arr[p];
                        int kind = Cell.BoxKind(h);
                        if (kind == Cell.BoxFloat) PushVal(ref vsp, Num.Flt(BitConverter.Int64BitsToDouble(arr[p + 1])));
                        else if (kind == Cell.BoxBig) PushVal(ref vsp, Num.Of(BigOf(arr, p)));
                        else
                        {
                            string s = StringOf(arr, p);
                            if (s.Length == 1) PushVal(ref vsp, Num.Int(s[0]));
                            else throw PrologError.Type("evaluable", new StringTerm(s));
                        }
                        break;
                    }
                case Cell.ATM:
                    {
                        string name = Symbols.AtomName((int)(c >> 3));
                        PushVal(ref vsp, Arith.Constant(name));
                        break;
                    }
                case Cell.LST:
                    {
                        int p = Cell.Addr(c);
                        var ta = arr;
                        long tail = Resolve(ref ta, arr[p + 1], fb);
                        if (tail != Cell.Nil) throw PrologError.Type("evaluable", new Compound("/", new Atom("[|]"), new Integer(2)));
                        stack.Push((arr, arr[p], -1));
                        break;
                    }
                case Cell.STR:
                    {
                        int p = Cell.Addr(c);
                        int f = (int)Cell.Val(arr[p]);
                        int n = Symbols.FunctorArity(f);
                        if (n > 2) throw PrologError.Type("evaluable", new Compound("/", new Atom(Symbols.FunctorName(f)), new Integer(n)));
                        stack.Push((arr, 0, f));
                        for (int i = n; i >= 1; i--) stack.Push((arr, arr[p + i], -1));
                        break;
                    }
            }
        }
        return _vals[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PushVal(ref int vsp, in Num v)
    {
        if (vsp == _vals.Length) Array.Resize(ref _vals, vsp * 2);
        _vals[vsp++] = v;
    }

    internal long NumToCell(in Num v) => v.Kind switch
    {
        0 => Cell.IsSmall(v.I) ? Cell.Int(v.I) : MakeInteger(v.I),
        1 => MakeFloat(v.D),
        _ => MakeInteger(v.Big),
    };

    /// <summary>
    /// The value of an expression that is a small integer, or +, -, *, // or mod of two small integers with a small
    /// result, without building a <see cref="Num"/>; false for anything else (overflow, zero divisor, floats, deeper
    /// expressions), which the general evaluator then handles with its errors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryEvalSmall(long[] arr, long c, int fb, out long value)
    {
        c = Resolve(ref arr, c, fb);
        if ((c & 7) == Cell.INT)
        {
            value = c >> 3;
            return true;
        }
        value = 0;
        if ((c & 7) != Cell.STR) return false;
        int p = (int)(c >> 3);
        int fid = (int)(arr[p] >> 3);
        if (fid != FAdd && fid != FSub && fid != FMul && fid != FIntDiv && fid != FMod) return false;
        var a1 = arr;
        long x = Resolve(ref a1, arr[p + 1], fb);
        if ((x & 7) != Cell.INT) return false;
        var a2 = arr;
        long y = Resolve(ref a2, arr[p + 2], fb);
        if ((y & 7) != Cell.INT) return false;
        // small integers have 61 bits: sums, differences and the products checked below cannot overflow a long
        long a = x >> 3, b = y >> 3;
        if (fid == FAdd) value = a + b;
        else if (fid == FSub) value = a - b;
        else if (fid == FMul)
        {
            long hi = Math.BigMul(a, b, out long lo);
            if (hi != (lo >> 63)) return false;
            value = lo;
        }
        else if (fid == FIntDiv)
        {
            if (b == 0) return false;
            value = a / b;   // toward zero, as SWI-Prolog's integer_rounding_function
        }
        else if (fid == FMod)
        {
            if (b == 0) return false;
            long m = a % b;
            value = m != 0 && (m ^ b) < 0 ? m + b : m;
        }
        else return false;
        return Cell.IsSmall(value);
    }

    private readonly long[] _arithStack = new long[ArithCode.MaxDepth];

    /// <summary>
    /// Runs a compiled integer expression (two for a comparison: their values in <c>_arithStack[0]</c> and
    /// <c>[1]</c>); false when a variable is not bound to a small integer or a step overflows or would raise, and the
    /// general evaluator must do it.
    /// </summary>
    private bool RunArith(ArithCode code, int fb)
    {
        var ops = code.Ops;
        var args = code.Args;
        var st = _arithStack;
        int sp = 0;
        for (int i = 0; i < ops.Length; i++)
        {
            int op = ops[i];
            if (op == ArithCode.Const)
            {
                st[sp++] = args[i];
                continue;
            }
            if (op == ArithCode.Var)
            {
                int v = (int)(args[i] >> 3);
                long x;
                if ((v & 2) != 0) x = Heap[fb + (v >> 2)];
                else if ((x = T[v >> 2]) == 0) return false;
                x = Deref(x);
                if ((x & 7) != Cell.INT) return false;
                st[sp++] = x >> 3;
                continue;
            }
            if (op >= ArithCode.Neg)
            {
                long a = st[sp - 1];
                if (a == long.MinValue) return false;
                st[sp - 1] = op == ArithCode.Neg ? -a : op == ArithCode.Abs ? Math.Abs(a) : Math.Sign(a);
                continue;
            }
            long l = st[sp - 2], r = st[sp - 1], res;
            sp--;
            switch (op)
            {
                case ArithCode.Add:
                    res = l + r;
                    if (((l ^ res) & (r ^ res)) < 0) return false;
                    break;
                case ArithCode.Sub:
                    res = l - r;
                    if (((l ^ r) & (l ^ res)) < 0) return false;
                    break;
                case ArithCode.Mul:
                    {
                        long hi = Math.BigMul(l, r, out res);
                        if (hi != (res >> 63)) return false;
                        break;
                    }
                case ArithCode.IntDiv:
                    if (r == 0 || r == -1) return false;
                    res = l / r;   // toward zero, as SWI-Prolog's integer_rounding_function
                    break;
                case ArithCode.Mod:
                    if (r == 0 || r == -1) return false;
                    res = l % r;
                    if (res != 0 && (res ^ r) < 0) res += r;
                    break;
                case ArithCode.Rem:
                    if (r == 0 || r == -1) return false;
                    res = l % r;
                    break;
                case ArithCode.Shr:
                    if ((ulong)r > 62) return false;
                    res = l >> (int)r;
                    break;
                case ArithCode.Shl:
                    if ((ulong)r > 62) return false;
                    res = l << (int)r;
                    if (res >> (int)r != l) return false;
                    break;
                case ArithCode.And: res = l & r; break;
                case ArithCode.Or: res = l | r; break;
                case ArithCode.Xor: res = l ^ r; break;
                case ArithCode.Min: res = Math.Min(l, r); break;
                case ArithCode.Max: res = Math.Max(l, r); break;
                default: return false;
            }
            st[sp - 1] = res;
        }
        return true;
    }

    /// <summary>X is Expr with both in a clause template (<paramref name="code"/>: Expr compiled, when it could be).</summary>
    private bool ExecIs(long[] cells, int argStart, int fb, ArithCode? code)
    {
        long value = code is not null && RunArith(code, fb) && Cell.IsSmall(_arithStack[0])
            ? Cell.Int(_arithStack[0])
            : TryEvalSmall(cells, cells[argStart + 1], fb, out long small)
            ? Cell.Int(small)
            : NumToCell(Eval(cells, cells[argStart + 1], fb));
        long tc = cells[argStart];
        int tag = (int)(tc & 7);
        if (tag == Cell.CVAR)
        {
            int sv = (int)(tc >> 3);
            int slot = sv >> 2;
            if ((sv & 2) == 0)
            {
                if (slot == VoidSlot) return true;
                if (T[slot] == 0) { T[slot] = value; return true; }
                return Unify(T[slot], value);
            }
            return Unify(Heap[fb + slot], value);
        }
        if (tag == Cell.INT || tag == Cell.ATM) return tc == value;
        return Unify(BuildTerm(cells, tc, fb), value);
    }

    private bool ExecCompare(long[] cells, int argStart, int kind, int fb, ArithCode? code)
    {
        long x, y;
        if (code is not null ? RunArith(code, fb) && Take(out x, out y)
            : TryEvalSmall(cells, cells[argStart], fb, out x) && TryEvalSmall(cells, cells[argStart + 1], fb, out y))
        {
            return kind switch
            {
                Arith.EQ => x == y,
                Arith.NE => x != y,
                Arith.LT => x < y,
                Arith.GT => x > y,
                Arith.LE => x <= y,
                _ => x >= y,
            };
        }
        var a = Eval(cells, cells[argStart], fb);
        var b = Eval(cells, cells[argStart + 1], fb);
        return Arith.Test(kind, a, b);
    }

    private bool Take(out long x, out long y)
    {
        x = _arithStack[0];
        y = _arithStack[1];
        return true;
    }

    /// <summary>Evaluates a heap term.</summary>
    internal Num EvalHeap(long c) => Eval(Heap, c, 0);
}
