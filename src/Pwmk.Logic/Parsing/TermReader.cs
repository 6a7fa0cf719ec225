using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Parsing;

/// <summary>Options for reading terms.</summary>
public sealed record ReaderOptions
{
    /// <summary>Read <c>A AND B</c>, <c>A OR B</c> and <c>NOT A</c> as <c>(A, B)</c>, <c>(A ; B)</c>, <c>\+ A</c>.</summary>
    public bool GoalSugar { get; init; } = true;

    /// <summary>Largest source text accepted, in characters.</summary>
    public int MaxTextLength { get; init; } = 64 * 1024 * 1024;

    /// <summary>Name shown in error messages (a file name).</summary>
    public string? SourceName { get; init; }

    /// <summary>
    /// What <c>"text"</c> reads as, asked at each string (the <c>double_quotes</c> flag, which a directive may change
    /// between clauses): <c>codes</c>, <c>chars</c>, <c>atom</c>; anything else (and no callback) a string object.
    /// </summary>
    public Func<string>? DoubleQuotes { get; init; }

    public static ReaderOptions Default { get; } = new();
}

/// <summary>One clause or term read from text, with its variable names in order of appearance.</summary>
public sealed record ReadResult(Term Term, IReadOnlyList<KeyValuePair<string, Variable>> VariableNames, int Line, int Column);

/// <summary>
/// Reads Prolog terms as SWI-Prolog does (standard syntax, operators, SWI's leniencies),
/// with an explicit stack so that nesting depth is bounded only by memory.
/// </summary>
public sealed class TermReader
{
    private readonly Lexer _lex;
    private readonly OperatorTable _ops;
    private readonly ReaderOptions _opt;
    private bool _havePeek;
    private Token _peek;

    public TermReader(string text, OperatorTable ops, ReaderOptions? options = null)
    {
        _opt = options ?? ReaderOptions.Default;
        if (text.Length > _opt.MaxTextLength)
            throw new SyntaxErrorException($"text of {text.Length} characters exceeds the limit of {_opt.MaxTextLength}", 1, 1, _opt.SourceName);
        _lex = new Lexer(text) { SourceName = _opt.SourceName };
        _ops = ops;
    }

    /// <summary>Parses a single term; a final period is optional.</summary>
    public static Term ParseTerm(string text, OperatorTable ops, ReaderOptions? options = null)
        => new TermReader(text, ops, options).ReadSingle().Term;

    /// <summary>Reads one term that must make up the whole text (a final period is optional).</summary>
    public ReadResult ReadSingle()
    {
        var r = Read(allowEof: true) ?? throw _lex.ErrorHere("unexpected end of file");
        if (!_lex.AtEnd)
        {
            var t = Next();
            throw _lex.Error("end of clause expected", t.Line, t.Column);
        }
        return r;
    }

    /// <summary>Reads the next clause (ended by a period); null at end of input.</summary>
    public ReadResult? ReadClause() => Read(allowEof: false);

    private Token Next()
    {
        Token t;
        if (_havePeek)
        {
            _havePeek = false;
            t = _peek;
        }
        else t = _lex.Next();
        _consumedEnd = t.Kind is TokenKind.End or TokenKind.EOF;
        return t;
    }

    /// <summary>True when the last token taken ended a clause (a syntax error there must not skip the next clause).</summary>
    private bool _consumedEnd;

    private ref Token PeekTok()
    {
        if (!_havePeek)
        {
            _peek = _lex.Next();
            _havePeek = true;
        }
        return ref _peek;
    }

    private enum Ctx { Top, Prefix, Infix, Args, Paren, List, ListTail, Curly }

    private sealed class Frame
    {
        public Ctx Kind;
        public int OuterMax;
        public bool ArgMode;        // outer arg mode to restore
        public string Name = "";
        public Term? Left;
        public List<Term>? Items;   // kept (empty) when the frame is reused
        public int Line, Column;
        public int Prec;
    }

