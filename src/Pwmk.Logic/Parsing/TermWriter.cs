using System.Globalization;
using System.Numerics;
using System.Text;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Parsing;

/// <summary>Options of <see cref="TermWriter"/>, as in <c>write_term/2</c>.</summary>
public readonly record struct WriteOptions(bool Quoted, bool IgnoreOps = false, bool NumberVars = true, int MaxLength = int.MaxValue);

/// <summary>
/// Writes terms as SWI-Prolog's <c>write/1</c>, <c>print/1</c>, <c>writeq/1</c> and <c>write_canonical/1</c> do,
/// using an explicit stack (any depth).
/// </summary>
public static class TermWriter
{
    public static string Format(Term t, OperatorTable ops, bool quoted)
        => Format(t, ops, new WriteOptions(quoted));

    public static string Format(Term t, OperatorTable ops, WriteOptions opt)
    {
        var sb = new StringBuilder();
        Write(sb, t, ops, opt);
        return sb.ToString();
    }

    private enum Last { None, Alnum, Symbol, Punct }

    private readonly struct Item
    {
        public readonly Term? Term;
        public readonly string? Text;
        public readonly int Max;
        public readonly byte Kind; // 0 term, 1 raw text (glue-checked), 2 raw text (no glue check), 3 atom operand (bracket if op)
        public Item(Term t, int max, byte kind = 0) { Term = t; Text = null; Max = max; Kind = kind; }
        public Item(string s, byte kind) { Term = null; Text = s; Max = 0; Kind = kind; }
    }

