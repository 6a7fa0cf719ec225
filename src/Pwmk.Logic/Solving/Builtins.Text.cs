using System.Globalization;
using System.Text;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

internal static partial class Builtins
{
    internal const int MaxTextLength = 64 * 1024 * 1024;

    private static string Text(Machine m, long c, string type = "atom")
    {
        c = m.Deref(c);
        if (Cell.Tag(c) == Cell.REF) throw PrologError.Instantiation();
        return m.TextOf(c) ?? throw PrologError.Type(type, m.ToTerm(c));
    }

    private static string? TextOrNull(Machine m, long c)
    {
        c = m.Deref(c);
        if (Cell.Tag(c) == Cell.REF) return null;
        return m.TextOf(c) ?? throw PrologError.Type("atomic", m.ToTerm(c));
    }

    /// <summary>Parses a number as number_codes/2 does; null when the text is not a number.</summary>
    internal static long? ParseNumber(Machine m, string s, bool leadingLayoutOnly = false)
    {
        if (leadingLayoutOnly && s.Length > 0 && char.IsWhiteSpace(s[^1])) return null;
        string t = s.Trim();
        // an optional sign right before the digits (SWI-Prolog: "+1" and "-1" are numbers, "- 1" is not)
        bool negative = false;
        if (t.Length > 1 && (t[0] == '-' || t[0] == '+') && char.IsAsciiDigit(t[1]))
        {
            negative = t[0] == '-';
            t = t[1..];
        }
        if (t.Length == 0 || t.Length > 100_000 || !char.IsAsciiDigit(t[0])) return null;
        if (t.Length <= 18 && !t.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            // plain decimal digits (the common case): no reader needed; 18 digits always make a small integer (< 2^60)
            long v = long.Parse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
            return Cell.Int(negative ? -v : v);
        }
        try
        {
            return TermReader.ParseTerm(t, m.Db.Ops, new ReaderOptions { GoalSugar = false }) switch
            {
                Integer i => m.MakeInteger(negative ? -i.Value : i.Value),
                Float f => m.MakeFloat(negative ? -f.Value : f.Value),
                _ => null,
            };
        }
        catch (SyntaxErrorException)
        {
            return null;
        }
    }

    internal static string Write(Machine m, long c, bool quoted, bool ignoreOps = false)
    {
        var t = m.ToTerm(c);
        return TermWriter.Format(t, m.Db.Ops, new WriteOptions(quoted, ignoreOps, NumberVars: true, MaxLength: MaxTextLength));
    }

    /// <summary>write_canonical/1: quoted, no operators, shared variables named A, B, ... and singletons _.</summary>
    private static string WriteCanonical(Machine m, long c)
    {
        var counts = new Dictionary<int, int>();
        var order = new List<int>();
        var stack = new Stack<long>();
        stack.Push(c);
        long budget = m.WalkBudget;
        while (stack.Count > 0)
        {
            m.Poll();
            if (--budget < 0) budget = m.RequireAcyclic(c);
            long x = m.Deref(stack.Pop());
            switch (Cell.Tag(x))
            {
                case Cell.REF:
                    int a = Cell.Addr(x);
                    if (counts.TryGetValue(a, out int k)) counts[a] = k + 1;
                    else { counts[a] = 1; order.Add(a); }
                    break;
                case Cell.STR:
                case Cell.LST:
                    int n = ArityOf(m, x);
                    for (int i = n; i >= 1; i--) stack.Push(ArgOf(m, x, i));
                    break;
            }
        }
        var names = new Dictionary<int, Variable>();
        int next = 0;
        foreach (int a in order)
        {
            if (counts[a] == 1) names[a] = new Variable("_");
            else
            {
                int i = next++;
                names[a] = new Variable(((char)('A' + i % 26)).ToString() + (i >= 26 ? (i / 26).ToString(CultureInfo.InvariantCulture) : ""));
            }
        }
        var t = m.ToTerm(c, names);
        return TermWriter.Format(t, m.Db.Ops, new WriteOptions(Quoted: true, IgnoreOps: true, NumberVars: false, MaxLength: MaxTextLength));
    }

