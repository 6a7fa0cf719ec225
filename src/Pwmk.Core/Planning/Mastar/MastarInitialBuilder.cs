using System.Numerics;

namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// Builds the initial state from the <c>initially</c> lines, as the reference planners do:
/// <list type="number">
/// <item>a line that is a fluent formula constrains only the actual world;</item>
/// <item>other lines split on top-level <c>,</c> into parts: a fluent formula, <c>C(G, FF)</c> or
/// <c>C(G, B(i, FF))</c> make FF common knowledge; <c>C(G, B(i,phi) | B(i,(-phi)))</c> says agent i knows
/// whether phi; <c>C(G, (-B(i,phi)), (-B(i,(-phi))))</c> has no effect (ignorance is the default);</item>
/// <item>worlds: every valuation satisfying all common-knowledge formulas (unmentioned fluents free);</item>
/// <item>the actual world: the last world, in the reference planners' enumeration order (fluents by name,
/// true before false), that satisfies the common knowledge and the actual-world lines; so a fluent the
/// actual-world lines leave unstated is false unless the common knowledge forces it (the problem's
/// <see cref="MastarProblem.Notes"/> say when this rule chose a value);</item>
/// <item>relations: complete for every agent, minus i's edges between worlds that differ on a phi i knows.</item>
/// </list>
/// The worlds are never enumerated over all fluents: each part of the problem's <see cref="FluentLayout"/>
/// gets its own model from the formulas about its fluents (a fluent no formula links to others is a part
/// of at most two worlds), and the state is their product.
/// </summary>
internal static class MastarInitialBuilder
{
    /// <summary>Most steps of the search for the actual world before the input is refused as too hard.</summary>
    private const long SearchBudget = 10_000_000;

    public static MastarProblem Build(
        string source, FormulaTable table, List<string> fluents, List<string> agents, MastarAction[] actions,
        List<(MastarFormula Formula, MastarToken At)> initially, MastarFormula goal, MastarFormula? invariant = null, bool factored = true)
    {
        var actualConds = new List<MastarFormula>();
        var common = new List<MastarFormula>();
        var knowsWhether = new List<(int Agent, MastarFormula Phi)>();
        foreach (var (f, at) in initially)
        {
            if (f.IsFluent)
            {
                actualConds.Add(f);
                continue;
            }
            var parts = f.Kind == FormulaKind.And ? f.Parts : [f];
            foreach (var part in parts)
            {
                if (part.IsFluent)
                {
                    common.Add(part);
                    continue;
                }
                if (part.Kind != FormulaKind.Common)
                {
                    throw Unsupported(source, at, part, fluents, agents);
                }
                var inner = part.Parts[0];
                if (inner.IsFluent)
                {
                    common.Add(inner);
                }
                else if (inner.Kind == FormulaKind.Believes && inner.Parts[0].IsFluent)
                {
                    common.Add(inner.Parts[0]);
                }
                else if (inner.Kind == FormulaKind.Or && inner.Parts.Length == 2
                    && inner.Parts[0].Kind == FormulaKind.Believes && inner.Parts[1].Kind == FormulaKind.Believes
                    && inner.Parts[0].Agents[0] == inner.Parts[1].Agents[0]
                    && inner.Parts[0].Parts[0].IsFluent
                    && inner.Parts[1].Parts[0].IsNegationOf(inner.Parts[0].Parts[0]))
                {
                    knowsWhether.Add((inner.Parts[0].Agents[0], inner.Parts[0].Parts[0]));
                }
                else if (!IsIgnorance(inner))
                {
                    throw Unsupported(source, at, part, fluents, agents);
                }
            }
        }
        foreach (var a in actions)
        {
            a.Complete();
        }
        var atActual = invariant is null ? new[] { goal } : [goal, invariant];
        var (groups, distributed) = FluentLayout.Constraints(atActual, actions, common.Concat(knowsWhether.Select(k => k.Phi)));
        var layout = FluentLayout.Build(fluents.Count, groups, distributed || !factored);

        var at0 = initially.Count > 0 ? initially[0].At : new MastarToken(TokenKind.End, "", 1, 1);
        var order = Enumerable.Range(0, fluents.Count).OrderBy(i => fluents[i], StringComparer.Ordinal).ToArray();
        var constraints = common.Concat(actualConds).ToList();
        var budget = SearchBudget;
        MastarSyntaxException TooHard() => new(source, at0.Line, at0.Column,
            $"the initial formulas are too hard to solve (more than {SearchBudget} steps to find the actual world)");
        var found = LastAllowed(order, constraints, 0, 0, ref budget);
        if (budget < 0)
        {
            throw TooHard();
        }
        var actual = found ?? throw new MastarSyntaxException(source, at0.Line, at0.Column,
            "no world satisfies both the initial actual-world formulas and the common-knowledge formulas");
        // Fluents the initial formulas leave open: another allowed world gives them the other value.
        var unstated = new List<int>();
        foreach (var f in order)
        {
            var bit = 1UL << f;
            if (LastAllowed(order, constraints, bit, ~actual & bit, ref budget) is not null)
            {
                unstated.Add(f);
            }
            if (budget < 0)
            {
                throw TooHard();
            }
        }
        var notes = new List<string>();
        if (unstated.Count > 0)
        {
            var values = string.Join(", ", unstated.Select(f => ((actual >> f) & 1) == 1 ? fluents[f] : "-" + fluents[f]));
            notes.Add($"the initial actual world leaves {unstated.Count} fluent{(unstated.Count == 1 ? "" : "s")} unstated: taken as {values}, "
                + "as the reference planners do (the last world the initial formulas allow, fluents by name, true before false: unconstrained fluents are false)");
        }
        var spec = new InitialSpec(layout, agents.Count, common, knowsWhether, actual);
        return new MastarProblem(source, table, fluents, agents, actions, goal, layout, spec.Build, notes);
    }

