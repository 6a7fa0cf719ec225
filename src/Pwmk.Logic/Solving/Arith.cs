using System.Numerics;
using System.Runtime.CompilerServices;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

/// <summary>A number during evaluation: small integer, big integer or float.</summary>
internal struct Num
{
    public byte Kind;      // 0 int, 1 float, 2 big
    public long I;
    public double D;
    public BigInteger Big;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Num Int(long v) => new() { Kind = 0, I = v };
    public static Num Flt(double v) => new() { Kind = 1, D = v };
    public static Num Of(BigInteger v) => v >= long.MinValue && v <= long.MaxValue ? Int((long)v) : new Num { Kind = 2, Big = v };
    public bool IsInt => Kind != 1;
    public double AsDouble => Kind switch { 0 => I, 1 => D, _ => (double)Big };
    public BigInteger AsBig => Kind == 0 ? I : Big;
}

/// <summary>Arithmetic evaluation as SWI-Prolog does it (integers of any size, floats, ISO errors).</summary>
internal static class Arith
{
    public const int EQ = 0, NE = 1, LT = 2, GT = 3, LE = 4, GE = 5;

    public static int CompareKind(string op) => op switch
    {
        "=:=" => EQ,
        "=\\=" => NE,
        "<" => LT,
        ">" => GT,
        "=<" => LE,
        _ => GE,
    };

    public static int Cmp(in Num a, in Num b)
    {
        if (a.Kind == 0 && b.Kind == 0) return a.I.CompareTo(b.I);
        if (a.Kind == 1 || b.Kind == 1)
        {
            double x = a.AsDouble, y = b.AsDouble;
            if (double.IsNaN(x) || double.IsNaN(y)) return 2; // unordered
            // exact comparison of an integer with a float when the float is integral
            if (a.Kind != 1 && double.IsFinite(y) && Math.Floor(y) == y) return a.AsBig.CompareTo(new BigInteger(y));
            if (b.Kind != 1 && double.IsFinite(x) && Math.Floor(x) == x) return new BigInteger(x).CompareTo(b.AsBig);
            return x.CompareTo(y);
        }
        return a.AsBig.CompareTo(b.AsBig);
    }

    public static bool Test(int kind, in Num a, in Num b)
    {
        int c = Cmp(a, b);
        if (c == 2) return kind == NE;
        return kind switch
        {
            EQ => c == 0,
            NE => c != 0,
            LT => c < 0,
            GT => c > 0,
            LE => c <= 0,
            _ => c >= 0,
        };
    }

    private static PrologError TypeEvaluable(string name, int arity) =>
        PrologError.Type("evaluable", new Compound("/", new Atom(name), new Integer(arity)));

    private static PrologError NeedInt(in Num a) => PrologError.Type("integer", a.Kind == 1 ? new Float(a.D) : new Integer(a.AsBig));

    private static double CheckFloat(double d)
    {
        if (double.IsInfinity(d)) throw PrologError.Evaluation("float_overflow");
        if (double.IsNaN(d)) throw PrologError.Evaluation("undefined");
        return d;
    }

