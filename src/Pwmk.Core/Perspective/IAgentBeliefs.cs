using Pwmk.Logic.Terms;

namespace Pwmk.Core.Perspective;

/// <summary>What one agent believes, as its policy or its environment's built-in heuristic reads it.</summary>
public interface IAgentBeliefs
{
    /// <summary>The believer's agent id.</summary>
    int AgentId { get; }

    /// <summary>
    /// The value id the agent believes <paramref name="fluent"/> has, through the chain that starts with the agent
    /// itself and goes on with <paramref name="others"/> (empty: its own belief; [b]: what it believes b believes);
    /// -1 when it holds no such belief.
    /// </summary>
    int BelievedValue(ReadOnlySpan<int> others, int fluent);
}

/// <summary>Reading an agent's beliefs as terms.</summary>
public static class AgentBeliefsExtensions
{
    /// <summary>The value term the agent believes the fluent has (through <paramref name="others"/>), or null.</summary>
    public static Term? BelievedTerm(this IAgentBeliefs beliefs, BeliefVocabulary vocabulary, int fluent, params ReadOnlySpan<int> others)
    {
        ArgumentNullException.ThrowIfNull(beliefs);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (fluent < 0) return null;
        int v = beliefs.BelievedValue(others, fluent);
        return v < 0 ? null : vocabulary.ValueTerm(v);
    }
}
