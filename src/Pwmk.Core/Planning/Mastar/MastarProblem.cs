namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// A parsed mA* planning problem: fluents, agents, actions, the initial pointed Kripke model and
/// the goal. Read with <see cref="Parse"/> or <see cref="Load"/>; solve with <see cref="MastarPlanner"/>.
/// </summary>
public sealed class MastarProblem
{
    internal MastarProblem(
        string source, FormulaTable table, IReadOnlyList<string> fluents, IReadOnlyList<string> agents,
        MastarAction[] actions, KripkeModel initial, MastarFormula goal)
    {
        Source = source;
        Table = table;
        Fluents = fluents;
        Agents = agents;
        Actions = actions;
        Initial = initial;
        Goal = goal;
        // Actions are tried in byte-wise order of their names, as the reference planners do.
        SearchOrder = [.. actions.OrderBy(a => a.Name, StringComparer.Ordinal)];
    }

    /// <summary>Where the problem came from (file name), used in messages.</summary>
    public string Source { get; }

    /// <summary>Declared fluents, in declaration order (bit i of a valuation = fluent i).</summary>
    public IReadOnlyList<string> Fluents { get; }

    /// <summary>Declared agents.</summary>
    public IReadOnlyList<string> Agents { get; }

    /// <summary>Declared action names.</summary>
    public IReadOnlyList<string> ActionNames => [.. Actions.Select(a => a.Name)];

    /// <summary>Number of worlds of the initial state after bisimulation contraction.</summary>
    public int InitialWorldCount => Initial.WorldCount;

    internal FormulaTable Table { get; }
    internal MastarAction[] Actions { get; }
    internal MastarAction[] SearchOrder { get; }
    internal KripkeModel Initial { get; }
    internal MastarFormula Goal { get; }

    /// <summary>Parses mA* text; throws <see cref="MastarSyntaxException"/> naming line and column on bad input.</summary>
    public static MastarProblem Parse(string text, string source = "input") => MastarParser.Parse(text, source);

    /// <summary>Reads and parses an mA* file.</summary>
    public static MastarProblem Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Successor of <paramref name="state"/> by the named action, or null when it is not executable.</summary>
    internal KripkeModel? Apply(KripkeModel state, string actionName)
    {
        var action = FindAction(actionName) ?? throw new ArgumentException($"unknown action '{actionName}'", nameof(actionName));
        var ev = new ModelEvaluator(state, Table.Count);
        return MastarSemantics.IsExecutable(ev, action) ? MastarSemantics.Apply(ev, action, int.MaxValue) : null;
    }

    /// <summary>Truth of a formula (mA* syntax) at the actual world of <paramref name="state"/>.</summary>
    internal bool Holds(KripkeModel state, string formula)
    {
        var f = MastarParser.ParseFormula(this, formula);
        return new ModelEvaluator(state, Table.Count).HoldsAtActual(f);
    }

    internal MastarAction? FindAction(string name) => Actions.FirstOrDefault(a => a.Name == name);
}
