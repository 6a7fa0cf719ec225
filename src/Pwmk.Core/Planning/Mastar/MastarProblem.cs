namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// A parsed mA* planning problem: fluents, agents, actions, the initial state and the goal. Read with
/// <see cref="Parse"/> or <see cref="Load"/>; solve with <see cref="MastarPlanner"/>.
/// </summary>
public sealed class MastarProblem
{
    /// <summary>Most worlds the initial state may have when built without a planner's memory bound (tools and tests).</summary>
    internal const long DefaultMaxInitialWorlds = 1L << 24;

    private readonly Func<long, MastarState> _buildInitial;
    private readonly Lock _initialLock = new();
    private MastarState? _initial;

    internal MastarProblem(
        string source, FormulaTable table, IReadOnlyList<string> fluents, IReadOnlyList<string> agents,
        MastarAction[] actions, MastarFormula goal, FluentLayout layout, Func<long, MastarState> initial, IReadOnlyList<string> notes)
    {
        Source = source;
        Table = table;
        Fluents = fluents;
        Agents = agents;
        Actions = actions;
        Goal = goal;
        Layout = layout;
        Notes = notes;
        _buildInitial = initial;
        foreach (var a in actions)
        {
            a.Complete();
        }
        layout.Index(table);
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

    /// <summary>
    /// What the reader decided that the text did not say, for the user to see (for example the values it
    /// gave fluents the initial actual world leaves unstated). Empty for a fully specified problem.
    /// </summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Number of independent parts the states are kept in (fluents no formula links share no part).</summary>
    public int PartCount => Layout.Count;

    /// <summary>Worlds of the initial state: the product of its parts' bisimulation contractions.</summary>
    public long InitialWorldCount => Initial.WorldCount;

    internal FormulaTable Table { get; }
    internal MastarAction[] Actions { get; }
    internal MastarAction[] SearchOrder { get; }
    internal MastarFormula Goal { get; }
    internal FluentLayout Layout { get; }

    /// <summary>The initial state (built on first use, within <see cref="DefaultMaxInitialWorlds"/> worlds per part).</summary>
    internal MastarState Initial => InitialWithin(DefaultMaxInitialWorlds);

    /// <summary>
    /// The initial state, built on first use; throws <see cref="PlanningLimitException"/> when a part has more
    /// than <paramref name="maxWorlds"/> worlds (nothing is kept then, so a larger budget may try again).
    /// </summary>
    internal MastarState InitialWithin(long maxWorlds)
    {
        lock (_initialLock)
        {
            return _initial ??= _buildInitial(maxWorlds);
        }
    }

    /// <summary>Parses mA* text; throws <see cref="MastarSyntaxException"/> naming line and column on bad input.</summary>
    public static MastarProblem Parse(string text, string source = "input") => MastarParser.Parse(text, source);

    /// <summary>Parses mA* text keeping every state whole (one part): the reference the parts are checked against.</summary>
    internal static MastarProblem ParseWhole(string text, string source) => MastarParser.Parse(text, source, factored: false);

    /// <summary>Reads and parses an mA* file.</summary>
    public static MastarProblem Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>An evaluator of formulas at <paramref name="state"/>'s actual world.</summary>
    internal StateEvaluator Evaluate(MastarState state) => new(state, Layout, Table.Count);

    /// <summary>Successor of <paramref name="state"/> by the named action, or null when it is not executable.</summary>
    internal MastarState? Apply(MastarState state, string actionName)
    {
        var action = FindAction(actionName) ?? throw new ArgumentException($"unknown action '{actionName}'", nameof(actionName));
        var ev = Evaluate(state);
        return MastarSemantics.IsExecutable(ev, action) ? MastarSemantics.Apply(ev, action, Layout, int.MaxValue) : null;
    }

    /// <summary>Truth of a formula (mA* syntax) at the actual world of <paramref name="state"/>.</summary>
    internal bool Holds(MastarState state, string formula) => Evaluate(state).HoldsAtActual(MastarParser.ParseFormula(this, formula));

    internal MastarAction? FindAction(string name) => Actions.FirstOrDefault(a => a.Name == name);
}
