using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>One stored ground fact (a world fact or a belief) with its bookkeeping.</summary>
internal sealed class BeliefEntry(Belief belief, PredicateIndicator predicate, Term? functionalKey, long seq)
{
    public Belief Belief { get; } = belief;
    public Term Fact => Belief.Fact;
    public PredicateIndicator Predicate { get; } = predicate;
    public Term? FunctionalKey { get; } = functionalKey;
    public long Seq { get; } = seq;
}

/// <summary>A clause that is not a ground fact, with the variable names it was written with.</summary>
internal sealed record RuleEntry(Term Clause, PredicateIndicator Head, long Seq);

/// <summary>
/// The C# side of a belief store: every stored fact and rule in order, the functional index, and the
/// counts kept incrementally. Not thread-safe; <see cref="BeliefStore"/> guards it.
/// </summary>
internal sealed class BeliefModel
{
    public readonly Dictionary<Term, BeliefEntry> Entries = [];
    public readonly Dictionary<Term, BeliefEntry> ByFunctionalKey = [];
    public readonly Dictionary<Term, HashSet<BeliefEntry>> ByAgent = [];
    public readonly Dictionary<PredicateIndicator, int> ByPredicate = [];
    public readonly Dictionary<(Term? Agent, PredicateIndicator Predicate), int> ByAgentPredicate = [];
    public readonly List<RuleEntry> Rules = [];
    public readonly Dictionary<PredicateIndicator, BeliefPredicate> Declared = [];
    public readonly List<Term> Directives = [];
    public int[] ByDepth;
    public int WorldFacts;
    public long NextSeq;

    public BeliefModel(int maxDepth) => ByDepth = new int[maxDepth + 1];

    public BeliefModel Clone()
    {
        var m = new BeliefModel(ByDepth.Length - 1) { WorldFacts = WorldFacts, NextSeq = NextSeq };
        foreach (var kv in Entries) m.Entries.Add(kv.Key, kv.Value);
        foreach (var kv in ByFunctionalKey) m.ByFunctionalKey.Add(kv.Key, kv.Value);
        foreach (var kv in ByAgent) m.ByAgent.Add(kv.Key, [.. kv.Value]);
        foreach (var kv in ByPredicate) m.ByPredicate.Add(kv.Key, kv.Value);
        foreach (var kv in ByAgentPredicate) m.ByAgentPredicate.Add(kv.Key, kv.Value);
        m.Rules.AddRange(Rules);
        foreach (var kv in Declared) m.Declared.Add(kv.Key, kv.Value);
        m.Directives.AddRange(Directives);
        Array.Copy(ByDepth, m.ByDepth, ByDepth.Length);
        return m;
    }

    /// <summary>The functional key of a fact, when its content's predicate is declared functional.</summary>
    public Term? KeyOf(IReadOnlyList<Term> chain, Term content)
    {
        if (content is not Compound c) return null;
        if (!Declared.TryGetValue(new(c.Functor, c.Arity), out var p) || !p.IsFunctional) return null;
        return BeliefTerms.Wrap(chain, BeliefTerms.FunctionalKey(c, p.FunctionalIn));
    }

    public BeliefEntry NewEntry(Term[] chain, Term content, Term fact)
        => new(new Belief(chain, content, fact), BeliefTerms.IndicatorOf(content), KeyOf(chain, content), NextSeq++);

    public void Add(BeliefEntry e)
    {
        Entries.Add(e.Fact, e);
        if (e.FunctionalKey is not null) ByFunctionalKey[e.FunctionalKey] = e;
        var agent = e.Belief.Agent;
        if (agent is not null)
        {
            if (!ByAgent.TryGetValue(agent, out var set)) ByAgent[agent] = set = [];
            set.Add(e);
        }
        else WorldFacts++;
        Bump(ByPredicate, e.Predicate, 1);
        Bump(ByAgentPredicate, (agent, e.Predicate), 1);
        ByDepth[e.Belief.Depth]++;
    }

    public void Remove(BeliefEntry e)
    {
        if (!Entries.Remove(e.Fact)) return;
        if (e.FunctionalKey is not null && ByFunctionalKey.TryGetValue(e.FunctionalKey, out var cur) && ReferenceEquals(cur, e))
            ByFunctionalKey.Remove(e.FunctionalKey);
        var agent = e.Belief.Agent;
        if (agent is not null)
        {
            var set = ByAgent[agent];
            set.Remove(e);
            if (set.Count == 0) ByAgent.Remove(agent);
        }
        else WorldFacts--;
        Bump(ByPredicate, e.Predicate, -1);
        Bump(ByAgentPredicate, (agent, e.Predicate), -1);
        ByDepth[e.Belief.Depth]--;
    }

    private static void Bump<TKey>(Dictionary<TKey, int> d, TKey key, int delta) where TKey : notnull
    {
        d.TryGetValue(key, out int n);
        n += delta;
        if (n == 0) d.Remove(key);
        else d[key] = n;
    }

    /// <summary>Declares a predicate, re-indexing its stored facts; throws when a functional declaration meets two values for one key.</summary>
    public void Declare(BeliefPredicate p)
    {
        var ind = p.Indicator;
        var affected = new List<BeliefEntry>();
        foreach (var e in Entries.Values)
            if (e.Predicate == ind) affected.Add(e);
        var keys = new Dictionary<Term, BeliefEntry>();
        if (p.IsFunctional)
        {
            foreach (var e in affected)
            {
                var key = BeliefTerms.Wrap(e.Belief.Chain, BeliefTerms.FunctionalKey((Compound)e.Belief.Content, p.FunctionalIn));
                if (keys.TryGetValue(key, out var other))
                    throw new BeliefStoreException($"cannot declare {p}: the store already holds two values for one key: {other.Fact} and {e.Fact}");
                keys[key] = e;
            }
        }
        foreach (var e in affected) Remove(e);
        Declared[ind] = p;
        foreach (var e in affected)
            Add(new BeliefEntry(e.Belief, e.Predicate, KeyOf(e.Belief.Chain, e.Belief.Content), e.Seq));
    }

    public BeliefCounts Snapshot()
    {
        var byAgent = new Dictionary<string, int>();
        foreach (var kv in ByAgent) byAgent[kv.Key.ToString()] = kv.Value.Count;
        var ap = new List<AgentPredicateCount>(ByAgentPredicate.Count);
        foreach (var kv in ByAgentPredicate) ap.Add(new(kv.Key.Agent?.ToString(), kv.Key.Predicate, kv.Value));
        return new BeliefCounts(Entries.Count, WorldFacts, Rules.Count, byAgent, new Dictionary<PredicateIndicator, int>(ByPredicate), ap, [.. ByDepth]);
    }
}
