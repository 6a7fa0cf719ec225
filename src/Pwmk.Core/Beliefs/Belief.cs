using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>
/// One stored belief: the chain of agents holding it (outermost first) and its content.
/// <c>believes(agent_0, believes(agent_1, at(treasure, room_3)))</c> has chain
/// <c>[agent_0, agent_1]</c>, content <c>at(treasure, room_3)</c> and depth 2.
/// </summary>
public sealed class Belief
{
    internal Belief(IReadOnlyList<Term> chain, Term content, Term fact)
    {
        Chain = chain;
        Content = content;
        Fact = fact;
    }

    /// <summary>The agents, outermost first (empty for a world fact).</summary>
    public IReadOnlyList<Term> Chain { get; }

    /// <summary>What is believed, without the <c>believes/2</c> wrappers.</summary>
    public Term Content { get; }

    /// <summary>The stored fact, <c>believes(A1, believes(A2, ... Content))</c>.</summary>
    public Term Fact { get; }

    /// <summary>The agent holding the belief (null for a world fact).</summary>
    public Term? Agent => Chain.Count > 0 ? Chain[0] : null;

    /// <summary>Nesting depth: 1 for a plain belief, 2 for a belief about a belief ..., 0 for a world fact.</summary>
    public int Depth => Chain.Count;

    /// <summary>Writes the stored fact.</summary>
    public override string ToString() => Fact.ToString();
}

/// <summary>What one agent believes (its stored beliefs, in the order they were added).</summary>
public sealed class BeliefState
{
    internal BeliefState(Term agent, IReadOnlyList<Belief> beliefs)
    {
        Agent = agent;
        Beliefs = beliefs;
        int max = 0;
        foreach (var b in beliefs) max = Math.Max(max, b.Depth);
        MaxDepth = max;
    }

    /// <summary>The agent.</summary>
    public Term Agent { get; }

    /// <summary>The agent's stored beliefs (not those derived by rules), oldest first.</summary>
    public IReadOnlyList<Belief> Beliefs { get; }

    /// <summary>The deepest nesting among the beliefs (0 when there are none).</summary>
    public int MaxDepth { get; }
}

/// <summary>The result of <see cref="BeliefStore.Revise(Term, Term)"/>: the belief added and the beliefs it displaced.</summary>
public sealed record BeliefRevision(Belief Added, IReadOnlyList<Belief> Removed);

/// <summary>What kind of change a <see cref="BeliefUpdate"/> reports.</summary>
public enum BeliefUpdateKind
{
    /// <summary>A fact or belief was added.</summary>
    Added,
    /// <summary>A functional update replaced an older value.</summary>
    Replaced,
    /// <summary>A fact or belief was removed.</summary>
    Removed,
    /// <summary>A revision removed contradicting beliefs and added a new one.</summary>
    Revised,
    /// <summary>A program was consulted or loaded.</summary>
    Loaded,
}

/// <summary>One change of the store, as reported by <see cref="BeliefStore.Updated"/>.</summary>
/// <param name="Agent">The agent whose beliefs changed (null for world facts and loads).</param>
/// <param name="Kind">The kind of change.</param>
public readonly record struct BeliefUpdate(Term? Agent, BeliefUpdateKind Kind);