    public static Num Unary(string name, in Num a)
    {
        switch (name)
        {
            case "-":
                if (a.Kind == 0) return a.I == long.MinValue ? Num.Of(-(BigInteger)a.I) : Num.Int(-a.I);
                if (a.Kind == 1) return Num.Flt(-a.D);
                return Num.Of(-a.Big);
            case "+": return a;
            case "abs":
                if (a.Kind == 0) return a.I == long.MinValue ? Num.Of(BigInteger.Abs(a.I)) : Num.Int(Math.Abs(a.I));
                if (a.Kind == 1) return Num.Flt(Math.Abs(a.D));
                return Num.Of(BigInteger.Abs(a.Big));
            case "sign":
                if (a.Kind == 1) return Num.Flt(a.D > 0 ? 1.0 : a.D < 0 ? -1.0 : 0.0);
                return Num.Int(a.Kind == 0 ? Math.Sign(a.I) : a.Big.Sign);
            case "min": case "max": break;
            case "sqrt":
                if (a.AsDouble < 0) throw PrologError.Evaluation("undefined");
                return Num.Flt(Math.Sqrt(a.AsDouble));
            case "sin": return Num.Flt(Math.Sin(a.AsDouble));
            case "cos": return Num.Flt(Math.Cos(a.AsDouble));
            case "tan": return Num.Flt(Math.Tan(a.AsDouble));
            case "asin": return Num.Flt(CheckFloat(Math.Asin(a.AsDouble)));
            case "acos": return Num.Flt(CheckFloat(Math.Acos(a.AsDouble)));
            case "atan": return Num.Flt(Math.Atan(a.AsDouble));
            case "sinh": return Num.Flt(Math.Sinh(a.AsDouble));
            case "cosh": return Num.Flt(Math.Cosh(a.AsDouble));
            case "tanh": return Num.Flt(Math.Tanh(a.AsDouble));
            case "asinh": return Num.Flt(Math.Asinh(a.AsDouble));
            case "acosh": return Num.Flt(Math.Acosh(a.AsDouble));
            case "atanh": return Num.Flt(Math.Atanh(a.AsDouble));
            case "exp": return Num.Flt(CheckFloat(Math.Exp(a.AsDouble)));
            case "log":
                {
                    if (a.Kind != 1 && a.AsBig.Sign <= 0 || a.Kind == 1 && a.D <= 0)
                    {
                        if (a.AsDouble == 0) throw PrologError.Evaluation("undefined");
                        throw PrologError.Evaluation("undefined");
                    }
                    return Num.Flt(a.Kind == 2 ? BigInteger.Log(a.Big) : Math.Log(a.AsDouble));
                }
            case "log2":
                if (a.AsDouble <= 0) throw PrologError.Evaluation("undefined");
                return Num.Flt(Math.Log2(a.AsDouble));
            case "float": return Num.Flt(a.AsDouble);
            case "integer":
                if (a.IsInt) return a;
                return Num.Of(RoundHalfAway(a.D));
            case "float_integer_part": return Num.Flt(Math.Truncate(a.AsDouble));
            case "float_fractional_part": return Num.Flt(a.AsDouble - Math.Truncate(a.AsDouble));
            case "truncate": return a.IsInt ? a : Num.Of(ToBig(Math.Truncate(a.D)));
            case "round": return a.IsInt ? a : Num.Of(RoundHalfAway(a.D));
            case "ceiling": return a.IsInt ? a : Num.Of(ToBig(Math.Ceiling(a.D)));
            case "floor": return a.IsInt ? a : Num.Of(ToBig(Math.Floor(a.D)));
            case "\\":
                if (!a.IsInt) throw NeedInt(a);
                return a.Kind == 0 ? Num.Int(~a.I) : Num.Of(-a.Big - 1);
            case "msb":
                if (!a.IsInt) throw NeedInt(a);
                if (a.AsBig.Sign <= 0) throw PrologError.Domain("not_less_than_one", new Integer(a.AsBig));
                return Num.Int((long)(a.AsBig.GetBitLength() - 1));
            case "succ":
                if (!a.IsInt) throw NeedInt(a);
                return Add(a, Num.Int(1));
            case "random":
                if (!a.IsInt) throw NeedInt(a);
                return Num.Int(Random.Shared.NextInt64(a.I));
            case "random_float": break;
        }
        throw TypeEvaluable(name, 1);
    }

    private static BigInteger ToBig(double d)
    {
        if (!double.IsFinite(d)) throw PrologError.Evaluation("undefined");
        return new BigInteger(d);
    }

