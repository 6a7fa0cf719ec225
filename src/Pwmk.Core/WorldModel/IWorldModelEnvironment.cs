namespace Pwmk.Core.WorldModel;

/// <summary>
/// The minimal view of a multi-agent environment the world model needs: fixed-size observation vectors per agent,
/// discrete actions, and per-agent belief targets (the environments' <c>GetBeliefGroundTruth()</c>).
/// Arrays are flat and row-major: observations [NumAgents, ObservationSize], beliefs [NumAgents, NumBeliefs].
/// </summary>
public interface IWorldModelEnvironment
{
    /// <summary>Short name (metric label, file metadata).</summary>
    string Name { get; }

    /// <summary>Number of agents.</summary>
    int NumAgents { get; }

    /// <summary>Values in one agent's observation vector.</summary>
    int ObservationSize { get; }

    /// <summary>Number of discrete actions per agent.</summary>
    int NumActions { get; }

    /// <summary>Belief predicates per agent.</summary>
    int NumBeliefs { get; }

    /// <summary>
    /// 1 when every belief is an independent 0/1 predicate; above 1 when the beliefs are groups of this many one-hot slots,
    /// one group per fluent (see <see cref="WorldModelConfig.BeliefGroupSize"/>).
    /// </summary>
    int BeliefGroupSize => 1;

    /// <summary>
    /// The order of every belief group of one agent (1: its own belief, 2: what it believes another agent believes, ...),
    /// NumBeliefs / BeliefGroupSize values; every agent's beliefs have the same layout.
    /// </summary>
    int[] BeliefGroupOrders => [.. Enumerable.Repeat(1, NumBeliefs / BeliefGroupSize)];

    /// <summary>
    /// True when the last <see cref="NumBeliefs"/> values of each agent's observation are the events it witnessed at that
    /// step in the layout of its beliefs: for every chain it heads and every fluent, 1 in the slot of the value the chain
    /// saw (the agent saw it, and saw the next agent of the chain see it), all zero when the chain saw nothing of it.
    /// </summary>
    bool HasBeliefEvidence => false;

    /// <summary>Longest episode in steps (episodes are truncated there).</summary>
    int MaxSteps { get; }

    /// <summary>Starts an episode (deterministic given <paramref name="seed"/>) and writes every agent's observation.</summary>
    void Reset(int seed, Span<float> observations);

    /// <summary>Applies the joint action (one id per agent), writes the next observations; true when the episode ended.</summary>
    bool Step(ReadOnlySpan<int> actions, Span<float> observations);

    /// <summary>What every agent believes now: 1 where the agent believes the predicate holds, else 0.</summary>
    void GetBeliefGroundTruth(Span<float> beliefs);

    /// <summary>Whether each belief predicate really holds now (a belief differing from it is a false belief).</summary>
    void GetWorldTruth(Span<float> truth);
}

/// <summary>An environment that can suggest a sensible action for an agent (used by the expert and mixed policies).</summary>
public interface IExpertPolicySource
{
    /// <summary>A good action for <paramref name="agent"/> in the current state.</summary>
    int ExpertAction(int agent);
}
