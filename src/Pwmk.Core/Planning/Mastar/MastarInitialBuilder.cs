namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// Builds the initial pointed Kripke model from the <c>initially</c> lines, as the reference planners do:
/// <list type="number">
/// <item>a line that is a fluent formula constrains only the actual world;</item>
/// <item>other lines split on top-level <c>,</c> into parts: a fluent formula, <c>C(G, FF)</c> or
/// <c>C(G, B(i, FF))</c> make FF common knowledge; <c>C(G, B(i,phi) | B(i,(-phi)))</c> says agent i knows
/// whether phi; <c>C(G, (-B(i,phi)), (-B(i,(-phi))))</c> has no effect (ignorance is the default);</item>
/// <item>worlds: every valuation satisfying all common-knowledge formulas (unmentioned fluents free);</item>
/// <item>the actual world: the one world satisfying the actual-world condition;</item>
/// <item>relations: complete for every agent, minus i's edges between worlds that differ on a phi i knows.</item>
/// </list>
/// </summary>
internal static class MastarInitialBuilder
{
    public const int MaxInitialWorlds = 1 << 16;

    public static MastarProblem Build(
        string source, FormulaTable table, List<string> fluents, List<string> agents, MastarAction[] actions,
        List<(MastarFormula Formula, MastarToken At)> initially, MastarFormula goal)
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
        // Worlds: valuations satisfying all common-knowledge formulas, by depth-first enumeration
        // over fluents with three-valued pruning (depth bounded by the 64-fluent limit).
        var worlds = new List<ulong>();
        var at0 = initially.Count > 0 ? initially[0].At : new MastarToken(TokenKind.End, "", 1, 1);
        Enumerate(0, 0, 0);
        void Enumerate(int i, ulong v, ulong known)
        {
            foreach (var c in common)
            {
                if (c.HoldsPartial(v, known) == false)
                {
                    return;
                }
            }
            if (i == fluents.Count)
            {
                if (worlds.Count >= MaxInitialWorlds)
                {
                    throw new MastarSyntaxException(source, at0.Line, at0.Column, $"the initial state has more than {MaxInitialWorlds} worlds (too many free fluents)");
                }
                worlds.Add(v);
                return;
            }
            var bit = 1UL << i;
            Enumerate(i + 1, v, known | bit);
            Enumerate(i + 1, v | bit, known | bit);
        }
        var actualCandidates = new List<int>();
        for (var w = 0; w < worlds.Count; w++)
        {
            if (actualConds.All(c => c.Holds(worlds[w])))
            {
                actualCandidates.Add(w);
            }
        }
        if (actualCandidates.Count == 0)
        {
            throw new MastarSyntaxException(source, at0.Line, at0.Column, "no world satisfies both the initial actual-world literals and the common-knowledge formulas");
        }
        if (actualCandidates.Count > 1)
        {
            var a = worlds[actualCandidates[0]] ^ worlds[actualCandidates[1]];
            var free = fluents[System.Numerics.BitOperations.TrailingZeroCount(a)];
            throw new MastarSyntaxException(source, at0.Line, at0.Column, $"the initial actual world is not fully determined (fluent '{free}' is unknown)");
        }
        var n = worlds.Count;
        var vals = worlds.ToArray();
        var setOf = new int[agents.Count][];
        var offsets = new int[agents.Count][];
        var targets = new int[agents.Count][];
        for (var ag = 0; ag < agents.Count; ag++)
        {
            // Agent ag's worlds fall into classes that agree on every phi ag knows; one set per class.
            var phis = knowsWhether.Where(k => k.Agent == ag).Select(k => k.Phi).ToArray();
            var classOf = new Dictionary<string, int>(StringComparer.Ordinal);
            var members = new List<List<int>>();
            var so = new int[n];
            for (var w = 0; w < n; w++)
            {
                var sig = string.Concat(phis.Select(p => p.Holds(vals[w]) ? '1' : '0'));
                if (!classOf.TryGetValue(sig, out var c))
                {
                    c = members.Count;
                    classOf.Add(sig, c);
                    members.Add([]);
                }
                members[c].Add(w);
                so[w] = c;
            }
            setOf[ag] = so;
            var off = new int[members.Count + 1];
            var tg = new List<int>();
            for (var c = 0; c < members.Count; c++)
            {
                off[c] = tg.Count;
                tg.AddRange(members[c]);
            }
            off[members.Count] = tg.Count;
            offsets[ag] = off;
            targets[ag] = [.. tg];
        }
        var initial = KripkeModel.Contract(n, vals, actualCandidates[0], setOf, offsets, targets);
        return new MastarProblem(source, table, fluents, agents, actions, initial, goal);
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