    private static BigInteger RoundHalfAway(double d) => ToBig(Math.Round(d, MidpointRounding.AwayFromZero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Num Add(in Num a, in Num b)
    {
        if (a.Kind == 0 && b.Kind == 0)
        {
            long r = a.I + b.I;
            if (((a.I ^ r) & (b.I ^ r)) < 0) return Num.Of((BigInteger)a.I + b.I);
            return Num.Int(r);
        }
        if (a.Kind == 1 || b.Kind == 1) return Num.Flt(CheckFloat(a.AsDouble + b.AsDouble));
        return Num.Of(a.AsBig + b.AsBig);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Num Sub(in Num a, in Num b)
    {
        if (a.Kind == 0 && b.Kind == 0)
        {
            long r = a.I - b.I;
            if (((a.I ^ b.I) & (a.I ^ r)) < 0) return Num.Of((BigInteger)a.I - b.I);
            return Num.Int(r);
        }
        if (a.Kind == 1 || b.Kind == 1) return Num.Flt(CheckFloat(a.AsDouble - b.AsDouble));
        return Num.Of(a.AsBig - b.AsBig);
    }

    public static Num Mul(in Num a, in Num b)
    {
        if (a.Kind == 0 && b.Kind == 0)
        {
            long r;
            try { r = checked(a.I * b.I); }
            catch (OverflowException) { return Num.Of((BigInteger)a.I * b.I); }
            return Num.Int(r);
        }
        if (a.Kind == 1 || b.Kind == 1) return Num.Flt(CheckFloat(a.AsDouble * b.AsDouble));
        return Num.Of(a.AsBig * b.AsBig);
    }

    public static Num Binary(string name, in Num a, in Num b)
    {
        switch (name)
        {
            case "+": return Add(a, b);
            case "-": return Sub(a, b);
            case "*": return Mul(a, b);
            case "/":
                if (a.IsInt && b.IsInt)
                {
                    if (b.Kind == 0 && b.I == 0) throw PrologError.Evaluation("zero_divisor");
                    var q = BigInteger.DivRem(a.AsBig, b.AsBig, out var rem);
                    if (rem.IsZero) return Num.Of(q);
                    return Num.Flt(CheckFloat((double)a.AsBig / (double)b.AsBig));
                }
                if (b.AsDouble == 0.0) throw PrologError.Evaluation(a.AsDouble == 0.0 || double.IsNaN(a.AsDouble) ? "undefined" : "zero_divisor");
                return Num.Flt(CheckFloat(a.AsDouble / b.AsDouble));
            case "//":
                RequireInts(a, b);
                if (b.AsBig.IsZero) throw PrologError.Evaluation("zero_divisor");
                if (a.Kind == 0 && b.Kind == 0 && !(a.I == long.MinValue && b.I == -1)) return Num.Int(a.I / b.I);
                return Num.Of(BigInteger.Divide(a.AsBig, b.AsBig));
            case "mod":
                {
                    RequireInts(a, b);
                    if (b.AsBig.IsZero) throw PrologError.Evaluation("zero_divisor");
                    if (a.Kind == 0 && b.Kind == 0 && b.I != -1)
                    {
                        long m = a.I % b.I;
                        if (m != 0 && (m ^ b.I) < 0) m += b.I;
                        return Num.Int(m);
                    }
                    var mm = BigInteger.Remainder(a.AsBig, b.AsBig);
                    if (!mm.IsZero && (mm.Sign != b.AsBig.Sign)) mm += b.AsBig;
                    return Num.Of(mm);
                }
            case "rem":
                RequireInts(a, b);
                if (b.AsBig.IsZero) throw PrologError.Evaluation("zero_divisor");
                if (a.Kind == 0 && b.Kind == 0 && b.I != -1) return Num.Int(a.I % b.I);
                return Num.Of(BigInteger.Remainder(a.AsBig, b.AsBig));
            case "div":
                {
                    RequireInts(a, b);
                    if (b.AsBig.IsZero) throw PrologError.Evaluation("zero_divisor");
                    var q = BigInteger.DivRem(a.AsBig, b.AsBig, out var r);
                    if (!r.IsZero && (r.Sign != b.AsBig.Sign)) q -= 1;
                    return Num.Of(q);
                }
            case "min":
                {
                    int c = Cmp(a, b);
                    if (c == 0) return a.Kind == 1 ? a : b.Kind == 1 ? b : a;
                    return c < 0 || c == 2 ? a : b;
                }
            case "max":
                {
                    int c = Cmp(a, b);
                    if (c == 0) return a.Kind == 1 ? a : b.Kind == 1 ? b : a;
                    return c > 0 || c == 2 ? a : b;
                }
            case "**":
                if (a.IsInt && b.IsInt) return IntPow(a, b, caret: false);
                if (a.AsDouble == 0.0 && b.AsDouble < 0) throw PrologError.Evaluation("zero_divisor");
                return Num.Flt(CheckFloat(Math.Pow(a.AsDouble, b.AsDouble)));
            case "^":
                if (a.IsInt && b.IsInt) return IntPow(a, b, caret: true);
                return Num.Flt(CheckFloat(Math.Pow(a.AsDouble, b.AsDouble)));
            case "atan2":
            case "atan":
                return Num.Flt(Math.Atan2(a.AsDouble, b.AsDouble));
            case ">>":
                RequireInts(a, b);
                return Num.Of(a.AsBig >> (int)b.AsBig);
            case "<<":
                RequireInts(a, b);
                if (b.AsBig > 100_000_000) throw PrologError.Resource("memory");
                return Num.Of(a.AsBig << (int)b.AsBig);
            case "/\\": RequireInts(a, b); return a.Kind == 0 && b.Kind == 0 ? Num.Int(a.I & b.I) : Num.Of(a.AsBig & b.AsBig);
            case "\\/": RequireInts(a, b); return a.Kind == 0 && b.Kind == 0 ? Num.Int(a.I | b.I) : Num.Of(a.AsBig | b.AsBig);
            case "xor": RequireInts(a, b); return a.Kind == 0 && b.Kind == 0 ? Num.Int(a.I ^ b.I) : Num.Of(a.AsBig ^ b.AsBig);
            case "gcd": RequireInts(a, b); return Num.Of(BigInteger.GreatestCommonDivisor(a.AsBig, b.AsBig));
            case "copysign": return Num.Flt(Math.CopySign(a.AsDouble, b.AsDouble));
            case "truncate": break;
            case "cmpflags": break;
        }
        throw TypeEvaluable(name, 2);
    }

    private static void RequireInts(in Num a, in Num b)
    {
        if (!a.IsInt) throw NeedInt(a);
        if (!b.IsInt) throw NeedInt(b);
    }

    /// <summary>Largest result of integer exponentiation with a base other than a power of two, in bits.</summary>
    private const int MaxPowBits = 4_000_000;

    private static Num IntPow(in Num a, in Num b, bool caret)
    {
        var bb = b.AsBig;
        var ab = a.AsBig;
        if (bb.Sign < 0)
        {
            if (ab.IsOne) return Num.Int(1);
            if (ab == BigInteger.MinusOne) return Num.Int(bb.IsEven ? 1 : -1);
            if (ab.IsZero) throw PrologError.Evaluation("zero_divisor");
            if (caret) throw PrologError.Type("float", new Integer(ab));
            return Num.Flt(Math.Pow((double)ab, (double)bb));
        }
        var mag = BigInteger.Abs(ab);
        if (bb.IsZero) return Num.Int(1);
        if (mag <= 1) return Num.Of(bb.IsEven ? mag : ab);
        // 2^N is a shift; any other base: BigInteger.Pow takes minutes beyond a few million result bits
        // and cannot be interrupted by the time limit, so the result size is capped
        if (mag.IsPowerOfTwo && (double)bb * (mag.GetBitLength() - 1) <= 100_000_000)
        {
            var r = BigInteger.One << (int)(bb * (long)(mag.GetBitLength() - 1));
            return Num.Of(ab.Sign < 0 && !bb.IsEven ? -r : r);
        }
        if (bb > MaxPowBits || (double)bb * (mag.GetBitLength() - 1) > MaxPowBits) throw PrologError.Resource("memory");
        return Num.Of(BigInteger.Pow(ab, (int)bb));
    }

    public static Num Constant(string name)
    {
        switch (name)
        {
            case "pi": return Num.Flt(Math.PI);
            case "e": return Num.Flt(Math.E);
            case "inf":
            case "infinite": return Num.Flt(double.PositiveInfinity);
            case "nan": return Num.Flt(double.NaN);
            case "epsilon": return Num.Flt(double.Epsilon > 0 ? 2.220446049250313e-16 : 0);
            case "max_tagged_integer": return Num.Int((1L << 60) - 1);
            case "min_tagged_integer": return Num.Int(-(1L << 60));
            case "random": return Num.Int(Random.Shared.NextInt64());
            case "random_float": return Num.Flt(Random.Shared.NextDouble());
            case "cputime": return Num.Flt(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
            case "realtime": return Num.Int(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            case "max_integer": return Num.Int(long.MaxValue);
            case "min_integer": return Num.Int(long.MinValue);
            case "[]": break;
        }
        throw TypeEvaluable(name, 0);
    }
}
