namespace Pwmk.Core.WorldModel;

/// <summary>
/// A relabelling of an environment's episodes that turns an episode into another one just as likely (agents renamed,
/// the grid mirrored, ...): index maps over the agents, actions, observation values, belief slots and world-truth slots.
/// The trainer applies a random one to each training episode it gathers (<see cref="TrainerConfig.Symmetries"/>), so
/// a few hundred episodes teach what many more would.
/// </summary>
internal sealed class EpisodeSymmetry
{
    private readonly int[] tokenSource, actionMap, truthSource;
    private readonly int[][] observationSource, beliefSource;

    /// <param name="tokenSource">For each agent of the new episode, the agent of the original one it is.</param>
    /// <param name="actionMap">For each original action id, the id of the same move in the new episode.</param>
    /// <param name="observationSource">Per new agent: for each value of its observation, the index of that value in its
    /// original agent's observation (-1: always 0).</param>
    /// <param name="beliefSource">Per new agent: the same for its belief slots.</param>
    /// <param name="truthSource">For each world-truth slot, the original slot.</param>
    public EpisodeSymmetry(int[] tokenSource, int[] actionMap, int[][] observationSource, int[][] beliefSource, int[] truthSource)
    {
        this.tokenSource = tokenSource;
        this.actionMap = actionMap;
        this.observationSource = observationSource;
        this.beliefSource = beliefSource;
        this.truthSource = truthSource;
    }

    /// <summary>Every agent's observation [N, O] of the original episode, relabelled into <paramref name="into"/>.</summary>
    public void Observations(ReadOnlySpan<float> from, Span<float> into) => PerAgent(observationSource, from, into);

    /// <summary>Every agent's beliefs [N, B], relabelled.</summary>
    public void Beliefs(ReadOnlySpan<float> from, Span<float> into) => PerAgent(beliefSource, from, into);

    /// <summary>The world truth [B], relabelled.</summary>
    public void Truth(ReadOnlySpan<float> from, Span<float> into) => Gather(truthSource, from, into);

    /// <summary>The joint action [N], relabelled.</summary>
    public void Actions(ReadOnlySpan<int> from, Span<int> into)
    {
        for (int i = 0; i < tokenSource.Length; i++)
        {
            into[i] = actionMap[from[tokenSource[i]]];
        }
    }

    private void PerAgent(int[][] sources, ReadOnlySpan<float> from, Span<float> into)
    {
        int size = sources[0].Length;
        for (int i = 0; i < tokenSource.Length; i++)
        {
            Gather(sources[i], from.Slice(tokenSource[i] * size, size), into.Slice(i * size, size));
        }
    }

    private static void Gather(int[] source, ReadOnlySpan<float> from, Span<float> into)
    {
        for (int j = 0; j < source.Length; j++)
        {
            into[j] = source[j] < 0 ? 0f : from[source[j]];
        }
    }
}