    public static void Write(StringBuilder sb, Term root, OperatorTable ops, WriteOptions opt)
    {
        var stack = new Stack<Item>();
        stack.Push(new Item(root, 1200));
        var last = Last.None;

        void Emit(string s, bool glueCheck = true)
        {
            if (s.Length == 0) return;
            if (glueCheck && last != Last.None)
            {
                var first = Classify(s[0]);
                if ((first == Last.Alnum && last == Last.Alnum) || (first == Last.Symbol && last == Last.Symbol))
                    sb.Append(' ');
                else if (s[0] is '\'' or '"' or '`' && sb.Length > 0 && (sb[^1] == s[0] || s[0] == '\'' && char.IsAsciiDigit(sb[^1])))
                    sb.Append(' '); // 'a''b' is one atom, 0'c a character code

            }
            sb.Append(s);
            last = Classify(s[^1]);
            if (sb.Length > opt.MaxLength) throw new InvalidOperationException("term too long to write");
        }

        while (stack.Count > 0)
        {
            var it = stack.Pop();
            if (it.Term is null)
            {
                if (it.Kind == 2)
                {
                    sb.Append(it.Text);
                    last = it.Text!.Length > 0 ? Classify(it.Text[^1]) : last;
                }
                else Emit(it.Text!);
                continue;
            }
            var t = it.Term;
            switch (t)
            {
                case Variable v:
                    Emit(v.Name.StartsWith("_G", StringComparison.Ordinal) ? "_" + v.Name[2..] : v.Name);
                    break;
                case Integer i:
                    Emit(i.Value.ToString(CultureInfo.InvariantCulture));
                    break;
                case Float f:
                    Emit(FormatFloat(f.Value));
                    break;
                case StringTerm s:
                    Emit(opt.Quoted ? QuoteText(s.Value, '"') : s.Value);
                    break;
                case Atom a:
                    {
                        string text = opt.Quoted ? QuoteAtomIfNeeded(a.Name) : a.Name;
                        if (it.Kind == 3 && ops.IsOperator(a.Name))
                        {
                            Emit("(");
                            Emit(text);
                            Emit(")", false);
                        }
                        else Emit(text);
                        break;
                    }
                case Compound c:
                    WriteCompound(c, it.Max);
                    break;
            }
        }

        void WriteCompound(Compound c, int max)
        {
            var args = c.ArgArray;
            if (c.Functor == Term.ListFunctor && args.Length == 2)
            {
                // push in reverse order: "[" e1 "," e2 ... ("|" tail) "]"
                var items = new List<Term>();
                Term tail = c;
                while (tail is Compound { Functor: Term.ListFunctor, Arity: 2 } lc)
                {
                    items.Add(lc.ArgArray[0]);
                    tail = lc.ArgArray[1];
                }
                stack.Push(new Item("]", 2));
                if (!(tail is Atom { IsNil: true }))
                {
                    stack.Push(new Item(tail, 999));
                    stack.Push(new Item("|", 2));
                }
                for (int k = items.Count - 1; k >= 0; k--)
                {
                    stack.Push(new Item(items[k], 999));
                    if (k > 0) stack.Push(new Item(",", 2));
                }
                Emit("[");
                last = Last.Punct;
                return;
            }
            if (opt.NumberVars && c.Functor == "$VAR" && args.Length == 1 && args[0] is Integer vn && vn.Value >= 0)
            {
                int n = (int)BigInteger.Min(vn.Value, int.MaxValue);
                string name = ((char)('A' + n % 26)).ToString() + (n >= 26 ? (n / 26).ToString(CultureInfo.InvariantCulture) : "");
                Emit(name);
                return;
            }
            if (c.Functor == "{}" && args.Length == 1)
            {
                stack.Push(new Item("}", 2));
                stack.Push(new Item(args[0], 1200));
                Emit("{");
                last = Last.Punct;
                return;
            }
            if (!opt.IgnoreOps && args.Length == 2 && ops.TryInfix(c.Functor, out var idef))
            {
                bool br = idef.Priority > max;
                if (br) stack.Push(new Item(")", 2));
                stack.Push(new Item(args[1], idef.RightMax, 3));
                string op = c.Functor;
                if (op == ",") stack.Push(new Item(",", 2));
                else if (IsAlphaAtom(op)) stack.Push(new Item(" " + (opt.Quoted ? QuoteAtomIfNeeded(op) : op) + " ", 2));
                else if (op == "|") stack.Push(new Item("|", 2));
                else stack.Push(new Item(opt.Quoted ? QuoteAtomIfNeeded(op) : op, 1));
                stack.Push(new Item(args[0], idef.LeftMax, 3));
                if (br) { Emit("("); last = Last.Punct; }
                return;
            }
            if (!opt.IgnoreOps && args.Length == 1 && ops.TryPrefix(c.Functor, out var pdef))
            {
                bool br = pdef.Priority > max;
                var arg = args[0];
                string op = opt.Quoted ? QuoteAtomIfNeeded(c.Functor) : c.Functor;
                if (br) { Emit("("); last = Last.Punct; }
                Emit(op);
                if (br) stack.Push(new Item(")", 2));
                int argMax = pdef.RightMax;
                bool argIsOpAtom = arg is Atom aa && ops.IsOperator(aa.Name);
                bool argNeedsBrackets = argIsOpAtom || NeedsBrackets(arg, argMax);
                if (argNeedsBrackets || IsNumber(arg) && (c.Functor is "-" or "+") || IsAlphaAtom(c.Functor) || StartsWithBracket(arg, argMax, c.Functor is "-" or "+"))
                {
                    sb.Append(' ');
                    last = Last.None;
                }
                if (argIsOpAtom)
                {
                    stack.Push(new Item(")", 2));
                    stack.Push(new Item(arg, 1200));
                    stack.Push(new Item("(", 2));
                }
                else stack.Push(new Item(arg, argMax, 3));
                return;
            }
            if (!opt.IgnoreOps && args.Length == 1 && ops.TryPostfix(c.Functor, out var podef))
            {
                bool br = podef.Priority > max;
                if (br) stack.Push(new Item(")", 2));
                stack.Push(new Item(opt.Quoted ? QuoteAtomIfNeeded(c.Functor) : c.Functor, 1));
                stack.Push(new Item(args[0], podef.LeftMax, 3));
                if (br) { Emit("("); last = Last.Punct; }
                return;
            }
            // canonical form
            stack.Push(new Item(")", 2));
            for (int k = args.Length - 1; k >= 0; k--)
            {
                stack.Push(new Item(args[k], 999));
                if (k > 0) stack.Push(new Item(",", 2));
            }
            Emit((opt.Quoted ? QuoteAtomIfNeeded(c.Functor) : c.Functor) + "(");
            last = Last.Punct;

            // "-(" would read as functional notation, "-{" as a dict and "-1" as a number: does the
            // operand's text start with "(" or "{" (or a number, when the operator is a sign)?
            bool StartsWithBracket(Term a, int m, bool sign)
            {
                while (true)
                {
                    switch (a)
                    {
                        case Atom at: return ops.IsOperator(at.Name);
                        case Compound cc when cc.Functor == Term.ListFunctor && cc.Arity == 2: return false;
                        case Compound cc when cc.Functor == "{}" && cc.Arity == 1: return true;
                        case Compound cc when opt.NumberVars && cc.Functor == "$VAR" && cc.Arity == 1 && cc.Args[0] is Integer: return false;
                        case Compound cc when cc.Arity == 2 && ops.TryInfix(cc.Functor, out var d):
                            if (d.Priority > m) return true;
                            a = cc.Args[0]; m = d.LeftMax; continue;
                        case Compound cc when cc.Arity == 1 && ops.TryPrefix(cc.Functor, out var d):
                            return d.Priority > m;
                        case Compound cc when cc.Arity == 1 && ops.TryPostfix(cc.Functor, out var d):
                            if (d.Priority > m) return true;
                            a = cc.Args[0]; m = d.LeftMax; continue;
                        default: return sign && IsNumber(a);
                    }
                }
            }

            bool NeedsBrackets(Term a, int m) => a switch
            {
                Compound cc when cc.Functor == Term.ListFunctor && cc.Arity == 2 => false,
                Compound cc when cc.Functor == "{}" && cc.Arity == 1 => false,
                Compound cc when cc.Arity == 2 && ops.TryInfix(cc.Functor, out var d) => d.Priority > m,
                Compound cc when cc.Arity == 1 && ops.TryPrefix(cc.Functor, out var d) => d.Priority > m,
                Compound cc when cc.Arity == 1 && ops.TryPostfix(cc.Functor, out var d) => d.Priority > m,
                _ => false,
            };
        }
    }

