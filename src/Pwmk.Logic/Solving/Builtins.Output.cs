using System.Globalization;
using System.Numerics;
using System.Text;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

internal static partial class Builtins
{
    // ------------------------------------------------------------------ output

    internal static void Emit(Machine m, string s)
    {
        m.OutputChars += s.Length;
        if (m.OutputChars > m.MaxOutputChars) throw PrologError.Resource("output");
        m.Charge(2L * s.Length);
        m.Out.Write(s);
    }

    private static bool FormatTo(Machine m, long sink, string text)
    {
        sink = m.Deref(sink);
        if (Cell.Tag(sink) == Cell.STR)
        {
            int f = (int)Cell.Val(m.Heap[Cell.Addr(sink)]);
            long arg = m.Heap[Cell.Addr(sink) + 1];
            switch (Symbols.Indicator(f))
            {
                case "atom/1": return m.Unify(arg, m.MakeAtom(text));
                case "string/1": return m.Unify(arg, m.MakeString(text));
                case "codes/1": return m.Unify(arg, m.CodesList(text));
                case "chars/1": return m.Unify(arg, m.CharsList(text));
            }
        }
        if (Cell.Tag(sink) == Cell.ATM && m.AtomText(sink) is "user_output" or "user_error")
        {
            Emit(m, text);
            return true;
        }
        if (Cell.Tag(sink) == Cell.REF) throw PrologError.Instantiation();
        if (Cell.Tag(sink) == Cell.ATM) throw PrologError.Existence("stream", m.ToTerm(sink));
        throw PrologError.Domain("stream_or_alias", m.ToTerm(sink));
    }

    private static bool WithOutputTo(Machine m)
    {
        long sink = m.Arg(0);
        long goal = m.A[1];
        var saved = m.Out;
        long savedCount = m.OutputChars;
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        m.Out = sw;
        bool ok;
        try { ok = m.SolveOnce(goal); }
        finally
        {
            m.Out = saved;
            m.OutputChars = savedCount;
        }
        return ok && FormatTo(m, sink, sw.ToString());
    }

    /// <summary>format/2 directives as SWI-Prolog implements them (column stops included).</summary>
    /// <summary>The error of a format directive given an argument of the wrong type.</summary>
    private static PrologError FormatArgument(Machine m, char directive, long arg) =>
        PrologError.Err(new Compound("format_argument_type", new Atom(directive.ToString()), m.ToTerm(arg)));

    /// <summary>format/1,2 on the current output: what was formatted before an error is written, as in SWI-Prolog.</summary>
    private static bool FormatOut(Machine m, long fmtCell, long argsCell)
    {
        var sb = new StringBuilder();
        try { Format(m, fmtCell, argsCell, sb); }
        finally { Emit(m, sb.ToString()); }
        return true;
    }

    internal static string Format(Machine m, long fmtCell, long argsCell)
    {
        var sb = new StringBuilder();
        Format(m, fmtCell, argsCell, sb);
        return sb.ToString();
    }

