namespace Pwmk.Core.Environments;

/// <summary>
/// Result of <see cref="PerspectiveEnv.Reset"/> or <c>PerspectiveEnv.Step</c> in the PettingZoo
/// parallel convention. Owned by the environment and overwritten by the next call.
/// </summary>
public sealed class StepResult
{
    internal StepResult(IReadOnlyList<string> agents, Dictionary<string, int> index)
    {
        Observations = new(agents, index);
        Rewards = new(agents, index);
        Terminations = new(agents, index);
        Truncations = new(agents, index);
        Infos = new(agents, index);
    }

    public AgentMap<Observation> Observations { get; }
    public AgentMap<float> Rewards { get; }
    public AgentMap<bool> Terminations { get; }
    public AgentMap<bool> Truncations { get; }
    public AgentMap<IReadOnlyDictionary<string, object>> Infos { get; }

    /// <summary>Steps taken since the last reset.</summary>
    public int StepCount { get; internal set; }

    /// <summary>True when every agent is terminated or truncated.</summary>
    public bool Done
    {
        get
        {
            for (int i = 0; i < Terminations.Count; i++)
                if (!Terminations[i] && !Truncations[i]) return false;
            return true;
        }
    }
}
