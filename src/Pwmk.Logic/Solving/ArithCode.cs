namespace Pwmk.Logic.Solving;

/// <summary>
/// An arithmetic expression of a clause body (the right side of is/2, or both sides of a comparison) compiled to a
/// postfix program over machine integers: constants, clause variables and the integer operators (+ - * // mod rem
/// &gt;&gt; &lt;&lt; /\ \/ xor, unary - abs sign, min max). The machine runs it with no term walk and no
/// <see cref="Num"/>; whenever a variable is not bound to a small integer or a step would overflow or raise an error
/// (a zero divisor, a shift out of range), it gives up and the general evaluator does the whole expression again, with
/// its big integers, floats and errors. Expressions with floats, other functors or atoms are not compiled.
/// </summary>
internal sealed class ArithCode
{
    public const byte Const = 0, Var = 1, Add = 2, Sub = 3, Mul = 4, IntDiv = 5, Mod = 6, Rem = 7, Shr = 8, Shl = 9,
        And = 10, Or = 11, Xor = 12, Min = 13, Max = 14, Neg = 15, Abs = 16, Sign = 17;

    /// <summary>Deepest operand stack a compiled program may need.</summary>
    public const int MaxDepth = 16;

    public readonly byte[] Ops;
    public readonly long[] Args;   // Const: the value; Var: the template cell (CVAR)

    private ArithCode(byte[] ops, long[] args)
    {
        Ops = ops;
        Args = args;
    }

    private static readonly Dictionary<int, byte> s_binary = new()
    {
        [Symbols.Functor("+", 2)] = Add,
        [Symbols.Functor("-", 2)] = Sub,
        [Symbols.Functor("*", 2)] = Mul,
        [Symbols.Functor("//", 2)] = IntDiv,
        [Symbols.Functor("mod", 2)] = Mod,
        [Symbols.Functor("rem", 2)] = Rem,
        [Symbols.Functor(">>", 2)] = Shr,
        [Symbols.Functor("<<", 2)] = Shl,
        [Symbols.Functor("/\\", 2)] = And,
        [Symbols.Functor("\\/", 2)] = Or,
        [Symbols.Functor("xor", 2)] = Xor,
        [Symbols.Functor("min", 2)] = Min,
        [Symbols.Functor("max", 2)] = Max,
    };

    private static readonly Dictionary<int, byte> s_unary = new()
    {
        [Symbols.Functor("-", 1)] = Neg,
        [Symbols.Functor("abs", 1)] = Abs,
        [Symbols.Functor("sign", 1)] = Sign,
    };

    private static readonly int[] s_simple =
        [Symbols.Functor("+", 2), Symbols.Functor("-", 2), Symbols.Functor("*", 2), Symbols.Functor("//", 2), Symbols.Functor("mod", 2)];

    /// <summary>A number or variable, or + - * // mod of two of them: what <c>Machine.TryEvalSmall</c> does itself.</summary>
    private static bool IsSimple(List<long> cells, long c)
    {
        if (Cell.Tag(c) != Cell.STR) return Cell.Tag(c) is Cell.INT or Cell.CVAR;
        int p = Cell.Addr(c);
        return Array.IndexOf(s_simple, (int)(cells[p] >> 3)) >= 0
            && Cell.Tag(cells[p + 1]) is Cell.INT or Cell.CVAR && Cell.Tag(cells[p + 2]) is Cell.INT or Cell.CVAR;
    }

    private static readonly int FPlus1 = Symbols.Functor("+", 1);

    /// <summary>
    /// Compiles the expressions rooted at the template cells <paramref name="roots"/> (their values left on the stack in
    /// order); null when one of them is not an integer expression of the kind above or needs too deep a stack.
    /// </summary>
    public static ArithCode? Compile(List<long> cells, params ReadOnlySpan<long> roots)
    {
        bool simple = true;
        foreach (long root in roots) simple &= IsSimple(cells, root);
        if (simple) return null;   // the machine's own path for these (Machine.TryEvalSmall) is quicker than a program
        var ops = new List<byte>();
        var args = new List<long>();
        var work = new Stack<(long Cell, int Op)>();   // Op >= 0: emit that operator once its operands are done
        int depth = 0, maxDepth = 0;
        foreach (long root in roots)
        {
            work.Push((root, -1));
            while (work.Count > 0)
            {
                var (c, op) = work.Pop();
                if (op >= 0)
                {
                    ops.Add((byte)op);
                    args.Add(0);
                    if (op < Neg) depth--;   // a binary operator takes two and leaves one
                    continue;
                }
                switch (Cell.Tag(c))
                {
                    case Cell.INT:
                    case Cell.CVAR:
                        if (Cell.Tag(c) == Cell.CVAR && (int)(c >> 5) == Machine.VoidSlot) return null;
                        ops.Add(Cell.Tag(c) == Cell.INT ? Const : Var);
                        args.Add(Cell.Tag(c) == Cell.INT ? c >> 3 : c);
                        if (++depth > maxDepth) maxDepth = depth;
                        break;
                    case Cell.STR:
                        {
                            int p = Cell.Addr(c);
                            int f = (int)(cells[p] >> 3);
                            if (f == FPlus1)
                            {
                                work.Push((cells[p + 1], -1));
                            }
                            else if (s_unary.TryGetValue(f, out byte u))
                            {
                                work.Push((0, u));
                                work.Push((cells[p + 1], -1));
                            }
                            else if (s_binary.TryGetValue(f, out byte b))
                            {
                                work.Push((0, b));
                                work.Push((cells[p + 2], -1));
                                work.Push((cells[p + 1], -1));
                            }
                            else return null;
                            break;
                        }
                    default:
                        return null;   // floats, big integers, atoms (pi, e, ...), lists, strings
                }
                if (maxDepth > MaxDepth || ops.Count > 256) return null;
            }
        }
        return new ArithCode([.. ops], [.. args]);
    }
}