    private static void Format(Machine m, long fmtCell, long argsCell, StringBuilder sb)
    {
        string fmt = Text(m, fmtCell, "text");
        var argsList = m.ListToCells(argsCell);
        var args = argsList ?? [argsCell];
        int ai = 0;
        long NextArg()
        {
            if (ai >= args.Count) throw PrologError.Err(new Compound("format", new Atom("not enough arguments")));
            return m.Deref(args[ai++]);
        }
        int lineStart = 0;       // index in sb where the current line starts
        int segStart = 0;        // index in sb where the current column segment starts
        var fills = new List<(int Pos, char Ch)>();
        int lastStop = 0;        // column of the last column stop
        for (int i = 0; i < fmt.Length; i++)
        {
            char ch = fmt[i];
            if (ch != '~')
            {
                sb.Append(ch);
                if (ch == '\n') { lineStart = sb.Length; segStart = sb.Length; lastStop = 0; fills.Clear(); }
                continue;
            }
            if (++i >= fmt.Length) throw PrologError.Err(new Compound("format", new Atom("truncated format")));
            int? num = null;
            if (fmt[i] == '*')
            {
                var a = NextArg();
                if (Cell.Tag(a) != Cell.INT) throw PrologError.Type("integer", m.ToTerm(a));
                num = (int)Math.Clamp(Cell.Val(a), 0, 1_000_000);
                i++;
            }
            else if (fmt[i] == '`')
            {
                num = fmt[i + 1];
                i += 2;
            }
            else
            {
                int st = i;
                while (i < fmt.Length && char.IsAsciiDigit(fmt[i])) i++;
                if (i > st) num = (int)Math.Min(1_000_000, long.Parse(fmt[st..i], CultureInfo.InvariantCulture));
            }
            if (i >= fmt.Length) throw PrologError.Err(new Compound("format", new Atom("truncated format")));
            char d = fmt[i];
            switch (d)
            {
                case 'w': sb.Append(Write(m, NextArg(), false)); break;
                case 'p': sb.Append(Write(m, NextArg(), true)); break;
                case 'q': sb.Append(Write(m, NextArg(), true)); break;
                case 'a':
                    {
                        var a = NextArg();
                        if (Cell.Tag(a) == Cell.REF) throw PrologError.Instantiation();
                        sb.Append(m.IsCompound(a) ? throw FormatArgument(m, 'a', a) : m.TextOf(a) ?? Write(m, a, false));
                        break;
                    }
                case 'd':
                case 'D':
                    {
                        var a = NextArg();
                        var ev = m.EvalHeap(a);
                        if (ev.Kind == 1) throw FormatArgument(m, d, a);
                        var v = Machine.AsBig(ev);
                        string digits = BigInteger.Abs(v).ToString(CultureInfo.InvariantCulture);
                        int frac = num ?? 0;
                        string intPart = digits, fracPart = "";
                        if (frac > 0)
                        {
                            digits = digits.PadLeft(frac + 1, '0');
                            intPart = digits[..^frac];
                            fracPart = digits[^frac..];
                        }
                        if (d == 'D')
                        {
                            var g = new StringBuilder();
                            for (int k = 0; k < intPart.Length; k++)
                            {
                                if (k > 0 && (intPart.Length - k) % 3 == 0) g.Append(',');
                                g.Append(intPart[k]);
                            }
                            intPart = g.ToString();
                        }
                        if (v.Sign < 0) sb.Append('-');
                        sb.Append(intPart);
                        if (frac > 0) sb.Append('.').Append(fracPart);
                        break;
                    }
                case 'f':
                case 'e':
                case 'g':
                    {
                        var a = NextArg();
                        var v = m.EvalHeap(a);
                        int prec = num ?? 6;
                        if (d == 'f' && v.Kind != 1)
                        {
                            // exact decimal formatting of integers
                            sb.Append(BigFixed(Machine.AsBig(v), prec));
                            break;
                        }
                        double x = v.AsDouble;
                        sb.Append(d switch
                        {
                            'f' => x.ToString("F" + prec, CultureInfo.InvariantCulture),
                            'e' => FormatE(x, prec),
                            _ => x.ToString("G" + Math.Max(prec, 1), CultureInfo.InvariantCulture),
                        });
                        break;
                    }
                case 'n': sb.Append('\n', num ?? 1); lineStart = sb.Length; segStart = sb.Length; lastStop = 0; fills.Clear(); break;
                case 'c':
                    {
                        var a = NextArg();
                        if (!IsCode(a)) throw FormatArgument(m, 'c', a);
                        string s = char.ConvertFromUtf32((int)Cell.Val(a));
                        for (int k = 0; k < (num ?? 1); k++) sb.Append(s);
                        break;
                    }
                case 'r':
                case 'R':
                    {
                        var a = NextArg();
                        if (!m.IsInteger(a)) throw PrologError.Type("integer", m.ToTerm(a));
                        int radix = num ?? 8;
                        sb.Append(ToRadix(Machine.AsBig(m.NumOf(a)), radix, d == 'R'));
                        break;
                    }
                case 's':
                    {
                        var a = NextArg();
                        sb.Append(m.TextOf(a, allowNumbers: false) ?? throw PrologError.Type("text", m.ToTerm(a)));
                        break;
                    }
                case 'i': NextArg(); break;
                case '~': sb.Append('~'); break;
                case 't': fills.Add((sb.Length, num is int c ? (char)c : ' ')); break;
                case '|':
                case '+':
                    {
                        int col = sb.Length - lineStart;
                        int target = d == '+' ? lastStop + (num ?? 8) : num ?? col;
                        if (target > col)
                        {
                            int pad = target - col;
                            if (fills.Count == 0)
                            {
                                if (d == '+') sb.Insert(segStart, new string(' ', pad));
                                else sb.Append(' ', pad);
                            }
                            else
                            {
                                var (pos, fc) = fills[0];
                                sb.Insert(pos, new string(fc, pad));
                            }
                        }
                        lastStop = Math.Max(target, col);
                        segStart = sb.Length;
                        fills.Clear();
                        break;
                    }
                default:
                    throw PrologError.Existence("format_character", new Atom(d.ToString()));
            }
            if (sb.Length > MaxTextLength) throw PrologError.Resource("text_length");
        }
        if (ai < args.Count) throw PrologError.Err(new Compound("format", new Atom("too many arguments")));
    }

    private static string BigFixed(BigInteger v, int prec)
    {
        string s = BigInteger.Abs(v).ToString(CultureInfo.InvariantCulture);
        if (prec > 0) s += "." + new string('0', prec);
        return v.Sign < 0 ? "-" + s : s;
    }

    private static string FormatE(double x, int prec)
    {
        string s = x.ToString((prec == 0 ? "0" : "0." + new string('0', prec)) + "e+00", CultureInfo.InvariantCulture);
        return s;
    }

    private static string ToRadix(BigInteger v, int radix, bool upper)
    {
        if (radix < 2 || radix > 36) throw PrologError.Domain("radix", new Integer(radix));
        if (v.IsZero) return "0";
        bool neg = v.Sign < 0;
        v = BigInteger.Abs(v);
        var sb = new StringBuilder();
        string digits = upper ? "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "0123456789abcdefghijklmnopqrstuvwxyz";
        while (!v.IsZero)
        {
            sb.Insert(0, digits[(int)(v % radix)]);
            v /= radix;
        }
        if (neg) sb.Insert(0, '-');
        return sb.ToString();
    }
}