    private static void RegisterText(Database db)
    {
        Det(db, "atom_codes", 2, m => TextConv(m, s => m.CodesList(s), true));
        Det(db, "atom_chars", 2, m => TextConv(m, s => m.CharsList(s), true));
        Det(db, "char_code", 2, m =>
        {
            long a = m.Arg(0), c = m.Arg(1);
            if (Cell.Tag(c) != Cell.REF && !m.IsInteger(c)) throw PrologError.Type("integer", m.ToTerm(c));
            if (Cell.Tag(a) != Cell.REF)
            {
                if (!IsChar(m, a)) throw PrologError.Type("character", m.ToTerm(a));
                return m.Unify(c, Cell.Int(char.ConvertToUtf32(m.AtomText(a), 0)));
            }
            if (Cell.Tag(c) == Cell.REF) throw PrologError.Instantiation();
            if (!IsCode(c)) throw PrologError.Representation("character_code");
            return m.Unify(a, m.MakeAtom(char.ConvertFromUtf32((int)Cell.Val(c))));
        });
        Det(db, "atom_length", 2, m =>
        {
            string s = Text(m, m.A[0], "text");
            long l = m.Arg(1);
            if (Cell.Tag(l) != Cell.REF && Cell.Tag(l) != Cell.INT) throw PrologError.Type("integer", m.ToTerm(l));
            return m.Unify(l, Cell.Int(s.EnumerateRunes().Count()));
        });
        Det(db, "string_length", 2, m => m.Unify(m.A[1], Cell.Int(Text(m, m.A[0], "text").EnumerateRunes().Count())));
        Det(db, "atom_number", 2, m =>
        {
            long a = m.Arg(0);
            if (Cell.Tag(a) == Cell.REF)
            {
                long n = m.Arg(1);
                if (Cell.Tag(n) == Cell.REF) throw PrologError.Instantiation();
                if (!m.IsNumber(n)) throw PrologError.Type("number", m.ToTerm(n));
                return m.Unify(a, m.MakeAtom(m.TextOf(n)!));
            }
            if (Cell.Tag(a) != Cell.ATM) throw PrologError.Type("atom", m.ToTerm(a));
            var num = ParseNumber(m, m.AtomText(a));
            return num is not null && m.Unify(m.A[1], num.Value);
        });
        Det(db, "number_codes", 2, m => NumberConv(m, s => m.CodesList(s)));
        Det(db, "number_chars", 2, m => NumberConv(m, s => m.CharsList(s)));
        Det(db, "atom_string", 2, m => TextConv(m, s => m.MakeString(s), true, anyText: true));
        Det(db, "string_chars", 2, m => TextConv(m, s => m.CharsList(s), false));
        Det(db, "string_codes", 2, m => TextConv(m, s => m.CodesList(s), false));
        Det(db, "string_to_atom", 2, m =>
        {
            var s = TextOrNull(m, m.A[0]);
            if (s is not null) return m.Unify(m.A[1], m.MakeAtom(s));
            return m.Unify(m.A[0], m.MakeString(Text(m, m.A[1])));
        });
        Det(db, "string_code", 3, m =>
        {
            long i = m.Arg(0);
            if (Cell.Tag(i) != Cell.INT) throw PrologError.Type("integer", m.ToTerm(i));
            var runes = Text(m, m.A[1]).EnumerateRunes().ToArray();
            long k = Cell.Val(i);
            if (k < 0) throw PrologError.Domain("not_less_than_zero", m.ToTerm(i));
            return k >= 1 && k <= runes.Length && m.Unify(m.A[2], Cell.Int(runes[k - 1].Value));
        });
        Det(db, "number_string", 2, m =>
        {
            var s = TextOrNull(m, m.A[1]);
            if (s is null) return m.Unify(m.A[1], m.MakeString(Text(m, m.A[0])));
            var num = ParseNumber(m, s) ?? throw PrologError.Syntax("illegal_number");
            return m.Unify(m.A[0], num);
        });
        Det(db, "term_to_atom", 2, m =>
        {
            long t = m.Arg(0);
            if (Cell.Tag(t) == Cell.REF || Cell.Tag(m.Arg(1)) != Cell.REF)
            {
                if (Cell.Tag(m.Arg(1)) != Cell.REF) return m.Unify(t, ReadFromText(m, Text(m, m.A[1])));
            }
            return m.Unify(m.A[1], m.MakeAtom(Write(m, t, true)));
        });
        Det(db, "term_string", 2, m =>
        {
            if (Cell.Tag(m.Arg(1)) != Cell.REF) return m.Unify(m.A[0], ReadFromText(m, Text(m, m.A[1], "text")));
            return m.Unify(m.A[1], m.MakeString(Write(m, m.A[0], true)));
        });
        Det(db, "term_to_string", 2, m => m.Unify(m.A[1], m.MakeString(Write(m, m.A[0], true))));
        Det(db, "upcase_atom", 2, m => m.Unify(m.A[1], m.MakeAtom(Text(m, m.A[0], "atomic").ToUpperInvariant())));
        Det(db, "downcase_atom", 2, m => m.Unify(m.A[1], m.MakeAtom(Text(m, m.A[0], "atomic").ToLowerInvariant())));
        Det(db, "string_upper", 2, m => m.Unify(m.A[1], m.MakeString(Text(m, m.A[0], "atomic").ToUpperInvariant())));
        Det(db, "string_lower", 2, m => m.Unify(m.A[1], m.MakeString(Text(m, m.A[0], "atomic").ToLowerInvariant())));
        Nondet(db, "string_concat", 3, (m, st) => ConcatText(m, st, atom: false));
        Det(db, "string", 1, m => m.IsString(m.Arg(0)));
        Det(db, "text_concat", 3, m => m.Unify(m.A[2], m.MakeAtom(Concat(Text(m, m.A[0]), Text(m, m.A[1])))));
        Nondet(db, "atom_concat", 3, (m, st) => ConcatText(m, st, atom: true));
        Nondet(db, "sub_atom", 5, (m, st) => SubText(m, st, atom: true));
        Nondet(db, "sub_string", 5, (m, st) => SubText(m, st, atom: false));
        Det(db, "atomic_list_concat", 2, m => m.Unify(m.A[1], m.MakeAtom(JoinList(m, m.A[0], ""))));
        Det(db, "atomic_list_concat", 3, m =>
        {
            string sep = Text(m, m.A[1]);
            var items = m.ListToCells(m.A[0]);
            bool ground = items is not null && items.All(x => Cell.Tag(m.Deref(x)) != Cell.REF);
            if (ground) return m.Unify(m.A[2], m.MakeAtom(JoinList(m, m.A[0], sep)));
            if (sep.Length == 0) throw PrologError.Domain("non_empty_atom", m.ToTerm(m.A[1]));
            string whole = Text(m, m.A[2]);
            var parts = whole.Split(sep);
            var cells = new long[parts.Length];
            for (int i = 0; i < parts.Length; i++) cells[i] = m.MakeAtom(parts[i]);
            return m.Unify(m.A[0], m.MakeList(cells));
        });
        Det(db, "split_string", 4, m =>
        {
            string s = Text(m, m.A[0], "text"), seps = Text(m, m.A[1]), pad = Text(m, m.A[2]);
            var fields = new List<string>();
            int start = 0;
            for (int i = 0; i <= s.Length; i++)
            {
                if (i == s.Length || seps.Contains(s[i]))
                {
                    fields.Add(s[start..i].Trim(pad.ToCharArray()));
                    start = i + 1;
                }
            }
            var cells = new long[fields.Count];
            for (int i = 0; i < cells.Length; i++) cells[i] = m.MakeString(fields[i]);
            return m.Unify(m.A[3], m.MakeList(cells));
        });
        Det(db, "sformat", 3, m => m.Unify(m.A[0], m.MakeString(Format(m, m.A[1], m.A[2]))));
        Det(db, "format", 1, m => FormatOut(m, m.A[0], Cell.Nil));
        Det(db, "format", 2, m => FormatOut(m, m.A[0], m.A[1]));
        Det(db, "format", 3, m => FormatTo(m, m.A[0], Format(m, m.A[1], m.A[2])));
        Det(db, "write", 1, m => { Emit(m, Write(m, m.A[0], false)); return true; });
        Det(db, "print", 1, m => { Emit(m, Write(m, m.A[0], true)); return true; });
        Det(db, "writeln", 1, m => { Emit(m, Write(m, m.A[0], false) + "\n"); return true; });
        Det(db, "writeq", 1, m => { Emit(m, Write(m, m.A[0], true)); return true; });
        Det(db, "write_canonical", 1, m => { Emit(m, WriteCanonical(m, m.A[0])); return true; });
        Det(db, "write", 2, m => FormatTo(m, m.A[0], Write(m, m.A[1], false)));
        Det(db, "writeln", 2, m => FormatTo(m, m.A[0], Write(m, m.A[1], false) + "\n"));
        Det(db, "writeq", 2, m => FormatTo(m, m.A[0], Write(m, m.A[1], true)));
        Det(db, "nl", 0, m => { Emit(m, "\n"); return true; });
        Det(db, "nl", 1, m => FormatTo(m, m.A[0], "\n"));
        Det(db, "tab", 1, m =>
        {
            Emit(m, Spaces(m, m.A[0]));
            return true;
        });
        Det(db, "tab", 2, m => FormatTo(m, m.A[0], Spaces(m, m.A[1])));
        Det(db, "with_output_to", 2, WithOutputTo);
        Det(db, "read_term_from_atom", 3, m => m.Unify(m.A[1], ReadFromText(m, Text(m, m.A[0]))));
        Det(db, "atom_to_term", 3, m =>
        {
            string text = Text(m, m.A[0]);
            ReadResult r;
            try { r = new TermReader(text, m.Db.Ops, new ReaderOptions { GoalSugar = true, DoubleQuotes = m.Db.DoubleQuotes }).ReadSingle(); }
            catch (SyntaxErrorException e) { throw PrologError.Syntax(e.Reason); }
            var vars = new Dictionary<Variable, long>(ReferenceEqualityComparer.Instance);
            long t = m.FromTerm(r.Term, vars);
            var pairs = new List<long>();
            foreach (var (name, v) in r.VariableNames)
                pairs.Add(m.MakeStruct(Symbols.Functor("=", 2), m.MakeAtom(name), vars.TryGetValue(v, out var c) ? c : m.NewVar()));
            return m.Unify(m.A[1], t) && m.Unify(m.A[2], m.MakeList(pairs));
        });
        Det(db, "char_type", 2, m => CharType(m));
        Det(db, "code_type", 2, m => CharType(m));
    }

