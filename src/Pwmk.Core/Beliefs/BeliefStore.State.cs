using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

public sealed partial class BeliefStore
{
    // ------------------------------------------------------------------ reading state and counts

    /// <summary>The beliefs stored for <paramref name="agent"/> (an atom name), oldest first.</summary>
    public BeliefState GetBeliefState(string agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return GetBeliefState(new Atom(agent));
    }

    /// <summary>The beliefs stored for <paramref name="agent"/>, oldest first.</summary>
    public BeliefState GetBeliefState(Term agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        List<BeliefEntry> entries;
        lock (_read)
        {
            entries = _state.Model.ByAgent.TryGetValue(agent, out var set) ? [.. set] : [];
        }
        entries.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return new BeliefState(agent, entries.ConvertAll(e => e.Belief));
    }

    /// <summary>The agents holding at least one stored belief.</summary>
    public IReadOnlyList<Term> Agents
    {
        get { lock (_read) return [.. _state.Model.ByAgent.Keys]; }
    }

    /// <summary>The declared predicates.</summary>
    public IReadOnlyList<BeliefPredicate> Predicates
    {
        get { lock (_read) return [.. _state.Model.Declared.Values]; }
    }

    /// <summary>True when exactly this ground fact (or <c>believes/2</c> fact) is stored (derived facts do not count).</summary>
    public bool Contains(Term fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        lock (_read) return _state.Model.Entries.ContainsKey(fact);
    }

    /// <summary>Stored facts: world facts plus beliefs. O(1).</summary>
    public int FactCount { get { lock (_read) return _state.Model.Entries.Count; } }

    /// <summary>Stored facts that are not beliefs. O(1).</summary>
    public int WorldFactCount { get { lock (_read) return _state.Model.WorldFacts; } }

    /// <summary>Stored beliefs (<c>believes/2</c> facts). O(1).</summary>
    public int BeliefCount { get { lock (_read) return _state.Model.Entries.Count - _state.Model.WorldFacts; } }

    /// <summary>Rules (clauses with a body and non-ground facts). O(1).</summary>
    public int RuleCount { get { lock (_read) return _state.Model.Rules.Count; } }

    /// <summary>Beliefs held by <paramref name="agent"/> (an atom name), at any depth. O(1).</summary>
    public int CountBeliefs(string agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return CountBeliefs(new Atom(agent));
    }

    /// <summary>Beliefs held by <paramref name="agent"/>, at any depth. O(1).</summary>
    public int CountBeliefs(Term agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        lock (_read) return _state.Model.ByAgent.TryGetValue(agent, out var set) ? set.Count : 0;
    }

    /// <summary>Stored facts (world facts and beliefs) whose content is about <paramref name="predicate"/>. O(1).</summary>
    public int CountFacts(PredicateIndicator predicate)
    {
        lock (_read) return _state.Model.ByPredicate.TryGetValue(predicate, out int n) ? n : 0;
    }

    /// <summary>Stored facts whose content is about <paramref name="name"/>/<paramref name="arity"/>. O(1).</summary>
    public int CountFacts(string name, int arity) => CountFacts(new PredicateIndicator(name, arity));

    /// <summary>Stored beliefs of <paramref name="agent"/> about <paramref name="predicate"/> (null agent: world facts). O(1).</summary>
    public int CountFacts(Term? agent, PredicateIndicator predicate)
    {
        lock (_read) return _state.Model.ByAgentPredicate.TryGetValue((agent, predicate), out int n) ? n : 0;
    }

    /// <summary>Stored facts at nesting depth <paramref name="depth"/> (0: world facts, 1: beliefs, 2: beliefs about beliefs ...). O(1).</summary>
    public int CountAtDepth(int depth)
    {
        lock (_read)
        {
            var d = _state.Model.ByDepth;
            return depth >= 0 && depth < d.Length ? d[depth] : 0;
        }
    }

    /// <summary>The deepest nesting among stored facts (0 when there are no beliefs). O(max depth).</summary>
    public int MaxDepth
    {
        get
        {
            lock (_read)
            {
                var d = _state.Model.ByDepth;
                for (int i = d.Length - 1; i > 0; i--) if (d[i] > 0) return i;
                return 0;
            }
        }
    }

    /// <summary>A snapshot of all counts (for metrics such as <c>pwmk_belief_store_facts_total{agent_id, predicate_type}</c>).</summary>
    public BeliefCounts GetCounts()
    {
        lock (_read) return _state.Model.Snapshot();
    }
}