    // Frames (with their item lists) and the frame stack are reused by the next read on the same thread: a query's
    // text is read on every request, and what it allocates is work for the collector every core shares.
    [ThreadStatic] private static Stack<Frame>? t_spareFrames;
    [ThreadStatic] private static Stack<Frame>? t_spareStack;

    private static Frame NewFrame(Ctx kind, int outerMax, bool argMode = false, int line = 0, int column = 0, string name = "", int prec = 0,
        Term? left = null, bool items = false)
    {
        var f = t_spareFrames is { Count: > 0 } spare ? spare.Pop() : new Frame();
        f.Kind = kind;
        f.OuterMax = outerMax;
        f.ArgMode = argMode;
        f.Line = line;
        f.Column = column;
        f.Name = name;
        f.Prec = prec;
        f.Left = left;
        if (items) f.Items ??= new List<Term>(4);
        return f;
    }

    /// <summary>Gives a finished frame back (what it held is copied into the term by then).</summary>
    private static void Recycle(Frame f)
    {
        f.Left = null;
        f.Name = "";
        if (f.Items is { } items)
        {
            items.Clear();
            if (items.Capacity > 64) f.Items = null;
        }
        var spare = t_spareFrames ??= new Stack<Frame>();
        if (spare.Count < 64) spare.Push(f);
    }

    // the clause's named variables, made at the first one (a ground query makes none)
    private Dictionary<string, Variable>? _vars;
    private List<KeyValuePair<string, Variable>>? _varList;

    private SyntaxErrorException Err(string msg, in Token t) => _lex.Error(msg, t.Line, t.Column);

    private Variable Var(string name)
    {
        if (name == "_") return new Variable("_");
        _vars ??= new Dictionary<string, Variable>(StringComparer.Ordinal);
        _varList ??= [];
        if (!_vars.TryGetValue(name, out var v))
        {
            v = new Variable(name);
            _vars[name] = v;
            _varList.Add(new(name, v));
        }
        return v;
    }

    private bool IsSugar(in Token t, string word) => _opt.GoalSugar && t.Kind == TokenKind.Var && t.Text == word;

    private static bool IsTermStart(in Token t) => t.Kind switch
    {
        TokenKind.Atom or TokenKind.QuotedAtom or TokenKind.Var or TokenKind.Int or TokenKind.Float or TokenKind.Str
            or TokenKind.BackQuoted or TokenKind.Open or TokenKind.OpenCT or TokenKind.OpenList or TokenKind.OpenCurly => true,
        _ => false,
    };

