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
/// <item>negation, conjunction and disjunction change only when one of their parts does;</item>
/// <item>a belief <c>B(i, F)</c>, <c>E(G, F)</c> or <c>C(G, F)</c> in a fluent formula F whose fluents no ontic
/// effect changes never becomes false (sensing and announcements only remove possibilities): its negation
/// cannot become true;</item>
/// <item>an action whose effects lie in a stable part of the <see cref="FluentLayout"/> changes no belief about
/// other parts. A part is stable when every ontic action on it is fully observed by every agent: then every agent
/// always considers possible a world with the actual valuation (sensing and announcements keep that, and so do
/// fully observed ontic actions), so the part stays serial, and the update of one serial part leaves the truth
/// of formulas about the others as it was (they are evaluated in their own parts, or in the product, where a
/// serial factor adds no vacuous belief).</item>
/// </list>
/// By induction on the plan, a unit true after t actions has level at most t, so the largest goal level is
/// admissible (h_max); the sum (h_add) is informative but not admissible, and so is the size of the relaxed plan
/// its best supporters give (h_FF), which counts an action that serves several conjuncts once. A goal conjunct with
/// no finite level cannot be reached from the state: a proven dead end.
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
        var layout = problem.Layout;
        var stable = new bool[layout.Count];
        Array.Fill(stable, true);
        foreach (var a in actions)
        {
            if (a.Type == ActionType.Ontic && !a.Observes.All(conditions => conditions.Any(c => c.Kind == FormulaKind.True)))
            {
                stable[layout.PartOfMask(a.EffectFluents)] = false;
            }
        }
        ulong onticFluents = 0;
        foreach (var a in actions)
        {
            foreach (var e in a.OnticEffects)
            {
                onticFluents |= e.Set | e.Clear;
            }
        }
        // Fluents an action can change beliefs about: everything, or its own part when that part is stable.
        ulong Reach(MastarAction a)
        {
            var part = layout.PartOfMask(a.EffectFluents);
            return layout.Count == 1 || !stable[part] ? ulong.MaxValue : layout.Masks[part];
        }
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
                foreach (var (effects, observers) in Ways(f, actions[a], Reach(actions[a]), onticFluents))
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
    public int Estimate(StateEvaluator ev, bool additive) => Estimate(ev, additive, relaxedPlan: false);

    /// <summary>
    /// The estimate at <paramref name="ev"/>'s state. <paramref name="relaxedPlan"/> (h_FF): the levels are computed
    /// additively, each unit remembering the way that gave its level (its best supporter); the estimate is the number
    /// of distinct actions met walking back from the unmet goal conjuncts through those supporters (their preconditions
    /// and the cheapest effect and observer conditions). One action that serves several conjuncts (an announcement
    /// heard by many agents) counts once, where h_add counts it once per conjunct.
    /// </summary>
    public int Estimate(StateEvaluator ev, bool additive, bool relaxedPlan)
    {
        additive |= relaxedPlan;
        var levels = new int[_units.Count];
        var support = relaxedPlan ? new int[_units.Count] : null;
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
            for (var wi = 0; wi < _ways.Length; wi++)
            {
                var w = _ways[wi];
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
                    if (support is not null)
                    {
                        support[w.Target] = wi;
                    }
                    changed = true;
                }
            }
            if (!changed)
            {
                break;
            }
        }
        var h = Combine(levels, _goal, additive);
        if (h >= Infinity)
        {
            return DeadEnd;
        }
        return support is null ? h : RelaxedPlanSize(levels, support);
    }

    /// <summary>Distinct actions of the relaxed plan the best supporters give for the unmet goal conjuncts (explicit stack).</summary>
    private int RelaxedPlanSize(int[] levels, int[] support)
    {
        var done = new bool[levels.Length];
        var actions = new HashSet<int>();
        var pending = new Stack<int>(_goal);
        while (pending.Count > 0)
        {
            var u = pending.Pop();
            if (done[u] || levels[u] == 0)
            {
                continue;
            }
            done[u] = true;
            var w = _ways[support[u]];
            actions.Add(w.Action);
            foreach (var p in _pre[w.Action])
            {
                pending.Push(p);
            }
            PushCheapest(levels, w.Effects, pending);
            PushCheapest(levels, w.Observers, pending);
        }
        return actions.Count;
    }

    private static void PushCheapest(int[] levels, int[]? units, Stack<int> pending)
    {
        if (units is null || units.Length == 0)
        {
            return;
        }
        var best = units[0];
        foreach (var u in units)
        {
            if (levels[u] < levels[best])
            {
                best = u;
            }
        }
        pending.Push(best);
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

    /// <summary>
    /// The ways <paramref name="action"/> can make <paramref name="f"/> true at the actual world (explicit stack over the
    /// Boolean structure, tracking whether each atom must become true or false). <paramref name="reach"/>: fluents the
    /// action can change beliefs about; <paramref name="ontic"/>: fluents some ontic effect changes.
    /// </summary>
    private static List<(List<MastarFormula>? Effects, List<MastarFormula>? Observers)> Ways(MastarFormula f, MastarAction action, ulong reach, ulong ontic)
    {
        var result = new List<(List<MastarFormula>?, List<MastarFormula>?)>();
        if (action.Type == ActionType.None)
        {
            return result;
        }
        var isOntic = action.Type == ActionType.Ontic;
        var allEffects = isOntic ? action.OnticEffects.Select(e => e.Condition).ToList() : action.EpistemicEffects.Select(e => e.Condition).ToList();
        var pending = new Stack<(MastarFormula F, bool ToTrue)>();
        pending.Push((f, true));
        while (pending.Count > 0)
        {
            var (g, toTrue) = pending.Pop();
            if (g.Kind == FormulaKind.True)
            {
                continue;
            }
            if (g.IsFluent)
            {
                if (isOntic && Touching(action, g) is { Count: > 0 } touching)
                {
                    result.Add((touching, null));
                }
                continue;
            }
            if (g.Kind is FormulaKind.Not or FormulaKind.And or FormulaKind.Or)
            {
                foreach (var p in g.Parts)
                {
                    pending.Push((p, g.Kind == FormulaKind.Not ? !toTrue : toTrue));
                }
                continue;
            }
            var distributed = false;
            var mask = FluentLayout.FluentsOf(g, ref distributed);
            if (reach != ulong.MaxValue && (mask & reach) == 0 && !distributed)
            {
                continue; // a belief about another part, untouched by an action on a stable part
            }
            var fluentBelief = g.Kind is FormulaKind.Believes or FormulaKind.Everyone or FormulaKind.Common && g.Parts[0].IsFluent;
            if (fluentBelief && !toTrue && (mask & ontic) == 0)
            {
                continue; // knowledge of fluents no ontic effect changes is never lost
            }
            if (fluentBelief)
            {
                var full = g.Agents.SelectMany(i => action.Observes[i]).ToList();
                var effects = isOntic ? Touching(action, g.Parts[0]) : allEffects;
                if (full.Count > 0 && effects.Count > 0)
                {
                    result.Add((effects, full));
                }
                continue;
            }
            var seeing = g.Agents.SelectMany(i => isOntic ? action.Observes[i] : action.Observes[i].Concat(action.Aware[i])).ToList();
            if (seeing.Count > 0 && allEffects.Count > 0)
            {
                result.Add((allEffects, seeing));
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