    /// <summary>The spaces tab/1,2 write: as many as the integer expression says.</summary>
    private static string Spaces(Machine m, long expr)
    {
        var n = m.EvalHeap(expr);
        if (n.Kind != 0) throw PrologError.Type("integer", new Float(n.D));
        return new string(' ', (int)Math.Clamp(n.I, 0, 100_000));
    }

    private static string Concat(string a, string b)
    {
        if ((long)a.Length + b.Length > MaxTextLength) throw PrologError.Resource("text_length");
        return a + b;
    }

    private static long ReadFromText(Machine m, string text)
    {
        try
        {
            return m.FromTerm(TermReader.ParseTerm(text, m.Db.Ops, new ReaderOptions { GoalSugar = true, DoubleQuotes = m.Db.DoubleQuotes }));
        }
        catch (SyntaxErrorException e)
        {
            throw PrologError.Syntax(e.Reason);
        }
    }

    /// <summary>
    /// atom_codes/2, atom_chars/2, string_codes/2, string_chars/2 and atom_string/2: text to list (or string) when the
    /// first argument is bound, else the text of the second. <paramref name="anyText"/>: the second argument may be
    /// any text (atom_string/2), not only a list or a string.
    /// </summary>
    private static bool TextConv(Machine m, Func<string, long> make, bool toAtom, bool anyText = false)
    {
        long first = m.Arg(0);
        if (Cell.Tag(first) != Cell.REF)
        {
            string s = m.TextOf(first) ?? throw PrologError.Type(toAtom ? "atom" : "string", m.ToTerm(first));
            return m.Unify(m.A[1], make(s));
        }
        long l = m.Arg(1);
        if (Cell.Tag(l) == Cell.REF) throw PrologError.Instantiation();
        string text = anyText && Cell.Tag(l) != Cell.LST
            ? m.TextOf(l) ?? throw PrologError.Type(toAtom ? "string" : "atom", m.ToTerm(l))
            : ListText(m, l);
        return m.Unify(first, toAtom ? m.MakeAtom(text) : m.MakeString(text));
    }