    /// <summary>
    /// The last valuation, in the reference enumeration order (fluents in <paramref name="order"/>, true
    /// before false), satisfying every constraint, with the fluents of <paramref name="forced"/> fixed to
    /// <paramref name="forcedValue"/>; null when there is none. Depth-first, false first, with three-valued
    /// pruning; the recursion depth is the number of fluents (at most 64).
    /// </summary>
    private static ulong? LastAllowed(int[] order, List<MastarFormula> constraints, ulong forced, ulong forcedValue, ref long budget)
    {
        ulong? result = null;
        var steps = budget;
        bool Visit(int depth, ulong v, ulong known)
        {
            if (--steps < 0)
            {
                return true; // out of budget: stop (reported by the caller)
            }
            foreach (var c in constraints)
            {
                if (c.HoldsPartial(v, known) == false)
                {
                    return false;
                }
            }
            if (depth == order.Length)
            {
                result = v;
                return true;
            }
            var bit = 1UL << order[depth];
            if ((forced & bit) != 0)
            {
                return Visit(depth + 1, v | (forcedValue & bit), known | bit);
            }
            return Visit(depth + 1, v, known | bit) || Visit(depth + 1, v | bit, known | bit);
        }
        Visit(0, 0, 0);
        budget = steps;
        return steps < 0 ? null : result;
    }

    /// <summary>What the initial state is made of; <see cref="Build"/> makes it (on first use, within a world budget).</summary>
    private sealed class InitialSpec(FluentLayout layout, int agents, List<MastarFormula> common, List<(int Agent, MastarFormula Phi)> knowsWhether, ulong actual)
    {
        public MastarState Build(long maxWorlds)
        {
            var parts = new KripkeModel[layout.Count];
            long bytes = 32 + (8L * parts.Length);
            for (var p = 0; p < parts.Length; p++)
            {
                parts[p] = BuildPart(layout.Masks[p], maxWorlds);
                bytes += parts[p].Bytes;
            }
            return new MastarState(parts, bytes);
        }

        private KripkeModel BuildPart(ulong mask, long maxWorlds)
        {
            var distributed = false;
            var inPart = common.Where(c => (FluentLayout.FluentsOf(c, ref distributed) & ~mask) == 0).ToList();
            var fluentBits = new List<ulong>();
            for (var m = mask; m != 0; m &= m - 1)
            {
                fluentBits.Add(1UL << BitOperations.TrailingZeroCount(m));
            }
            // Valuations of the part's fluents satisfying its common-knowledge formulas (depth-first with
            // three-valued pruning; depth bounded by the 64-fluent limit).
            var worlds = new List<ulong>();
            void Enumerate(int i, ulong v, ulong known)
            {
                foreach (var c in inPart)
                {
                    if (c.HoldsPartial(v, known) == false)
                    {
                        return;
                    }
                }
                if (i == fluentBits.Count)
                {
                    if (worlds.Count >= maxWorlds)
                    {
                        throw new PlanningLimitException($"the initial state has more than {maxWorlds} worlds");
                    }
                    worlds.Add(v);
                    return;
                }
                var bit = fluentBits[i];
                Enumerate(i + 1, v, known | bit);
                Enumerate(i + 1, v | bit, known | bit);
            }
            Enumerate(0, 0, 0);
            var n = worlds.Count;
            var vals = worlds.ToArray();
            var actualWorld = worlds.IndexOf(actual & mask);
            var setOf = new int[agents][];
            var offsets = new int[agents][];
            var targets = new int[agents][];
            for (var ag = 0; ag < agents; ag++)
            {
                // Agent ag's worlds fall into classes that agree on every phi ag knows; one set per class.
                var phis = knowsWhether.Where(k => k.Agent == ag && (FluentLayout.FluentsOf(k.Phi, ref distributed) & ~mask) == 0)
                    .Select(k => k.Phi).ToArray();
                (setOf[ag], offsets[ag], targets[ag]) = KripkeModel.Classes(n, w => string.Concat(phis.Select(p => p.Holds(vals[w]) ? '1' : '0')));
            }
            return KripkeModel.Contract(n, vals, actualWorld, setOf, offsets, targets);
        }
    }

    private static bool IsIgnorance(MastarFormula inner) =>
        inner.Kind == FormulaKind.And && inner.Parts.Length == 2
        && inner.Parts.All(p => p.Kind == FormulaKind.Not && p.Parts[0].Kind == FormulaKind.Believes)
        && inner.Parts[0].Parts[0].Agents[0] == inner.Parts[1].Parts[0].Agents[0]
        && inner.Parts[0].Parts[0].Parts[0].IsNegationOf(inner.Parts[1].Parts[0].Parts[0]);

    private static MastarSyntaxException Unsupported(string source, MastarToken at, MastarFormula part, List<string> fluents, List<string> agents) =>
        new(source, at.Line, at.Column,
            $"unsupported initial formula {part.ToString(fluents, agents)}: expected a fluent formula, C(G, F), C(G, B(i, F)), C(G, B(i,F) | B(i,(-F))) or C(G, (-B(i,F)), (-B(i,(-F))))");
}