    private ReadResult? Read(bool allowEof)
    {
        _vars = null;
        _varList = null;
        _consumedEnd = false;
        var first = PeekTok();
        if (first.Kind == TokenKind.EOF)
        {
            Next();
            return null;
        }
        var stack = t_spareStack ?? new Stack<Frame>();
        t_spareStack = null;
        stack.Clear();
        stack.Push(NewFrame(Ctx.Top, 1200));
        int maxPrec = 1200;
        bool argMode = false;
        Term? term = null;
        int prec = 0;
        bool expectOperand = true;

        while (true)
        {
            if (expectOperand)
            {
                var t = Next();
                switch (t.Kind)
                {
                    case TokenKind.Int:
                        term = new Integer(t.Int); prec = 0; break;
                    case TokenKind.Float:
                        term = new Float(t.Float); prec = 0; break;
                    case TokenKind.Str:
                        term = DoubleQuoted(t.Text); prec = 0; break;
                    case TokenKind.BackQuoted:
                        {
                            var codes = new List<Term>();
                            foreach (var r in t.Text.EnumerateRunes()) codes.Add(new Integer(r.Value));
                            term = Term.List(codes); prec = 0; break;
                        }
                    case TokenKind.Var:
                        if (IsSugar(t, "NOT"))
                        {
                            if (900 > maxPrec) throw Err("operator priority clash", t);
                            stack.Push(NewFrame(Ctx.Prefix, maxPrec, argMode: argMode, line: t.Line, column: t.Column, name: "\\+", prec: 900));
                            maxPrec = 900;
                            continue;
                        }
                        term = Var(t.Text); prec = 0; break;
                    case TokenKind.Atom:
                    case TokenKind.QuotedAtom:
                        {
                            ref var nx = ref PeekTok();
                            if (nx.Kind == TokenKind.OpenCT)
                            {
                                Next();
                                stack.Push(NewFrame(Ctx.Args, maxPrec, argMode: argMode, line: t.Line, column: t.Column, name: t.Text, items: true));
                                maxPrec = 1200; argMode = true;
                                continue;
                            }
                            if (t.Kind == TokenKind.Atom && t.Text == "-" && !nx.LayoutBefore && (nx.Kind == TokenKind.Int || nx.Kind == TokenKind.Float))
                            {
                                var n = Next();
                                term = n.Kind == TokenKind.Int ? new Integer(-n.Int) : new Float(-n.Float);
                                prec = 0;
                                break;
                            }
                            if (t.Kind == TokenKind.Atom && _ops.TryPrefix(t.Text, out var pdef))
                            {
                                bool asAtom = !IsTermStart(nx) || nx.Kind is TokenKind.End or TokenKind.EOF;
                                if (!asAtom && nx.Kind == TokenKind.Atom && (_ops.TryInfix(nx.Text, out _) || _ops.TryPostfix(nx.Text, out _)) && !_ops.TryPrefix(nx.Text, out _)
                                    && !_lex.AtOpenParen)
                                {
                                    // ("- xor(a)" is -(xor(a)) as in SWI-Prolog: a name followed by "(" is an operand)
                                    // "- = x": the prefix operator is an atom operand, unless the next name is itself an operand start
                                    asAtom = true;
                                }
                                if (!asAtom)
                                {
                                    int p = pdef.Priority;
                                    if (p > maxPrec)
                                    {
                                        if (maxPrec < 999) throw Err("operator priority clash", t);
                                        p = maxPrec;
                                    }
                                    stack.Push(NewFrame(Ctx.Prefix, maxPrec, argMode: argMode, line: t.Line, column: t.Column, name: t.Text, prec: p));
                                    maxPrec = pdef.Type == OperatorType.FY ? p : p - 1;
                                    continue;
                                }
                                term = new Atom(t.Text);
                                prec = 0;
                                break;
                            }
                            term = new Atom(t.Text);
                            prec = 0;
                            break;
                        }
                    case TokenKind.Open:
                    case TokenKind.OpenCT:
                        stack.Push(NewFrame(Ctx.Paren, maxPrec, argMode: argMode, line: t.Line, column: t.Column));
                        maxPrec = 1200; argMode = false;
                        continue;
                    case TokenKind.OpenList:
                        if (PeekTok().Kind == TokenKind.CloseList)
                        {
                            Next();
                            if (PeekTok().Kind == TokenKind.OpenCT)
                            {
                                Next();
                                stack.Push(NewFrame(Ctx.Args, maxPrec, argMode: argMode, line: t.Line, column: t.Column, name: "[]", items: true));
                                maxPrec = 1200; argMode = true;
                                continue;
                            }
                            term = Atom.Nil; prec = 0; break;
                        }
                        stack.Push(NewFrame(Ctx.List, maxPrec, argMode: argMode, line: t.Line, column: t.Column, items: true));
                        maxPrec = 999; argMode = true;
                        continue;
                    case TokenKind.OpenCurly:
                        if (PeekTok().Kind == TokenKind.CloseCurly)
                        {
                            Next();
                            if (PeekTok().Kind == TokenKind.OpenCT)
                            {
                                Next();
                                stack.Push(NewFrame(Ctx.Args, maxPrec, argMode: argMode, line: t.Line, column: t.Column, name: "{}", items: true));
                                maxPrec = 1200; argMode = true;
                                continue;
                            }
                            term = Atom.EmptyBlock; prec = 0; break;
                        }
                        stack.Push(NewFrame(Ctx.Curly, maxPrec, argMode: argMode, line: t.Line, column: t.Column));
                        maxPrec = 1200; argMode = false;
                        continue;
                    case TokenKind.End:
                        throw Err("unexpected end of clause", t);
                    case TokenKind.EOF:
                        throw Err("unexpected end of file", t);
                    case TokenKind.Comma:
                    case TokenKind.Bar:
                        throw Err("operand expected, unquoted comma or bar found", t);
                    default:
                        throw Err("illegal start of term", t);
                }
                expectOperand = false;
                continue;
            }

            // have an operand (term, prec); try to extend it with infix/postfix operators
            ref var nt = ref PeekTok();
            string? infixName = null;
            OperatorDef idef = default;
            bool sugar = false;
            if (nt.Kind == TokenKind.Atom || nt.Kind == TokenKind.QuotedAtom)
            {
                if (_ops.TryInfix(nt.Text, out idef)) infixName = nt.Text;
                else if (_ops.TryPostfix(nt.Text, out var podef) && podef.Priority <= maxPrec && podef.LeftMax >= prec)
                {
                    Next();
                    term = new Compound(nt.Text, term!);
                    prec = podef.Priority;
                    continue;
                }
            }
            else if (nt.Kind == TokenKind.Comma && !argMode)
            {
                infixName = ","; idef = new OperatorDef(1000, OperatorType.XFY);
            }
            else if (nt.Kind == TokenKind.Bar && !argMode)
            {
                infixName = "|"; idef = new OperatorDef(1100, OperatorType.XFY);
            }
            else if (IsSugar(nt, "AND"))
            {
                infixName = ","; idef = new OperatorDef(1000, OperatorType.XFY); sugar = true;
            }
            else if (IsSugar(nt, "OR"))
            {
                infixName = ";"; idef = new OperatorDef(1100, OperatorType.XFY); sugar = true;
            }
            if (infixName is not null && idef.Priority <= maxPrec && idef.LeftMax >= prec)
            {
                var opTok = Next();
                _ = sugar;
                stack.Push(NewFrame(Ctx.Infix, maxPrec, argMode: argMode, line: opTok.Line, column: opTok.Column, name: infixName, left: term));
                maxPrec = idef.RightMax;
                expectOperand = true;
                continue;
            }

            // operand complete for the innermost context
            var f = stack.Peek();
            switch (f.Kind)
            {
                case Ctx.Prefix:
                    stack.Pop();
                    term = new Compound(f.Name, term!);
                    prec = f.Prec;
                    maxPrec = f.OuterMax; argMode = f.ArgMode;
                    Recycle(f);
                    continue;
                case Ctx.Infix:
                    {
                        stack.Pop();
                        _ops.TryInfix(f.Name, out var d);
                        if (f.Name == ",") d = new OperatorDef(1000, OperatorType.XFY);
                        else if (f.Name == ";" && d.Priority == 0) d = new OperatorDef(1100, OperatorType.XFY);
                        else if (f.Name == "|") d = new OperatorDef(1100, OperatorType.XFY);
                        term = new Compound(f.Name, f.Left!, term!);
                        prec = d.Priority;
                        maxPrec = f.OuterMax; argMode = f.ArgMode;
                        Recycle(f);
                        continue;
                    }
                case Ctx.Args:
                    {
                        var t = Next();
                        f.Items!.Add(term!);
                        if (t.Kind == TokenKind.Comma) { maxPrec = 1200; argMode = true; expectOperand = true; continue; }
                        if (t.Kind == TokenKind.Close)
                        {
                            stack.Pop();
                            term = new Compound(f.Name, f.Items.ToArray());
                            prec = 0; maxPrec = f.OuterMax; argMode = f.ArgMode;
                            Recycle(f);
                            continue;
                        }
                        throw Err(t.Kind is TokenKind.End or TokenKind.EOF ? "unbalanced parenthesis: missing )" : "operator expected", t);
                    }
                case Ctx.Paren:
                    {
                        var t = Next();
                        if (t.Kind != TokenKind.Close) throw Err(t.Kind is TokenKind.End or TokenKind.EOF ? "unbalanced parenthesis: missing )" : "operator expected", t);
                        stack.Pop();
                        prec = 0; maxPrec = f.OuterMax; argMode = f.ArgMode;
                        Recycle(f);
                        continue;
                    }
                case Ctx.Curly:
                    {
                        var t = Next();
                        if (t.Kind != TokenKind.CloseCurly) throw Err(t.Kind is TokenKind.End or TokenKind.EOF ? "unbalanced braces: missing }" : "operator expected", t);
                        stack.Pop();
                        term = new Compound("{}", term!);
                        prec = 0; maxPrec = f.OuterMax; argMode = f.ArgMode;
                        Recycle(f);
                        continue;
                    }
                case Ctx.List:
                    {
                        var t = Next();
                        f.Items!.Add(term!);
                        if (t.Kind == TokenKind.Comma) { maxPrec = 999; argMode = true; expectOperand = true; continue; }
                        if (t.Kind == TokenKind.Bar)
                        {
                            f.Kind = Ctx.ListTail;
                            maxPrec = 999; argMode = true; expectOperand = true;
                            continue;
                        }
                        if (t.Kind == TokenKind.CloseList)
                        {
                            stack.Pop();
                            term = Term.List(f.Items);
                            prec = 0; maxPrec = f.OuterMax; argMode = f.ArgMode;
                            Recycle(f);
                            continue;
                        }
                        throw Err(t.Kind is TokenKind.End or TokenKind.EOF ? "unbalanced brackets: missing ]" : "operator expected", t);
                    }
                case Ctx.ListTail:
                    {
                        var t = Next();
                        if (t.Kind != TokenKind.CloseList) throw Err(t.Kind is TokenKind.End or TokenKind.EOF ? "unbalanced brackets: missing ]" : "operator expected", t);
                        stack.Pop();
                        term = Term.List(f.Items!, term);
                        prec = 0; maxPrec = f.OuterMax; argMode = f.ArgMode;
                        Recycle(f);
                        continue;
                    }
                case Ctx.Top:
                    {
                        var t = Next();
                        if (t.Kind == TokenKind.End || (allowEof && t.Kind == TokenKind.EOF))
                        {
                            Recycle(stack.Pop());
                            t_spareStack = stack;
                            return new ReadResult(term!, _varList ?? (IReadOnlyList<KeyValuePair<string, Variable>>)[], first.Line, first.Column);
                        }
                        if (t.Kind == TokenKind.EOF) throw Err("unexpected end of file (missing period)", t);
                        if (infixName is not null) throw Err("operator priority clash", t);
                        throw Err(t.Kind is TokenKind.Close or TokenKind.CloseList or TokenKind.CloseCurly ? "illegal start of term (unbalanced closing bracket)" : "operator expected", t);
                    }
            }
        }
    }

    private Term DoubleQuoted(string text) => _opt.DoubleQuotes?.Invoke() switch
    {
        "codes" => Term.List(text.EnumerateRunes().Select(r => (Term)new Integer(r.Value)).ToList()),
        "chars" => Term.List(text.EnumerateRunes().Select(r => (Term)new Atom(r.ToString())).ToList()),
        "atom" => new Atom(text),
        _ => new StringTerm(text),
    };

    /// <summary>Skips to just after the next clause end, for error recovery while consulting.</summary>
    public void SkipToClauseEnd()
    {
        // the error was found at the end of the clause: the next clause starts right after it
        if (_havePeek ? _peek.Kind is TokenKind.End or TokenKind.EOF : _consumedEnd)
        {
            _havePeek = false;
            _consumedEnd = false;
            return;
        }
        _havePeek = false;
        while (true)
        {
            Token t;
            try { t = _lex.Next(); }
            catch (SyntaxErrorException) { _lex.SkipChar(); continue; }
            if (t.Kind is TokenKind.End or TokenKind.EOF) return;
        }
    }
}