    /// <summary>
    /// The text of a code or character list (or a string), with the errors SWI-Prolog gives: a partial list or an
    /// unbound element is an instantiation error, anything but a list a type error (list); the first element decides
    /// between codes and characters, and an element of the other kind is a type error (character_code or character).
    /// </summary>
    internal static string ListText(Machine m, long l)
    {
        long whole = m.Deref(l);
        if (Cell.Tag(whole) == Cell.REF) throw PrologError.Instantiation();
        if (m.IsString(whole)) return m.TextOf(whole)!;
        var sb = new StringBuilder();
        int mode = 0; // 1 codes, 2 chars
        long c = whole, budget = m.WalkBudget;
        while (true)
        {
            m.Poll();
            if (--budget < 0) budget = m.RequireAcyclic(whole);
            if (Cell.Tag(c) == Cell.REF) throw PrologError.Instantiation();
            if (c == Cell.Nil) return sb.ToString();
            if (Cell.Tag(c) != Cell.LST) throw PrologError.Type("list", m.ToTerm(whole));
            int p = Cell.Addr(c);
            long e = m.Deref(m.Heap[p]);
            if (Cell.Tag(e) == Cell.REF) throw PrologError.Instantiation();
            if (mode == 0) mode = IsCode(e) ? 1 : IsChar(m, e) ? 2 : 0;
            if (mode == 1)
            {
                if (!IsCode(e)) throw PrologError.Type("character_code", m.ToTerm(e));
                sb.Append(char.ConvertFromUtf32((int)Cell.Val(e)));
            }
            else if (mode == 2)
            {
                if (!IsChar(m, e)) throw PrologError.Type("character", m.ToTerm(e));
                sb.Append(m.AtomText(e));
            }
            else throw PrologError.Type("character_code", m.ToTerm(e));
            if (sb.Length > MaxTextLength) throw PrologError.Resource("text_length");
            c = m.Deref(m.Heap[p + 1]);
        }
    }

