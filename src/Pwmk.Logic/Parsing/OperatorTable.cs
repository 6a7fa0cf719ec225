namespace Pwmk.Logic.Parsing;

/// <summary>Operator types as in ISO Prolog.</summary>
public enum OperatorType { XFX, XFY, YFX, FY, FX, XF, YF }

/// <summary>One operator definition.</summary>
public readonly record struct OperatorDef(int Priority, OperatorType Type)
{
    /// <summary>Maximum priority of the left argument (infix and postfix).</summary>
    public int LeftMax => Type is OperatorType.YFX or OperatorType.YF ? Priority : Priority - 1;

    /// <summary>Maximum priority of the right argument (infix and prefix).</summary>
    public int RightMax => Type is OperatorType.XFY or OperatorType.FY ? Priority : Priority - 1;

    internal bool IsPrefix => Type is OperatorType.FY or OperatorType.FX;
    internal bool IsPostfix => Type is OperatorType.XF or OperatorType.YF;
}

/// <summary>
/// The operator table used for reading and writing terms. Starts as SWI-Prolog's default
/// table; <c>op/3</c> changes it. Thread-safe: a change replaces the definitions of its kind whole, so readers (which
/// take no lock) see each lookup before or after it, never half of it; changes are serialised.
/// </summary>
public sealed class OperatorTable
{
    private volatile Dictionary<string, OperatorDef> _prefix = new(StringComparer.Ordinal);
    private volatile Dictionary<string, OperatorDef> _infix = new(StringComparer.Ordinal);
    private volatile Dictionary<string, OperatorDef> _postfix = new(StringComparer.Ordinal);
    private readonly object _change = new();

    /// <summary>A shared, read-only default table.</summary>
    public static OperatorTable Default { get; } = CreateDefault();

    /// <summary>Creates a fresh table holding SWI-Prolog's default operators.</summary>
    public static OperatorTable CreateDefault()
    {
        var t = new OperatorTable();
        void Add(int p, OperatorType ty, params string[] names) { foreach (var n in names) t.Set(n, p, ty); }
        // exactly the table of SWI-Prolog 9 (current_op/3 in a fresh swipl)
        Add(1200, OperatorType.XFX, ":-", "-->", "=>");
        Add(1200, OperatorType.FX, ":-", "?-");
        Add(1100, OperatorType.XFY, ";", "|");
        Add(1105, OperatorType.XFY, "|");
        Add(1050, OperatorType.XFY, "->", "*->");
        Add(1000, OperatorType.XFY, ",");
        Add(800, OperatorType.XFX, ":=");
        Add(900, OperatorType.FY, "\\+");
        Add(700, OperatorType.XFX, "=", "\\=", "==", "\\==", "@<", "@>", "@=<", "@>=", "=..", "is", "=:=", "=\\=", "<", ">", "=<", ">=", ">:<", ":<", "as", "=@=", "\\=@=");
        Add(600, OperatorType.XFY, ":");
        Add(500, OperatorType.YFX, "+", "-", "/\\", "\\/");
        Add(400, OperatorType.YFX, "*", "/", "//", "rdiv", "<<", ">>", "mod", "rem", "div", "xor");
        Add(200, OperatorType.XFX, "**");
        Add(200, OperatorType.XFY, "^");
        Add(200, OperatorType.FY, "-", "+", "\\");
        Add(100, OperatorType.YFX, ".");
        Add(1, OperatorType.FX, "$");
        Add(1150, OperatorType.FX, "dynamic", "discontiguous", "initialization", "meta_predicate", "module_transparent", "multifile", "public", "thread_local", "table", "thread_initialization", "volatile");
        return t;
    }

    /// <summary>A copy that can be changed independently.</summary>
    public OperatorTable Clone()
    {
        var t = new OperatorTable();
        t._prefix = new(_prefix, StringComparer.Ordinal);
        t._infix = new(_infix, StringComparer.Ordinal);
        t._postfix = new(_postfix, StringComparer.Ordinal);
        return t;
    }

    /// <summary>Defines (priority 1..1200) or removes (priority 0) an operator.</summary>
    public void Set(string name, int priority, OperatorType type)
    {
        lock (_change)
        {
            var dict = new Dictionary<string, OperatorDef>(type switch
            {
                OperatorType.FX or OperatorType.FY => _prefix,
                OperatorType.XF or OperatorType.YF => _postfix,
                _ => _infix,
            }, StringComparer.Ordinal);
            if (priority == 0) dict.Remove(name);
            else dict[name] = new OperatorDef(priority, type);
            switch (type)
            {
                case OperatorType.FX or OperatorType.FY: _prefix = dict; break;
                case OperatorType.XF or OperatorType.YF: _postfix = dict; break;
                default: _infix = dict; break;
            }
        }
    }

    public bool TryPrefix(string name, out OperatorDef def) => _prefix.TryGetValue(name, out def);
    public bool TryInfix(string name, out OperatorDef def) => _infix.TryGetValue(name, out def);
    public bool TryPostfix(string name, out OperatorDef def) => _postfix.TryGetValue(name, out def);

    /// <summary>True when the name is an operator of any kind.</summary>
    public bool IsOperator(string name) => _prefix.ContainsKey(name) || _infix.ContainsKey(name) || _postfix.ContainsKey(name);

    /// <summary>All definitions, for <c>current_op/3</c>.</summary>
    public IEnumerable<(string Name, OperatorDef Def)> All()
    {
        foreach (var kv in _prefix) yield return (kv.Key, kv.Value);
        foreach (var kv in _infix) yield return (kv.Key, kv.Value);
        foreach (var kv in _postfix) yield return (kv.Key, kv.Value);
    }
}
