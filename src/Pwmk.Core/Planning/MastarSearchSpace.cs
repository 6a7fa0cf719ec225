using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Planning;

/// <summary>
/// An mA* problem as a search space: states are canonical bisimulation-contracted pointed Kripke models
/// (equal when bisimilar), successors come from product update, actions are tried in byte-wise order of their
/// names, and the heuristic counts the goal's unmet top-level conjuncts. An optional invariant (maintenance
/// goal) must hold in every state of a plan.
/// </summary>
internal sealed class MastarSearchSpace(MastarProblem problem, MastarFormula? invariant, int maxWorldsPerState)
    : ISearchSpace<KripkeModel, ModelEvaluator>
{
    private readonly int _formulas = problem.Table.Count;
    private readonly MastarFormula[] _goalParts = problem.Goal.Kind == FormulaKind.And ? problem.Goal.Parts : [problem.Goal];
    private readonly MastarAction[] _actions = problem.SearchOrder;

    private sealed class StateComparer : IEqualityComparer<KripkeModel>
    {
        public static readonly StateComparer Instance = new();

        public bool Equals(KripkeModel? x, KripkeModel? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.SameAs(y));

        public int GetHashCode(KripkeModel obj) => obj.Hash;
    }

    public KripkeModel Initial => problem.Initial;

    public int ActionCount => _actions.Length;

    public IEqualityComparer<KripkeModel> Comparer => StateComparer.Instance;

    /// <summary>The action at a search index.</summary>
    public MastarAction Action(int index) => _actions[index];

    public ModelEvaluator View(KripkeModel state) => new(state, _formulas);

    public int Distance(ModelEvaluator state)
    {
        if (invariant is not null && !state.HoldsAtActual(invariant))
        {
            return -1;
        }
        var h = 0;
        foreach (var g in _goalParts)
        {
            if (!state.HoldsAtActual(g))
            {
                h++;
            }
        }
        return h;
    }

    public bool TryApply(ModelEvaluator from, int action, out KripkeModel next, out bool final)
    {
        final = false;
        var a = _actions[action];
        if (!MastarSemantics.IsExecutable(from, a))
        {
            next = null!;
            return false;
        }
        next = MastarSemantics.Apply(from, a, maxWorldsPerState);
        return true;
    }

    public long Size(KripkeModel state) => state.WorldCount;
}