    /// <summary>A character code: an integer naming a Unicode scalar value.</summary>
    private static bool IsCode(long e) =>
        Cell.Tag(e) == Cell.INT && Cell.Val(e) is >= 0 and <= 0x10FFFF && !(Cell.Val(e) is >= 0xD800 and <= 0xDFFF);

    /// <summary>A character: an atom of one Unicode scalar value.</summary>
    private static bool IsChar(Machine m, long e)
    {
        if (Cell.Tag(e) != Cell.ATM || e == Cell.Nil) return false;
        string s = m.AtomText(e);
        return s.Length == 1 ? !char.IsSurrogate(s[0]) : s.Length == 2 && char.IsSurrogatePair(s, 0);
    }

    private static bool NumberConv(Machine m, Func<string, long> make)
    {
        long n = m.Arg(0);
        long l = m.Arg(1);
        if (Cell.Tag(n) != Cell.REF && !m.IsNumber(n)) throw PrologError.Type("number", m.ToTerm(n));
        if (Cell.Tag(n) == Cell.REF || IsGroundList(m, l))
        {
            string s = ListText(m, l);
            var num = ParseNumber(m, s, leadingLayoutOnly: true) ?? throw PrologError.Syntax("illegal_number");
            return m.Unify(n, num);
        }
        return m.Unify(l, make(m.TextOf(n)!));
    }

    /// <summary>A list whose tail is unbound.</summary>
    private static bool IsPartialList(Machine m, long l)
    {
        l = m.Deref(l);
        while (Cell.Tag(l) == Cell.LST) l = m.Deref(m.Heap[Cell.Addr(l) + 1]);
        return Cell.Tag(l) == Cell.REF;
    }

    /// <summary>A proper list whose elements are all bound (or a string): number_codes/2 then parses it.</summary>
    private static bool IsGroundList(Machine m, long l)
    {
        l = m.Deref(l);
        if (m.IsString(l)) return true;
        while (Cell.Tag(l) == Cell.LST)
        {
            if (Cell.Tag(m.Deref(m.Heap[Cell.Addr(l)])) == Cell.REF) return false;
            l = m.Deref(m.Heap[Cell.Addr(l) + 1]);
        }
        return l == Cell.Nil;
    }

