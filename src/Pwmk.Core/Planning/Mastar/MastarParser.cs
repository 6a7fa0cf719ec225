namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// Reads an mA* problem (the language of the EFP and deep planners; see
/// <c>data/epistemic/SEMANTICS.md</c>). Statements end in <c>;</c>. Declarations (<c>fluent</c>,
/// <c>action</c>, <c>agent</c>) are read first wherever they stand, so uses may precede them.
/// Formula grammar: <c>|</c> binds looser than <c>,</c>; belief formulas are <c>B(ag, F)</c>,
/// <c>C([ag,..], F)</c>, <c>E([..], F)</c>, <c>D([..], F)</c>; negation of a formula is written
/// <c>(-F)</c>, of a fluent <c>-f</c>. As in the reference parser, once a fluent formula is followed by
/// <c>,</c> or <c>|</c> the rest of that formula level is fluent-only, where <c>(-g, h)</c> means
/// <c>(not g) and h</c> (elsewhere it means <c>not (g and h)</c>).
/// </summary>
internal sealed class MastarParser
{
    public const int MaxFormulaDepth = 128;
    public const int MaxFluents = 64;

    private readonly string _source;
    private readonly List<MastarToken> _tokens;
    private int _pos;
    private int _end;
    private int _depth;

    private readonly FormulaTable _table;
    private readonly List<string> _fluents = [];
    private readonly Dictionary<string, int> _fluentIndex = new(StringComparer.Ordinal);
    private readonly List<string> _agents = [];
    private readonly Dictionary<string, int> _agentIndex = new(StringComparer.Ordinal);
    private readonly List<string> _actionNames = [];
    private readonly Dictionary<string, int> _actionIndex = new(StringComparer.Ordinal);

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "fluent", "action", "agent", "if", "causes", "executable", "determines", "announces",
        "observes", "aware_of", "initially", "goal",
    };

    private readonly bool _factored = true;

    private MastarParser(string text, string source, FormulaTable? table = null, bool factored = true)
    {
        _factored = factored;
        _source = source;
        _tokens = MastarLexer.Tokenize(text, source);
        _table = table ?? new FormulaTable();
    }

    /// <summary>Parses a problem; with <paramref name="factored"/> false its states are kept whole (one part), to check the parts against.</summary>
    public static MastarProblem Parse(string text, string source, bool factored = true)
    {
        var p = new MastarParser(text, source, factored: factored);
        return p.ParseProblem();
    }

    /// <summary>Parses one formula over the symbols of <paramref name="problem"/> (used by tests and tools).</summary>
    public static MastarFormula ParseFormula(MastarProblem problem, string text)
    {
        var p = new MastarParser(text, "formula", problem.Table);
        for (var i = 0; i < problem.Fluents.Count; i++)
        {
            p._fluentIndex[problem.Fluents[i]] = i;
        }
        for (var i = 0; i < problem.Agents.Count; i++)
        {
            p._agentIndex[problem.Agents[i]] = i;
        }
        p.Reset(0, p._tokens.Count - 1);
        var f = p.ParseFormula();
        p.ExpectEnd();
        return f;
    }

    private MastarProblem ParseProblem()
    {
        var statements = SplitStatements();
        // Pass 1: declarations.
        foreach (var (start, end) in statements)
        {
            var head = _tokens[start];
            if (head.Kind != TokenKind.Name || head.Text is not ("fluent" or "action" or "agent"))
            {
                continue;
            }
            var (list, index, what) = head.Text switch
            {
                "fluent" => (_fluents, _fluentIndex, "fluent"),
                "action" => (_actionNames, _actionIndex, "action"),
                _ => (_agents, _agentIndex, "agent"),
            };
            Reset(start + 1, end);
            do
            {
                var t = ExpectName(what);
                if (Reserved.Contains(t.Text) || t.Text is "B" or "C" or "E" or "D")
                {
                    throw Error(t, $"'{t.Text}' is reserved and cannot name a {what}");
                }
                if (index.TryAdd(t.Text, list.Count))
                {
                    list.Add(t.Text);
                }
            }
            while (Accept(","));
            ExpectEnd();
        }
        if (_fluents.Count > MaxFluents)
        {
            throw Error(_tokens[0], $"{_fluents.Count} fluents declared; at most {MaxFluents} are supported");
        }
        if (_agents.Count == 0)
        {
            throw Error(_tokens[^1], "no agent declared (expected 'agent a, b;')");
        }
        var actions = _actionNames.Select(n => new MastarAction(n, _agents.Count)).ToArray();
        var initially = new List<(MastarFormula, MastarToken)>();
        var goals = new List<MastarFormula>();
        // Pass 2: propositions, initially, goal.
        foreach (var (start, end) in statements)
        {
            var head = _tokens[start];
            Reset(start + 1, end);
            if (head.Kind != TokenKind.Name)
            {
                throw Error(head, $"a statement cannot start with '{head.Text}'");
            }
            switch (head.Text)
            {
                case "fluent" or "action" or "agent":
                    break;
                case "executable":
                    {
                        var a = actions[ActionRef()];
                        a.Preconditions.Add(OptionalIf());
                        ExpectEnd();
                        break;
                    }
                case "initially":
                    initially.Add((ParseFormula(), head));
                    ExpectEnd();
                    break;
                case "goal":
                    goals.Add(ParseFormula());
                    ExpectEnd();
                    break;
                default:
                    ParseProposition(head, actions);
                    break;
            }
        }
        if (goals.Count == 0)
        {
            throw Error(_tokens[^1], "no goal given (expected a line such as 'goal B(a, p);')");
        }
        var goal = _table.And(goals);
        return MastarInitialBuilder.Build(_source, _table, _fluents, _agents, actions, initially, goal, factored: _factored);
    }

    private void ParseProposition(MastarToken head, MastarAction[] actions)
    {
        _pos--; // re-read the head name
        var subject = Next();
        var verb = ExpectName("'causes', 'determines', 'announces', 'observes' or 'aware_of'");
        switch (verb.Text)
        {
            case "causes" or "determines" or "announces":
                {
                    if (!_actionIndex.TryGetValue(subject.Text, out var ai))
                    {
                        throw Error(subject, $"undeclared action '{subject.Text}'");
                    }
                    var a = actions[ai];
                    var type = verb.Text switch
                    {
                        "causes" => ActionType.Ontic,
                        "determines" => ActionType.Sensing,
                        _ => ActionType.Announcement,
                    };
                    if (a.Type != ActionType.None && a.Type != type)
                    {
                        throw Error(verb, $"action '{a.Name}' already has effects of another type (an action has one type)");
                    }
                    a.Type = type;
                    if (type == ActionType.Ontic)
                    {
                        ulong set = 0, clear = 0;
                        do
                        {
                            var negative = Accept("-");
                            var t = Peek();
                            var f = FluentRef();
                            var bit = 1UL << f;
                            if (negative)
                            {
                                clear |= bit;
                            }
                            else
                            {
                                set |= bit;
                            }
                            if ((set & clear) != 0)
                            {
                                throw Error(t, $"'{_fluents[f]}' both made true and false by one effect");
                            }
                        }
                        while (Accept(","));
                        a.OnticEffects.Add(new OnticEffect(OptionalIf(), set, clear));
                    }
                    else
                    {
                        var t = Peek();
                        var phi = ParseFormula(stopAtIf: true);
                        if (!phi.IsFluent)
                        {
                            throw Error(t, $"'{verb.Text}' takes a fluent formula, not a belief formula");
                        }
                        a.EpistemicEffects.Add(new EpistemicEffect(OptionalIf(), phi));
                    }
                    ExpectEnd();
                    break;
                }
            case "observes" or "aware_of":
                {
                    if (!_agentIndex.TryGetValue(subject.Text, out var ag))
                    {
                        throw Error(subject, $"undeclared agent '{subject.Text}'");
                    }
                    var a = actions[ActionRef()];
                    (verb.Text == "observes" ? a.Observes : a.Aware)[ag].Add(OptionalIf());
                    ExpectEnd();
                    break;
                }
            default:
                throw Error(verb, $"expected 'causes', 'determines', 'announces', 'observes' or 'aware_of' after '{subject.Text}', found '{verb.Text}'");
        }
    }

    // ---- formulas ----

    private MastarFormula ParseFormula(bool stopAtIf = false)
    {
        _stopAtIf = stopAtIf;
        return ParseOr(fluentOnly: false);
    }

    private bool _stopAtIf;

    private MastarFormula ParseOr(bool fluentOnly)
    {
        var parts = new List<MastarFormula>();
        parts.Add(ParseAnd(ref fluentOnly, out var lastFluent));
        while (Accept("|"))
        {
            fluentOnly |= lastFluent;
            parts.Add(ParseAnd(ref fluentOnly, out lastFluent));
        }
        return _table.Or(parts);
    }

    // lastFluent: the last unit read was a fluent formula in the reference grammar's sense
    // (a literal or a parenthesised fluent formula; (-F) counts as a belief formula).
    private MastarFormula ParseAnd(ref bool fluentOnly, out bool lastFluent)
    {
        var parts = new List<MastarFormula> { ParseUnary(fluentOnly, out lastFluent) };
        while (Accept(","))
        {
            fluentOnly |= lastFluent;
            parts.Add(ParseUnary(fluentOnly, out lastFluent));
        }
        return _table.And(parts);
    }

    private MastarFormula ParseUnary(bool fluentOnly, out bool syntacticFluent)
    {
        var t = Peek();
        syntacticFluent = true;
        if (++_depth > MaxFormulaDepth)
        {
            throw Error(t, $"formula nested deeper than {MaxFormulaDepth}");
        }
        try
        {
            if (t.Kind == TokenKind.Punct && t.Text == "-")
            {
                Next();
                var n = Peek();
                if (n.Kind == TokenKind.Name && n.Text is "B" or "C" or "E" or "D" && PeekAt(1).Text == "(")
                {
                    throw Error(t, $"negation of a belief formula must be written (-{n.Text}(...)), not -{n.Text}(...)");
                }
                return _table.Literal(FluentRef(), false);
            }
            if (t.Kind == TokenKind.Punct && t.Text == "(")
            {
                Next();
                MastarFormula inner;
                if (!fluentOnly && Peek().Text == "-" && Peek().Kind == TokenKind.Punct)
                {
                    Next();
                    inner = _table.Not(ParseOr(fluentOnly: false));
                    syntacticFluent = false;
                }
                else
                {
                    inner = ParseOr(fluentOnly);
                    syntacticFluent = inner.IsFluent;
                }
                Expect(")");
                return inner;
            }
            if (t.Kind == TokenKind.Name && t.Text is "B" or "C" or "E" or "D" && PeekAt(1).Text == "(")
            {
                if (fluentOnly)
                {
                    throw Error(t, $"belief formula {t.Text}(...) after a fluent formula joined by ',' or '|' (mA* reads the rest as fluent-only): put belief formulas first");
                }
                Next();
                Expect("(");
                syntacticFluent = false;
                int[] agents;
                if (t.Text == "B")
                {
                    agents = [AgentRef()];
                }
                else
                {
                    Expect("[");
                    var list = new List<int> { AgentRef() };
                    while (Accept(","))
                    {
                        list.Add(AgentRef());
                    }
                    Expect("]");
                    agents = [.. list];
                }
                Expect(",");
                var inner = ParseOr(fluentOnly: false);
                Expect(")");
                var kind = t.Text switch
                {
                    "B" => FormulaKind.Believes,
                    "C" => FormulaKind.Common,
                    "E" => FormulaKind.Everyone,
                    _ => FormulaKind.Distributed,
                };
                return _table.Modal(kind, agents, inner);
            }
            return _table.Literal(FluentRef(), true);
        }
        finally
        {
            _depth--;
        }
    }

    private MastarFormula OptionalIf()
    {
        if (Peek().Kind == TokenKind.Name && Peek().Text == "if")
        {
            Next();
            return ParseFormula();
        }
        return _table.True;
    }

    // ---- names ----

    private int FluentRef()
    {
        var t = Peek();
        if (t.Kind != TokenKind.Name || (_stopAtIf && t.Text == "if"))
        {
            throw Error(t, $"expected a fluent, found '{t.Text}'");
        }
        Next();
        if (!_fluentIndex.TryGetValue(t.Text, out var i))
        {
            throw Error(t, $"undeclared fluent '{t.Text}'");
        }
        return i;
    }

    private int AgentRef()
    {
        var t = ExpectName("an agent");
        if (!_agentIndex.TryGetValue(t.Text, out var i))
        {
            throw Error(t, $"undeclared agent '{t.Text}'");
        }
        return i;
    }

    private int ActionRef()
    {
        var t = ExpectName("an action");
        if (!_actionIndex.TryGetValue(t.Text, out var i))
        {
            throw Error(t, $"undeclared action '{t.Text}'");
        }
        return i;
    }

    // ---- token plumbing ----

    private List<(int Start, int End)> SplitStatements()
    {
        var result = new List<(int, int)>();
        var start = 0;
        for (var i = 0; i < _tokens.Count; i++)
        {
            var t = _tokens[i];
            if (t.Kind == TokenKind.End)
            {
                if (i > start)
                {
                    var last = _tokens[i - 1];
                    throw new MastarSyntaxException(_source, last.Line, last.Column + last.Text.Length,
                        $"missing ';' at the end of the statement starting at {_tokens[start].Line}:{_tokens[start].Column}");
                }
                break;
            }
            if (t.Kind == TokenKind.Punct && t.Text == ";")
            {
                if (i == start)
                {
                    throw Error(t, "empty statement");
                }
                result.Add((start, i));
                start = i + 1;
            }
        }
        return result;
    }

    private void Reset(int start, int end)
    {
        _pos = start;
        _end = end;
        _depth = 0;
        _stopAtIf = false;
    }

    private MastarToken Peek() => _pos < _end ? _tokens[_pos] : _tokens[_end] with { Kind = TokenKind.End, Text = "';'" };

    private MastarToken PeekAt(int k) => _pos + k < _end ? _tokens[_pos + k] : _tokens[_end] with { Kind = TokenKind.End, Text = "';'" };

    private MastarToken Next()
    {
        var t = Peek();
        if (_pos < _end)
        {
            _pos++;
        }
        return t;
    }

    private bool Accept(string punct)
    {
        var t = Peek();
        if (t.Kind == TokenKind.Punct && t.Text == punct)
        {
            _pos++;
            return true;
        }
        return false;
    }

    private void Expect(string punct)
    {
        if (!Accept(punct))
        {
            var t = Peek();
            throw Error(t, $"expected '{punct}', found '{t.Text}'");
        }
    }

    private MastarToken ExpectName(string what)
    {
        var t = Peek();
        if (t.Kind != TokenKind.Name)
        {
            throw Error(t, $"expected {what}, found '{t.Text}'");
        }
        return Next();
    }

    private void ExpectEnd()
    {
        if (_pos < _end)
        {
            var t = _tokens[_pos];
            throw Error(t, $"unexpected '{t.Text}' before ';'");
        }
    }

    private MastarSyntaxException Error(MastarToken t, string detail) => new(_source, t.Line, t.Column, detail);
}
