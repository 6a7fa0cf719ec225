using System.Numerics;

namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// The partition of a problem's fluents into independent parts, found once from the problem's text: two
/// fluents share a part when one formula that must be evaluated inside a model mentions both (a belief
/// formula evaluated at the actual world, an initial common-knowledge formula, what one agent knows
/// whether, a sensed or announced formula) or one action's effects change both. Fluent formulas at the
/// actual world need no part: they are read from the actual valuation. A state is then kept as one
/// Kripke model per part (see <see cref="MastarState"/>), bisimilar to their product, and an action
/// updates only the part its effects touch. Problems that use <c>D</c> (distributed knowledge) keep one part.
/// </summary>
internal sealed class FluentLayout
{
    private readonly int[] _partOfFluent;
    private ulong[] _maskById = []; // fluents of each formula by id; ulong.MaxValue: uses D

    private FluentLayout(int fluentCount, ulong[] masks)
    {
        Masks = masks;
        _partOfFluent = new int[fluentCount];
        for (var p = 0; p < masks.Length; p++)
        {
            var m = masks[p];
            while (m != 0)
            {
                _partOfFluent[BitOperations.TrailingZeroCount(m)] = p;
                m &= m - 1;
            }
        }
    }

    /// <summary>Fluent bits of each part, parts ordered by their lowest fluent.</summary>
    public ulong[] Masks { get; }

    /// <summary>Number of parts.</summary>
    public int Count => Masks.Length;

    /// <summary>Every fluent in one part (no factoring).</summary>
    public static FluentLayout Single(int fluentCount) =>
        new(fluentCount, [fluentCount >= 64 ? ulong.MaxValue : (1UL << fluentCount) - 1]);

    /// <summary>
    /// The partition of <paramref name="fluentCount"/> fluents in which every mask of <paramref name="groups"/>
    /// lies inside one part; every fluent in one part when <paramref name="single"/>.
    /// </summary>
    public static FluentLayout Build(int fluentCount, IEnumerable<ulong> groups, bool single)
    {
        if (single || fluentCount == 0)
        {
            return Single(fluentCount);
        }
        var parent = new int[fluentCount];
        for (var i = 0; i < fluentCount; i++)
        {
            parent[i] = i;
        }
        int Find(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            return x;
        }
        foreach (var g in groups)
        {
            if (g == 0)
            {
                continue;
            }
            var first = Find(BitOperations.TrailingZeroCount(g));
            var rest = g & (g - 1);
            while (rest != 0)
            {
                var r = Find(BitOperations.TrailingZeroCount(rest));
                if (r != first)
                {
                    parent[Math.Max(r, first)] = Math.Min(r, first);
                    first = Math.Min(r, first);
                }
                rest &= rest - 1;
            }
        }
        var masks = new List<ulong>();
        var partOfRoot = new Dictionary<int, int>();
        for (var f = 0; f < fluentCount; f++)
        {
            var root = Find(f);
            if (!partOfRoot.TryGetValue(root, out var p))
            {
                p = masks.Count;
                partOfRoot.Add(root, p);
                masks.Add(0);
            }
            masks[p] |= 1UL << f;
        }
        return new FluentLayout(fluentCount, [.. masks]);
    }

