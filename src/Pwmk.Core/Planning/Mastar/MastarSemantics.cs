namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// The mA* transition function: product update of the current pointed Kripke model with the
/// action's event model, followed by bisimulation contraction. Everything that selects the event
/// model is evaluated at the actual world of the current state: executability (every
/// <c>executable</c> formula), who is fully observant (F, an <c>observes</c> condition holds), partially
/// observant (P, an <c>aware_of</c> condition holds) or oblivious (O, the rest), and which effect lines
/// fire (their conjunction is E).
/// <list type="bullet">
/// <item>Ontic: event sigma applies E's literals, epsilon changes nothing. F: sigma-sigma, eps-eps;
/// P and O: sigma-eps, eps-eps. Contradicting fired effects make the action a no-op.</item>
/// <item>Sensing and announcement (same update): sigma = worlds where phi has its actual value,
/// tau = worlds where it differs, eps = anything. F: sigma-sigma, tau-tau, eps-eps; P: sigma/tau both
/// ways, eps-eps; O: everything to eps. The announced phi need not be true.</item>
/// <item>The new model is the product restricted to what is reachable from (actual, sigma); the
/// eps copy is the old model as the oblivious agents keep it.</item>
/// </list>
/// </summary>
internal static class MastarSemantics
{
    private const int Full = 0, Partial = 1, Oblivious = 2;

    /// <summary>True when every executability formula of <paramref name="action"/> holds at the actual world.</summary>
    public static bool IsExecutable(ModelEvaluator ev, MastarAction action)
    {
        foreach (var p in action.Preconditions)
        {
            if (!ev.HoldsAtActual(p))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Applies an executable action; returns the canonical successor state.</summary>
    public static KripkeModel Apply(ModelEvaluator ev, MastarAction action, int maxWorlds)
    {
        var m = ev.Model;
        var agents = m.AgentCount;
        var roles = new int[agents];
        for (var a = 0; a < agents; a++)
        {
            roles[a] = Any(ev, action.Observes[a]) ? Full : Any(ev, action.Aware[a]) ? Partial : Oblivious;
        }
        var n = m.WorldCount;
        int events;
        bool[][] pre;
        ulong set = 0, clear = 0;
        if (action.Type == ActionType.Ontic)
        {
            foreach (var e in action.OnticEffects)
            {
                if (ev.HoldsAtActual(e.Condition))
                {
                    set |= e.Set;
                    clear |= e.Clear;
                }
            }
            if ((set & clear) != 0)
            {
                set = clear = 0; // contradicting effects: no-op
            }
            events = 2;
            var all = new bool[n];
            Array.Fill(all, true);
            pre = [all, all];
        }
        else
        {
            var phiParts = new List<MastarFormula>();
            if (action.Type != ActionType.None)
            {
                foreach (var e in action.EpistemicEffects)
                {
                    if (ev.HoldsAtActual(e.Condition))
                    {
                        phiParts.Add(e.Formula);
                    }
                }
            }
            events = 3;
            var sigma = new bool[n];
            var tau = new bool[n];
            var eps = new bool[n];
            Array.Fill(eps, true);
            if (phiParts.Count == 0)
            {
                Array.Fill(sigma, true); // nothing learnt
            }
            else
            {
                var actualValue = true;
                foreach (var p in phiParts)
                {
                    actualValue &= p.Holds(m.Valuations[m.Actual]);
                }
                for (var w = 0; w < n; w++)
                {
                    var v = true;
                    foreach (var p in phiParts)
                    {
                        v &= p.Holds(m.Valuations[w]);
                    }
                    sigma[w] = v == actualValue;
                    tau[w] = !sigma[w];
                }
            }
            pre = [sigma, tau, eps];
        }
        var epsilon = events - 1;
        // Product restricted to what is reachable from (actual, sigma). A new world (w, e) gets, for
        // agent a, the set {(v, e') : v in a's set of w, e' allowed from e for a, v satisfies pre(e')}:
        // it depends only on (a's set of w, allowed events), so it is built once per such pair.
        var id = new int[n * events];
        Array.Fill(id, -1);
        var worldOf = new List<int>();
        var eventOf = new List<int>();
        var newSetOf = new List<int>[agents];
        var setStart = new List<int>[agents];
        var setData = new List<int>[agents];
        var setIds = new Dictionary<long, int>[agents];
        for (var a = 0; a < agents; a++)
        {
            newSetOf[a] = [];
            setStart[a] = [0];
            setData[a] = [];
            setIds[a] = [];
        }
        int Visit(int w, int e)
        {
            ref var slot = ref id[(w * events) + e];
            if (slot < 0)
            {
                slot = worldOf.Count;
                worldOf.Add(w);
                eventOf.Add(e);
            }
            return slot;
        }
        Visit(m.Actual, 0);
        var epsMask = 1 << epsilon;
        for (var head = 0; head < worldOf.Count; head++)
        {
            if (worldOf.Count > maxWorlds)
            {
                throw new PlanningLimitException($"a state exceeds {maxWorlds} worlds");
            }
            var w = worldOf[head];
            var e = eventOf[head];
            for (var a = 0; a < agents; a++)
            {
                int mask;
                if (e == epsilon)
                {
                    mask = epsMask;
                }
                else if (roles[a] == Full)
                {
                    mask = 1 << e;
                }
                else if (roles[a] == Partial && events == 3)
                {
                    mask = 0b011;
                }
                else
                {
                    mask = epsMask;
                }
                var oldSet = m.SetOf[a][w];
                var setKey = ((long)oldSet << 3) | (uint)mask;
                if (!setIds[a].TryGetValue(setKey, out var newSet))
                {
                    newSet = setStart[a].Count - 1;
                    setIds[a].Add(setKey, newSet);
                    var data = setData[a];
                    foreach (var v in m.Members(a, oldSet))
                    {
                        for (var e2 = 0; e2 < events; e2++)
                        {
                            if ((mask & (1 << e2)) != 0 && pre[e2][v])
                            {
                                data.Add(Visit(v, e2));
                            }
                        }
                    }
                    setStart[a].Add(data.Count);
                }
                newSetOf[a].Add(newSet);
            }
        }
        var count2 = worldOf.Count;
        var vals = new ulong[count2];
        for (var i = 0; i < count2; i++)
        {
            var v = m.Valuations[worldOf[i]];
            if (action.Type == ActionType.Ontic && eventOf[i] == 0)
            {
                v = (v | set) & ~clear;
            }
            vals[i] = v;
        }
        var setOf = new int[agents][];
        var offsets = new int[agents][];
        var targets = new int[agents][];
        for (var a = 0; a < agents; a++)
        {
            setOf[a] = [.. newSetOf[a]];
            offsets[a] = [.. setStart[a]];
            targets[a] = [.. setData[a]];
        }
        return KripkeModel.Contract(count2, vals, 0, setOf, offsets, targets);
    }

    private static bool Any(ModelEvaluator ev, List<MastarFormula> conditions)
    {
        foreach (var c in conditions)
        {
            if (ev.HoldsAtActual(c))
            {
                return true;
            }
        }
        return false;
    }
}
