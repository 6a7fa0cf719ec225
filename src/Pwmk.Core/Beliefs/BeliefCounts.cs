namespace Pwmk.Core.Beliefs;

/// <summary>Facts of one agent (null: world facts) about one predicate.</summary>
public readonly record struct AgentPredicateCount(string? Agent, PredicateIndicator Predicate, int Count);

/// <summary>A snapshot of the store's counts (taken in time proportional to the number of agents and predicates).</summary>
public sealed class BeliefCounts
{
    internal BeliefCounts(int facts, int worldFacts, int rules, IReadOnlyDictionary<string, int> byAgent,
        IReadOnlyDictionary<PredicateIndicator, int> byPredicate, IReadOnlyList<AgentPredicateCount> byAgentAndPredicate, IReadOnlyList<int> byDepth)
    {
        Facts = facts;
        WorldFacts = worldFacts;
        Rules = rules;
        ByAgent = byAgent;
        ByPredicate = byPredicate;
        ByAgentAndPredicate = byAgentAndPredicate;
        ByDepth = byDepth;
    }

    /// <summary>Stored facts: world facts plus beliefs.</summary>
    public int Facts { get; }
    /// <summary>Stored facts that are not beliefs (depth 0).</summary>
    public int WorldFacts { get; }
    /// <summary>Stored beliefs (depth 1 and more).</summary>
    public int Beliefs => Facts - WorldFacts;
    /// <summary>Rules (clauses with a body, and non-ground facts).</summary>
    public int Rules { get; }
    /// <summary>Beliefs per holding agent (the agent written as Prolog text).</summary>
    public IReadOnlyDictionary<string, int> ByAgent { get; }
    /// <summary>Facts per predicate of their content (world facts and beliefs).</summary>
    public IReadOnlyDictionary<PredicateIndicator, int> ByPredicate { get; }
    /// <summary>Facts per holding agent and content predicate.</summary>
    public IReadOnlyList<AgentPredicateCount> ByAgentAndPredicate { get; }
    /// <summary>Facts per nesting depth (index 0: world facts; 1: beliefs; 2: beliefs about beliefs ...).</summary>
    public IReadOnlyList<int> ByDepth { get; }
}
