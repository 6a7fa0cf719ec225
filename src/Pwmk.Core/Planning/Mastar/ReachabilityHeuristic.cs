namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// Lower bounds on when formulas can first hold, for the <see cref="SearchHeuristic.HMax"/> and
/// <see cref="SearchHeuristic.HAdd"/> heuristics. The tracked formulas ("units") are the goal's conjuncts and
/// every precondition, observation condition and effect condition of the actions, all read at the actual world.
/// A unit that holds now has level 0. One that does not can only become true through an action that can
/// change it, and only when that action runs, so its level is at most 1 + the level at which the action is
/// executable (its preconditions) and the change is enabled (one of its effect lines fires and, for a
/// belief, one of the believing agents observes it). What can change what (sound by the semantics):
/// <list type="bullet">
/// <item>an action where no effect line fires changes nothing (the update is bisimilar to the old state);</item>
/// <item>a fluent formula changes only by an ontic effect on one of its fluents;</item>
/// <item>a formula <c>B(i, F)</c>, <c>E(G, F)</c>, <c>C(G, F)</c>, <c>D(G, F)</c> changes only when an agent
/// of G is not oblivious (partial observers count for sensing and announcements, not for ontic actions,
/// where they see the epsilon copy as the oblivious do);</item>
/// <item>with F a fluent formula and B, E or C: only when an agent of G observes fully, and for an ontic
/// action only when an effect touches F's fluents;</item>
/// <item>negation, conjunction and disjunction change only when one of their parts does.</item>
/// </list>
/// By induction on the plan, a unit true after t actions has level at most t, so the largest goal level is
/// admissible (h_max); the sum (h_add) is informative but not admissible. A goal conjunct with no finite
/// level cannot be reached from the state: a proven dead end.
/// </summary>
internal sealed class ReachabilityHeuristic
{
    /// <summary>The estimate of a proven dead end.</summary>
    public const int DeadEnd = int.MaxValue;

    private const int Infinity = int.MaxValue / 4;

    private readonly List<MastarFormula> _units = [];
    private readonly Dictionary<int, int> _unitOf = [];
    private readonly int[] _goal;
    private readonly int[][] _pre;
    private readonly Way[] _ways;

    /// <summary>One way an action can make a unit true: needs one of <see cref="Effects"/> and one of <see cref="Observers"/> (null: nothing) to hold.</summary>
    private readonly record struct Way(int Target, int Action, int[]? Effects, int[]? Observers);

    public ReachabilityHeuristic(MastarProblem problem)
    {
        var actions = problem.SearchOrder;
        _goal = [.. Conjuncts(problem.Goal).Select(Unit)];
        _pre = new int[actions.Length][];
        for (var a = 0; a < actions.Length; a++)
        {
            _pre[a] = [.. actions[a].Preconditions.SelectMany(Conjuncts).Select(Unit).Distinct()];
        }
        var ways = new List<Way>();
        // Units registered while ways are computed (conditions) get their own ways in turn.
        for (var u = 0; u < _units.Count; u++)
        {
            var f = _units[u];
            if (f.Kind == FormulaKind.True)
            {
                continue;
            }
            for (var a = 0; a < actions.Length; a++)
            {
                foreach (var (effects, observers) in Ways(f, actions[a]))
                {
                    ways.Add(new Way(u, a, effects?.Select(Unit).Distinct().ToArray(), observers?.Select(Unit).Distinct().ToArray()));
                }
            }
        }
        _ways = [.. ways.Distinct(WayComparer.Instance)];
    }

    /// <summary>Number of tracked formulas (for diagnostics and tests).</summary>
    public int UnitCount => _units.Count;

    /// <summary>
    /// The estimate at <paramref name="ev"/>'s state: the largest (or, <paramref name="additive"/>, the sum) of
    /// the goal conjuncts' levels; <see cref="DeadEnd"/> when one has no finite level.
    /// </summary>
    public int Estimate(StateEvaluator ev, bool additive)
    {
        var levels = new int[_units.Count];
        for (var u = 0; u < levels.Length; u++)
        {
            levels[u] = ev.HoldsAtActual(_units[u]) ? 0 : Infinity;
        }
        var exec = new int[_pre.Length];
        for (var pass = 0; pass <= levels.Length; pass++)
        {
            for (var a = 0; a < exec.Length; a++)
            {
                exec[a] = Combine(levels, _pre[a], additive);
            }
            var changed = false;
            foreach (var w in _ways)
            {
                var current = levels[w.Target];
                if (current == 0)
                {
                    continue;
                }
                var x = exec[w.Action];
                if (x >= Infinity)
                {
                    continue;
                }
                var e = Min(levels, w.Effects);
                var o = Min(levels, w.Observers);
                if (e >= Infinity || o >= Infinity)
                {
                    continue;
                }
                var candidate = 1 + (additive ? Math.Min(Infinity, x + e + o) : Math.Max(x, Math.Max(e, o)));
                if (candidate < current)
                {
                    levels[w.Target] = candidate;
                    changed = true;
                }
            }
            if (!changed)
            {
                break;
            }
        }
        var h = Combine(levels, _goal, additive);
        return h >= Infinity ? DeadEnd : h;
    }