    /// <summary>
    /// The masks a problem's formulas impose: belief atoms of every formula evaluated at the actual world
    /// (goal, invariant, preconditions, observation and effect conditions), each action's effect fluents,
    /// the initial common-knowledge formulas and knows-whether formulas. Also says whether <c>D</c> occurs.
    /// </summary>
    public static (List<ulong> Groups, bool HasDistributed) Constraints(
        IEnumerable<MastarFormula> atActual, IEnumerable<MastarAction> actions, IEnumerable<MastarFormula> insideModels)
    {
        var groups = new List<ulong>();
        var distributed = false;
        var pending = new Stack<MastarFormula>();
        void Actual(MastarFormula f)
        {
            pending.Push(f);
            while (pending.Count > 0)
            {
                var g = pending.Pop();
                if (g.IsFluent)
                {
                    continue;
                }
                if (g.Kind is FormulaKind.Not or FormulaKind.And or FormulaKind.Or)
                {
                    foreach (var p in g.Parts)
                    {
                        pending.Push(p);
                    }
                    continue;
                }
                groups.Add(FluentsOf(g, ref distributed));
            }
        }
        foreach (var f in atActual)
        {
            Actual(f);
        }
        foreach (var a in actions)
        {
            foreach (var f in a.Preconditions)
            {
                Actual(f);
            }
            foreach (var list in a.Observes.Concat(a.Aware))
            {
                foreach (var f in list)
                {
                    Actual(f);
                }
            }
            ulong effects = 0;
            foreach (var e in a.OnticEffects)
            {
                Actual(e.Condition);
                effects |= e.Set | e.Clear;
            }
            foreach (var e in a.EpistemicEffects)
            {
                Actual(e.Condition);
                effects |= FluentsOf(e.Formula, ref distributed);
            }
            groups.Add(effects);
        }
        foreach (var f in insideModels)
        {
            groups.Add(FluentsOf(f, ref distributed));
        }
        return (groups, distributed);
    }

    /// <summary>The part holding every fluent of <paramref name="mask"/>, or -1 when they lie in several parts (0 for no fluent).</summary>
    public int PartOfMask(ulong mask)
    {
        if (mask == 0)
        {
            return 0;
        }
        var p = _partOfFluent[BitOperations.TrailingZeroCount(mask)];
        return (Masks[p] & mask) == mask ? p : -1;
    }

    /// <summary>
    /// Records the fluents of every formula of <paramref name="table"/> made so far (formulas made later, by
    /// tools and tests, are measured when used). Called once, before the layout is shared between threads.
    /// </summary>
    public void Index(FormulaTable table)
    {
        var masks = new ulong[table.Count];
        for (var id = 0; id < masks.Length; id++)
        {
            var f = table[id];
            ulong m = f.Kind == FormulaKind.Literal ? 1UL << f.Fluent : 0;
            foreach (var p in f.Parts)
            {
                m |= masks[p.Id]; // parts are made before the formulas holding them
            }
            masks[id] = f.Kind == FormulaKind.Distributed || m == ulong.MaxValue ? ulong.MaxValue : m;
            if (f.Kind != FormulaKind.Distributed)
            {
                foreach (var p in f.Parts)
                {
                    if (masks[p.Id] == ulong.MaxValue)
                    {
                        masks[id] = ulong.MaxValue;
                    }
                }
            }
        }
        _maskById = masks;
    }

    /// <summary>
    /// The part a belief formula is evaluated in (its fluents' part; 0 with no fluent), or -1 when it spans
    /// parts or uses <c>D</c>, which is then evaluated on the product of every part.
    /// </summary>
    public int PartOf(MastarFormula f)
    {
        if (Count == 1)
        {
            return 0;
        }
        ulong mask;
        if (f.Id < _maskById.Length)
        {
            mask = _maskById[f.Id];
        }
        else
        {
            var distributed = false;
            mask = FluentsOf(f, ref distributed);
            if (distributed)
            {
                return -1;
            }
        }
        return mask == ulong.MaxValue ? -1 : PartOfMask(mask);
    }

    /// <summary>Fluents mentioned by <paramref name="f"/> (explicit stack: no recursion on user data).</summary>
    public static ulong FluentsOf(MastarFormula f, ref bool distributed)
    {
        ulong mask = 0;
        var stack = new Stack<MastarFormula>();
        stack.Push(f);
        while (stack.Count > 0)
        {
            var g = stack.Pop();
            if (g.Kind == FormulaKind.Literal)
            {
                mask |= 1UL << g.Fluent;
                continue;
            }
            distributed |= g.Kind == FormulaKind.Distributed;
            foreach (var p in g.Parts)
            {
                stack.Push(p);
            }
        }
        return mask;
    }
}
