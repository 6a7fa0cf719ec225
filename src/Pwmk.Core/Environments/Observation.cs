using Pwmk.Core.Perspective;

namespace Pwmk.Core.Environments;

/// <summary>
/// What one agent perceives after a reset or step: a vector in the agent's observation space and the
/// events it witnessed (each with all its witnesses). Owned by the environment and overwritten by the
/// next step: copy what you keep.
/// </summary>
public sealed class Observation
{
    internal Observation(PerspectiveEnv env, int agentId, string agent, int size)
    {
        Environment = env;
        AgentId = agentId;
        Agent = agent;
        Vector = new float[size];
    }

    /// <summary>The environment the observation comes from.</summary>
    public PerspectiveEnv Environment { get; }

    public int AgentId { get; }
    public string Agent { get; }
    public float[] Vector { get; }
    internal List<BeliefEvent> EventList { get; } = [];
    public IReadOnlyList<BeliefEvent> Events => EventList;
}