    private static int Combine(int[] levels, int[] units, bool additive)
    {
        var r = 0;
        foreach (var u in units)
        {
            var l = levels[u];
            if (l >= Infinity)
            {
                return Infinity;
            }
            r = additive ? Math.Min(Infinity, r + l) : Math.Max(r, l);
        }
        return r;
    }

    private static int Min(int[] levels, int[]? units)
    {
        if (units is null)
        {
            return 0;
        }
        var r = Infinity;
        foreach (var u in units)
        {
            r = Math.Min(r, levels[u]);
        }
        return r;
    }

    private int Unit(MastarFormula f)
    {
        if (!_unitOf.TryGetValue(f.Id, out var u))
        {
            u = _units.Count;
            _units.Add(f);
            _unitOf.Add(f.Id, u);
        }
        return u;
    }

    private static IEnumerable<MastarFormula> Conjuncts(MastarFormula f) => f.Kind == FormulaKind.And ? f.Parts : [f];

    /// <summary>The ways <paramref name="action"/> can change the truth of <paramref name="f"/> at the actual world (explicit stack over the Boolean structure).</summary>
    private static List<(List<MastarFormula>? Effects, List<MastarFormula>? Observers)> Ways(MastarFormula f, MastarAction action)
    {
        var result = new List<(List<MastarFormula>?, List<MastarFormula>?)>();
        if (action.Type == ActionType.None)
        {
            return result;
        }
        var ontic = action.Type == ActionType.Ontic;
        var allEffects = ontic ? action.OnticEffects.Select(e => e.Condition).ToList() : action.EpistemicEffects.Select(e => e.Condition).ToList();
        var pending = new Stack<MastarFormula>();
        pending.Push(f);
        while (pending.Count > 0)
        {
            var g = pending.Pop();
            if (g.Kind == FormulaKind.True)
            {
                continue;
            }
            if (g.IsFluent)
            {
                if (ontic && Touching(action, g) is { Count: > 0 } touching)
                {
                    result.Add((touching, null));
                }
                continue;
            }
            switch (g.Kind)
            {
                case FormulaKind.Not or FormulaKind.And or FormulaKind.Or:
                    foreach (var p in g.Parts)
                    {
                        pending.Push(p);
                    }
                    break;
                case FormulaKind.Believes or FormulaKind.Everyone or FormulaKind.Common when g.Parts[0].IsFluent:
                    {
                        var full = g.Agents.SelectMany(i => action.Observes[i]).ToList();
                        var effects = ontic ? Touching(action, g.Parts[0]) : allEffects;
                        if (full.Count > 0 && effects.Count > 0)
                        {
                            result.Add((effects, full));
                        }
                        break;
                    }
                default:
                    {
                        var seeing = g.Agents.SelectMany(i => ontic ? action.Observes[i] : action.Observes[i].Concat(action.Aware[i])).ToList();
                        if (seeing.Count > 0 && allEffects.Count > 0)
                        {
                            result.Add((allEffects, seeing));
                        }
                        break;
                    }
            }
        }
        return result;
    }

    /// <summary>Conditions of the ontic effect lines that change a fluent of <paramref name="f"/>.</summary>
    private static List<MastarFormula> Touching(MastarAction action, MastarFormula f)
    {
        var distributed = false;
        var mask = FluentLayout.FluentsOf(f, ref distributed);
        return [.. action.OnticEffects.Where(e => ((e.Set | e.Clear) & mask) != 0).Select(e => e.Condition)];
    }

    private sealed class WayComparer : IEqualityComparer<Way>
    {
        public static readonly WayComparer Instance = new();

        public bool Equals(Way x, Way y) =>
            x.Target == y.Target && x.Action == y.Action && Same(x.Effects, y.Effects) && Same(x.Observers, y.Observers);

        public int GetHashCode(Way w) => HashCode.Combine(w.Target, w.Action, w.Effects?.Length ?? -1, w.Observers?.Length ?? -1);

        private static bool Same(int[]? a, int[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
    }
}