    private static bool IsNumber(Term t) => t is Integer or Float;

    private static Last Classify(char c)
    {
        if (char.IsLetterOrDigit(c) || c == '_') return Last.Alnum;
        if (Lexer.IsSymbolChar(c)) return Last.Symbol;
        return Last.Punct;
    }

    private static bool IsAlphaAtom(string s) => s.Length > 0 && char.IsLetter(s[0]) && char.IsLower(s[0]) && s.All(Lexer.IsAlnum);

    /// <summary>Writes an atom with quotes when <c>writeq/1</c> would.</summary>
    public static string QuoteAtomIfNeeded(string name)
    {
        if (name.Length == 0) return "''";
        if (name is "[]" or "!" or ";" or "{}") return name;
        char c0 = name[0];
        if (char.IsLetter(c0) && char.IsLower(c0))
        {
            bool ok = true;
            foreach (char ch in name) if (!Lexer.IsAlnum(ch)) { ok = false; break; }
            if (ok) return name;
        }
        else if (Lexer.IsSymbolChar(c0))
        {
            bool ok = true;
            foreach (char ch in name) if (!Lexer.IsSymbolChar(ch)) { ok = false; break; }
            if (ok && name != "." && !name.StartsWith("/*", StringComparison.Ordinal)) return name;
        }
        return QuoteText(name, '\'');
    }

    /// <summary>Quotes text with the given quote character and SWI-Prolog's escapes.</summary>
    public static string QuoteText(string s, char q)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append(q);
        foreach (char ch in s)
        {
            switch (ch)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\v': sb.Append("\\v"); break;
                case '\0': sb.Append("\\000\\"); break;
                default:
                    if (ch == q) sb.Append('\\').Append(q);
                    else if (ch < ' ' || ch == 127) sb.Append("\\x").Append(((int)ch).ToString("x", CultureInfo.InvariantCulture)).Append('\\');
                    else sb.Append(ch);
                    break;
            }
        }
        sb.Append(q);
        return sb.ToString();
    }

    /// <summary>Formats a float as SWI-Prolog prints it (shortest text that reads back the same value).</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsPositiveInfinity(d)) return "1.0Inf";
        if (double.IsNegativeInfinity(d)) return "-1.0Inf";
        if (double.IsNaN(d)) return "1.5NaN";
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        bool neg = r.StartsWith('-');
        if (neg) r = r[1..];
        // split into digits and exponent
        int ePos = r.IndexOfAny(['E', 'e']);
        int exp = 0;
        string mant = r;
        if (ePos >= 0)
        {
            exp = int.Parse(r[(ePos + 1)..], CultureInfo.InvariantCulture);
            mant = r[..ePos];
        }
        int dot = mant.IndexOf('.');
        string digits = dot >= 0 ? mant.Remove(dot, 1) : mant;
        int pointPos = (dot >= 0 ? dot : mant.Length) + exp; // position of decimal point within digits
        // normalise: strip leading zeros
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; pointPos--; }
        digits = digits[lead..];
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) { digits = "0"; pointPos = 1; }
        int sciExp = pointPos - 1;
        var sb = new StringBuilder();
        if (neg) sb.Append('-');
        if (digits == "0")
        {
            sb.Append("0.0");
            return sb.ToString();
        }
        if (sciExp < -4 || sciExp >= 15)
        {
            sb.Append(digits[0]).Append('.');
            sb.Append(digits.Length > 1 ? digits[1..] : "0");
            sb.Append('e').Append(sciExp >= 0 ? "+" : "-").Append(Math.Abs(sciExp).ToString(CultureInfo.InvariantCulture));
        }
        else if (pointPos <= 0)
        {
            sb.Append("0.").Append('0', -pointPos).Append(digits);
        }
        else if (pointPos >= digits.Length)
        {
            sb.Append(digits).Append('0', pointPos - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
        }
        return sb.ToString();
    }
}
