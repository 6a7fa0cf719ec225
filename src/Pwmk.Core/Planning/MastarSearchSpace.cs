using System.Collections.Concurrent;
using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Planning;

/// <summary>
/// An mA* problem as a search space: states are <see cref="MastarState"/>s (canonical contracted parts, equal
/// when their parts are equal), successors come from product update, actions are tried in byte-wise order of
/// their names, and the distance is the chosen heuristic (goal count, h_max or h_add; goal count when none is
/// asked for, as breadth-first search only needs the goal test). An optional invariant (maintenance goal) must
/// hold in every state of a plan. Parts made by updates are shared between equal states (one copy each).
/// Thread-safe: the problem, layout and heuristic are read-only while searching.
/// </summary>
internal sealed class MastarSearchSpace : ISearchSpace<MastarState, StateEvaluator>
{
    private readonly MastarProblem _problem;
    private readonly MastarFormula? _invariant;
    private readonly MastarFormula[] _goalParts;
    private readonly MastarAction[] _actions;
    private readonly SearchHeuristic _heuristic;
    private readonly ReachabilityHeuristic? _reachability;
    private readonly long _maxWorlds;
    private readonly ConcurrentDictionary<KripkeModel, KripkeModel>[] _shared;

    public MastarSearchSpace(MastarProblem problem, MastarFormula? invariant, SearchHeuristic? heuristic, long maxWorlds)
    {
        _problem = problem;
        _invariant = invariant;
        _goalParts = problem.Goal.Kind == FormulaKind.And ? problem.Goal.Parts : [problem.Goal];
        _actions = problem.SearchOrder;
        _heuristic = heuristic ?? SearchHeuristic.GoalCount;
        _reachability = _heuristic == SearchHeuristic.GoalCount ? null : new ReachabilityHeuristic(problem);
        _maxWorlds = maxWorlds;
        _shared = new ConcurrentDictionary<KripkeModel, KripkeModel>[problem.Layout.Count];
        for (var i = 0; i < _shared.Length; i++)
        {
            _shared[i] = new ConcurrentDictionary<KripkeModel, KripkeModel>(ModelComparer.Instance);
        }
    }

    private sealed class StateComparer : IEqualityComparer<MastarState>
    {
        public static readonly StateComparer Instance = new();

        public bool Equals(MastarState? x, MastarState? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.SameAs(y));

        public int GetHashCode(MastarState obj) => obj.Hash;
    }

    private sealed class ModelComparer : IEqualityComparer<KripkeModel>
    {
        public static readonly ModelComparer Instance = new();

        public bool Equals(KripkeModel? x, KripkeModel? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.SameAs(y));

        public int GetHashCode(KripkeModel obj) => obj.Hash;
    }

    public MastarState Initial => _problem.InitialWithin(_maxWorlds);

    public int ActionCount => _actions.Length;

    public IEqualityComparer<MastarState> Comparer => StateComparer.Instance;

    public bool ThreadSafe => true;

    /// <summary>The action at a search index.</summary>
    public MastarAction Action(int index) => _actions[index];

    public StateEvaluator View(MastarState state) => _problem.Evaluate(state);

    public int Distance(StateEvaluator state)
    {
        if (_invariant is not null && !state.HoldsAtActual(_invariant))
        {
            return -1;
        }
        var unmet = 0;
        foreach (var g in _goalParts)
        {
            if (!state.HoldsAtActual(g))
            {
                unmet++;
            }
        }
        if (unmet == 0 || _reachability is null)
        {
            return unmet;
        }
        return Math.Max(1, _reachability.Estimate(state, _heuristic == SearchHeuristic.HAdd, _heuristic == SearchHeuristic.HFF));
    }

    public bool TryApply(StateEvaluator from, int action, out MastarState next, out bool final)
    {
        final = false;
        var a = _actions[action];
        if (!MastarSemantics.IsExecutable(from, a))
        {
            next = null!;
            return false;
        }
        next = MastarSemantics.Apply(from, a, _problem.Layout, _maxWorlds);
        var parts = next.Parts;
        var old = from.State.Parts;
        if (!ReferenceEquals(next, from.State) && parts.Length == old.Length && parts.Length > 1)
        {
            for (var i = 0; i < parts.Length; i++)
            {
                if (!ReferenceEquals(parts[i], old[i]))
                {
                    parts[i] = _shared[i].GetOrAdd(parts[i], parts[i]); // equal model, equal hash: the state's hash holds
                }
            }
        }
        return true;
    }

    public long Size(MastarState state) => state.OwnBytes;
}
