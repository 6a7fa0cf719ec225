using System.Numerics;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Tests.Properties;

/// <summary>
/// A seeded generator of random terms that stress the reader and writer: operators of every
/// type and priority, atoms that need quotes, negative numbers, floats, strings with escapes,
/// partial and proper lists, curly terms and shared variables.
/// </summary>
internal sealed class TermGen
{
    private readonly Random _rng;
    private readonly Variable[] _vars;

    public TermGen(int seed, int variables = 4)
    {
        _rng = new Random(seed);
        _vars = Enumerable.Range(0, variables).Select(i => new Variable("V" + i)).ToArray();
    }

    public IReadOnlyList<Variable> Variables => _vars;

    private static readonly string[] s_atoms =
    [
        "a", "b", "foo", "x1", "aB_c", "[]", "{}", "!", ";", ",", "|", "", " ", "hello world", "it's", "don\"t",
        "A", "_x", "Upper", "1a", "\\", "\n", "tab\there", "é", "ünïcödé", "日本", "'", "\\\\", "a\\b",
        "-", "+", "*", "-->", ":-", "?-", "\\+", "=..", "@", "#", "$", "&", ".", "..", "/*", "%", "-(", "[", "]",
        "dynamic", "is", "mod", "rem", "xor", "table", "e", "inf", "nan", "AND", "OR", "NOT", "[|]", "- 1", "0'a",
    ];

    private static readonly string[] s_infix =
    [
        ":-", "-->", ";", "->", "*->", ",", "=", "\\=", "==", "@<", "=..", "is", "=:=", "<", ">=", ":", "+", "-",
        "/\\", "xor", "*", "/", "//", "mod", "rem", "<<", "**", "^", "=@=", ":=", "as", "|",
    ];

    private static readonly string[] s_prefix = ["-", "+", "\\", "\\+", "?-", ":-", "dynamic", "table", "?", "$", "discontiguous"];

    private static readonly string[] s_strings = ["", "text", "with \"quotes\"", "new\nline", "back\\slash", "it's", "tab\t", "日本語", "\u0001ctl"];

    public Term Next(int depth = 5)
    {
        if (depth <= 0 || _rng.Next(10) < 3) return Leaf();
        int k = _rng.Next(100);
        if (k < 30) return new Compound(Pick(s_infix), Next(depth - 1), Next(depth - 1));
        if (k < 45) return new Compound(Pick(s_prefix), Next(depth - 1));
        if (k < 65)
        {
            int n = _rng.Next(0, 4);
            var items = new Term[n];
            for (int i = 0; i < n; i++) items[i] = Next(depth - 1);
            Term? tail = _rng.Next(4) == 0 ? Next(depth - 1) : null;
            return Term.List(items, tail);
        }
        if (k < 72) return new Compound("{}", Next(depth - 1));
        int arity = _rng.Next(1, 4);
        var args = new Term[arity];
        for (int i = 0; i < arity; i++) args[i] = Next(depth - 1);
        string f = _rng.Next(3) == 0 ? Pick(s_atoms) : Pick(["f", "g", "point", "p"]);
        return new Compound(f, args);
    }

    public Term Leaf()
    {
        switch (_rng.Next(9))
        {
            case 0:
            case 1: return new Atom(Pick(s_atoms));
            case 2: return new Integer(_rng.Next(-1000, 1000));
            case 3:
                {
                    var big = BigInteger.Pow(10, _rng.Next(15, 40)) + _rng.Next();
                    return new Integer(_rng.Next(2) == 0 ? big : -big);
                }
            case 4: return new Float(RandomFloat());
            case 5: return new StringTerm(Pick(s_strings));
            default: return _vars[_rng.Next(_vars.Length)];
        }
    }

    private double RandomFloat()
    {
        switch (_rng.Next(6))
        {
            case 0: return Pick([0.0, -0.0, 0.1, -2.5, 1.0e15, 1.5e-5, 123456789012345.0, 1.0e300, -1.0e-300, 5e-324]);
            case 1: return Math.Round((_rng.NextDouble() - 0.5) * 100, 2);
            case 2: return BitConverter.Int64BitsToDouble(_rng.NextInt64(0, 0x7FEF_FFFF_FFFF_FFFF)) * (_rng.Next(2) == 0 ? 1 : -1);
            default: return (_rng.NextDouble() - 0.5) * Math.Pow(10, _rng.Next(-20, 20));
        }
    }

    private T Pick<T>(T[] xs) => xs[_rng.Next(xs.Length)];
}

/// <summary>Term comparison helpers for the property tests.</summary>
internal static class TermCompare
{
    /// <summary>True when the terms are equal up to a consistent one-to-one renaming of variables.</summary>
    public static bool Variant(Term a, Term b)
    {
        var ab = new Dictionary<Variable, Variable>(ReferenceEqualityComparer.Instance);
        var ba = new Dictionary<Variable, Variable>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Term, Term)>();
        stack.Push((a, b));
        while (stack.Count > 0)
        {
            var (x, y) = stack.Pop();
            switch (x)
            {
                case Variable vx when y is Variable vy:
                    if (ab.TryGetValue(vx, out var m1) ? !ReferenceEquals(m1, vy) : ba.ContainsKey(vy)) return false;
                    ab[vx] = vy;
                    ba[vy] = vx;
                    break;
                case Compound cx when y is Compound cy:
                    if (cx.Functor != cy.Functor || cx.Arity != cy.Arity) return false;
                    for (int i = 0; i < cx.Arity; i++) stack.Push((cx.Args[i], cy.Args[i]));
                    break;
                case Float fx when y is Float fy:
                    // -0.0 and 0.0 are different terms; compare bits
                    if (BitConverter.DoubleToInt64Bits(fx.Value) != BitConverter.DoubleToInt64Bits(fy.Value)) return false;
                    break;
                case Variable or Compound or Float:
                    return false;
                default:
                    if (y is Variable or Compound || !x.Equals(y)) return false;
                    break;
            }
        }
        return true;
    }
}