    private static string JoinList(Machine m, long list, string sep)
    {
        var items = m.ListToCells(list) ?? throw (IsPartialList(m, list) ? PrologError.Instantiation() : PrologError.Type("list", m.ToTerm(list)));
        var sb = new StringBuilder();
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(sep);
            sb.Append(Text(m, items[i], "atomic"));
            if (sb.Length > MaxTextLength) throw PrologError.Resource("text_length");
        }
        return sb.ToString();
    }

    private sealed class SplitState : IHeapFreeState { public required string Whole; public int Next; public bool Atom; }

    private static bool ConcatText(Machine m, object? state, bool atom)
    {
        Func<string, long> make = atom ? m.MakeAtom : m.MakeString;
        if (state is null)
        {
            var a = TextOrNull(m, m.A[0]);
            var b = TextOrNull(m, m.A[1]);
            if (a is not null && b is not null) return m.Unify(m.A[2], make(Concat(a, b)));
            string whole = Text(m, m.A[2], "atomic");
            if (a is not null) return whole.StartsWith(a, StringComparison.Ordinal) && m.Unify(m.A[1], make(whole[a.Length..]));
            if (b is not null) return whole.EndsWith(b, StringComparison.Ordinal) && m.Unify(m.A[0], make(whole[..^b.Length]));
            state = new SplitState { Whole = whole, Atom = atom };
        }
        var st = (SplitState)state;
        int k = st.Next++;
        if (st.Next <= st.Whole.Length) m.PushRedo(st.Atom ? s_atomConcat : s_stringConcat, st, 3);
        return m.Unify(m.A[0], make(st.Whole[..k])) && m.Unify(m.A[1], make(st.Whole[k..]));
    }

    private static readonly NondetBuiltin s_atomConcat = (m, st) => ConcatText(m, st, true);
    private static readonly NondetBuiltin s_stringConcat = (m, st) => ConcatText(m, st, false);

    private sealed class SubState : IHeapFreeState { public required string S; public int B, L; public bool Atom; }

    private static bool SubText(Machine m, object? state, bool atom)
    {
        Func<string, long> make = atom ? m.MakeAtom : m.MakeString;
        if (state is null)
        {
            string s = Text(m, m.A[0]);
            long bC = m.Arg(1), lC = m.Arg(2), aC = m.Arg(3);
            foreach (long n in (ReadOnlySpan<long>)[bC, lC, aC])
            {
                if (Cell.Tag(n) == Cell.REF) continue;
                if (!m.IsInteger(n)) throw PrologError.Type("integer", m.ToTerm(n));
                if (Cell.Tag(n) == Cell.INT ? Cell.Val(n) < 0 : Machine.AsBig(m.NumOf(n)).Sign < 0) throw PrologError.Domain("not_less_than_zero", m.ToTerm(n));
            }
            if (m.IsCompound(m.Arg(4))) throw PrologError.Type(atom ? "atom" : "string", m.ToTerm(m.Arg(4)));
            var sub = TextOrNull(m, m.A[4]);
            if (sub is not null)
            {
                // enumerate occurrences of a known substring
                var st0 = new SubState { S = s, B = 0, L = sub.Length, Atom = atom };
                return SubKnown(m, st0, sub);
            }
            if (Cell.Tag(bC) == Cell.INT && Cell.Tag(lC) == Cell.INT)
            {
                long b = Cell.Val(bC), l = Cell.Val(lC);
                if (b < 0 || l < 0 || b + l > s.Length) return false;
                return m.Unify(aC, Cell.Int(s.Length - b - l)) && m.Unify(m.A[4], make(s.Substring((int)b, (int)l)));
            }
            if (Cell.Tag(bC) == Cell.INT && Cell.Tag(aC) == Cell.INT)
            {
                long b = Cell.Val(bC), a = Cell.Val(aC);
                long l = s.Length - b - a;
                if (b < 0 || a < 0 || l < 0) return false;
                return m.Unify(lC, Cell.Int(l)) && m.Unify(m.A[4], make(s.Substring((int)b, (int)l)));
            }
            if (Cell.Tag(lC) == Cell.INT && Cell.Tag(aC) == Cell.INT)
            {
                long l = Cell.Val(lC), a = Cell.Val(aC);
                long b = s.Length - l - a;
                if (b < 0 || a < 0 || l < 0) return false;
                return m.Unify(bC, Cell.Int(b)) && m.Unify(m.A[4], make(s.Substring((int)b, (int)l)));
            }
            state = new SubState { S = s, B = 0, L = 0, Atom = atom };
        }
        var st = (SubState)state;
        while (st.B <= st.S.Length)
        {
            int b = st.B, l = st.L;
            if (b + l > st.S.Length)
            {
                st.B++;
                st.L = 0;
                continue;
            }
            st.L++;
            m.PushRedo(st.Atom ? s_subAtom : s_subString, st, 5);
            if (m.Unify(m.A[1], Cell.Int(b)) && m.Unify(m.A[2], Cell.Int(l)) && m.Unify(m.A[3], Cell.Int(st.S.Length - b - l))
                && m.Unify(m.A[4], make(st.S.Substring(b, l))))
                return true;
            return false;
        }
        return false;
    }

    private static bool SubKnown(Machine m, SubState st, string sub)
    {
        while (true)
        {
            int at = st.S.IndexOf(sub, st.B, StringComparison.Ordinal);
            if (at < 0) return false;
            st.B = at + 1;
            var next = new SubState { S = st.S, B = at + 1, L = sub.Length, Atom = st.Atom };
            m.PushRedo((mm, s) => SubKnown(mm, (SubState)s!, sub), next, 5);
            return m.Unify(m.A[1], Cell.Int(at)) && m.Unify(m.A[2], Cell.Int(sub.Length)) && m.Unify(m.A[3], Cell.Int(st.S.Length - at - sub.Length));
        }
    }

    private static readonly NondetBuiltin s_subAtom = (m, st) => SubText(m, st, true);
    private static readonly NondetBuiltin s_subString = (m, st) => SubText(m, st, false);

    private static bool CharType(Machine m)
    {
        long c = m.Arg(0);
        if (Cell.Tag(c) == Cell.REF) throw PrologError.Instantiation();
        int code;
        if (Cell.Tag(c) == Cell.INT) code = (int)Cell.Val(c);
        else
        {
            string s = Text(m, c);
            if (s.Length == 0) return false;
            code = char.ConvertToUtf32(s, 0);
        }
        long t = m.Arg(1);
        if (Cell.Tag(t) == Cell.REF) throw PrologError.Instantiation();
        string ch = char.ConvertFromUtf32(code);
        bool letter = char.IsLetter(ch, 0), digit = char.IsDigit(ch, 0);
        if (Cell.Tag(t) == Cell.ATM)
        {
            return m.AtomText(t) switch
            {
                "alpha" => letter || digit || ch == "_",
                "alnum" => letter || digit,
                "digit" => digit,
                "space" or "white" => char.IsWhiteSpace(ch, 0),
                "upper" => char.IsUpper(ch, 0),
                "lower" => char.IsLower(ch, 0),
                "punct" => char.IsPunctuation(ch, 0) || char.IsSymbol(ch, 0),
                "csym" => letter || digit || ch == "_",
                "csymf" => letter || ch == "_",
                "graph" => !char.IsWhiteSpace(ch, 0) && !char.IsControl(ch, 0),
                "end_of_line" => ch is "\n" or "\r",
                _ => false,
            };
        }
        if (Cell.Tag(t) == Cell.STR)
        {
            int f = (int)Cell.Val(m.Heap[Cell.Addr(t)]);
            string name = Symbols.FunctorName(f);
            long arg = m.Heap[Cell.Addr(t) + 1];
            switch (name)
            {
                case "digit":
                    return digit && m.Unify(arg, Cell.Int(code - '0'));
                case "to_lower":
                    return m.Unify(arg, Cell.Tag(c) == Cell.INT ? Cell.Int(char.ToLowerInvariant((char)code)) : m.MakeAtom(ch.ToLowerInvariant()));
                case "to_upper":
                    return m.Unify(arg, Cell.Tag(c) == Cell.INT ? Cell.Int(char.ToUpperInvariant((char)code)) : m.MakeAtom(ch.ToUpperInvariant()));
                case "upper":
                    return char.IsUpper(ch, 0) && m.Unify(arg, Cell.Tag(c) == Cell.INT ? Cell.Int(char.ToLowerInvariant((char)code)) : m.MakeAtom(ch.ToLowerInvariant()));
                case "lower":
                    return char.IsLower(ch, 0) && m.Unify(arg, Cell.Tag(c) == Cell.INT ? Cell.Int(char.ToUpperInvariant((char)code)) : m.MakeAtom(ch.ToUpperInvariant()));
            }
        }
        return false;
    }

}
