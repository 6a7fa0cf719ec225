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
/// States are kept as independent parts (<see cref="MastarState"/>): an event model whose preconditions and
/// effects read only one part's fluents updates that part alone (the product of the other parts and the
/// updated one is the product update of the whole).
/// </summary>
internal static class MastarSemantics
{
    private const int Full = 0, Partial = 1, Oblivious = 2;

    /// <summary>True when every executability formula of <paramref name="action"/> holds at the actual world.</summary>
    public static bool IsExecutable(StateEvaluator ev, MastarAction action)
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

    /// <summary>
    /// Applies an executable action; returns the successor state. When no effect line fires (or fired ontic
    /// effects contradict) the product update changes nothing up to bisimulation, and the state itself is
    /// returned. Otherwise only the part holding the action's effect fluents is updated (the other parts are
    /// shared with <paramref name="ev"/>'s state).
    /// </summary>
    public static MastarState Apply(StateEvaluator ev, MastarAction action, FluentLayout layout, long maxWorlds)
    {
        var state = ev.State;
        ulong set = 0, clear = 0;
        List<MastarFormula>? phi = null;
        switch (action.Type)
        {
            case ActionType.Ontic:
                var fired = false;
                foreach (var e in action.OnticEffects)
                {
                    if (ev.HoldsAtActual(e.Condition))
                    {
                        set |= e.Set;
                        clear |= e.Clear;
                        fired = true;
                    }
                }
                if (!fired || (set & clear) != 0)
                {
                    return state; // nothing fires, or contradicting effects: a no-op
                }
                break;
            case ActionType.Sensing or ActionType.Announcement:
                foreach (var e in action.EpistemicEffects)
                {
                    if (ev.HoldsAtActual(e.Condition))
                    {
                        (phi ??= []).Add(e.Formula);
                    }
                }
                if (phi is null)
                {
                    return state; // nothing learnt
                }
                break;
            default:
                return state;
        }
        var roles = new int[state.Parts[0].AgentCount];
        for (var a = 0; a < roles.Length; a++)
        {
            roles[a] = Any(ev, action.Observes[a]) ? Full : Any(ev, action.Aware[a]) ? Partial : Oblivious;
        }
        var target = state.Parts.Length == 1 ? 0 : layout.PartOfMask(action.EffectFluents);
        var actualValue = true;
        if (phi is not null)
        {
            foreach (var p in phi)
            {
                actualValue &= p.Holds(state.ActualValuation);
            }
        }
        var updated = Update(state.Parts[target], roles, action.Type == ActionType.Ontic, set, clear, phi, actualValue, maxWorlds);
        return state.With(target, updated, maxWorlds);
    }

    /// <summary>
    /// Product update of one model with the event model of an action: ontic (sigma applies
    /// <paramref name="set"/>/<paramref name="clear"/>, epsilon keeps the old model) or epistemic (sigma: the
    /// conjunction <paramref name="phi"/> has <paramref name="actualValue"/>, tau: it differs, epsilon), for
    /// agents in the given roles; restricted to what (actual, sigma) reaches, then contracted.
    /// </summary>
    private static KripkeModel Update(KripkeModel m, int[] roles, bool ontic, ulong set, ulong clear, List<MastarFormula>? phi,
        bool actualValue, long maxWorlds)
    {
        var agents = m.AgentCount;
        var n = m.WorldCount;
        int events;
        bool[][] pre;
        if (ontic)
        {
            events = 2;
            var all = new bool[n];
            Array.Fill(all, true);
            pre = [all, all];
        }
        else
        {
            events = 3;
            var sigma = new bool[n];
            var tau = new bool[n];
            var eps = new bool[n];
            Array.Fill(eps, true);
            for (var w = 0; w < n; w++)
            {
                var v = true;
                foreach (var p in phi!)
                {
                    v &= p.Holds(m.Valuations[w]);
                }
                sigma[w] = v == actualValue;
                tau[w] = !sigma[w];
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
            if (ontic && eventOf[i] == 0)
            {
                v = (v | set) & ~clear;
            }
            vals[i] = v;
        }
        return KripkeModel.Contract(count2, vals, 0, newSetOf, setStart, setData);
    }

    private static bool Any(StateEvaluator ev, List<MastarFormula> conditions)
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
