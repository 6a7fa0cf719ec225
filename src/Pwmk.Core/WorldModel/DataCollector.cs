using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>How agents act while collecting trajectories.</summary>
public enum CollectionPolicy
{
    /// <summary>Uniformly random actions.</summary>
    Random,

    /// <summary>The environment's expert action (<see cref="IExpertPolicySource"/>).</summary>
    Expert,

    /// <summary>Each action is the expert's or a random one with equal probability.</summary>
    Mixed,
}

/// <summary>Runs episodes of an environment and records observations, actions and belief targets.</summary>
public sealed class DataCollector(IWorldModelEnvironment env)
{
    /// <summary>Largest number of values a collection may hold.</summary>
    public const long MaxValues = 1L << 28;

    /// <summary>Collects <paramref name="numEpisodes"/> episodes (deterministic given <paramref name="seed"/>).</summary>
    public TrajectoryDataset Collect(int numEpisodes, CollectionPolicy policy = CollectionPolicy.Random, bool saveBeliefs = true, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numEpisodes);
        var expert = env as IExpertPolicySource;
        if (policy != CollectionPolicy.Random && expert is null)
        {
            throw new ArgumentException($"environment '{env.Name}' has no expert policy; use the random policy");
        }
        int n = env.NumAgents, o = env.ObservationSize, t = env.MaxSteps, nb = saveBeliefs ? env.NumBeliefs : 0;
        if ((long)numEpisodes * (t + 1) * n * Math.Max(o, nb) > MaxValues)
        {
            throw new ArgumentException($"{numEpisodes} episodes of {t} steps would exceed {MaxValues} values");
        }
        var obs = new float[numEpisodes * (t + 1) * n * o];
        var actions = new int[numEpisodes * t * n];
        var beliefs = new float[numEpisodes * (t + 1) * n * nb];
        var truth = new float[numEpisodes * (t + 1) * nb];
        var lengths = new int[numEpisodes];
        var rng = new SeededRandom((ulong)(uint)seed + 0x5EED);
        var joint = new int[n];
        for (int e = 0; e < numEpisodes; e++)
        {
            env.Reset(seed * 100_003 + e, obs.AsSpan(e * (t + 1) * n * o, n * o));
            Record(e, 0);
            int len = 0;
            for (int s = 0; s < t; s++)
            {
                for (int i = 0; i < n; i++)
                {
                    bool useExpert = policy == CollectionPolicy.Expert || (policy == CollectionPolicy.Mixed && rng.NextDouble() < 0.5);
                    joint[i] = useExpert ? expert!.ExpertAction(i) : rng.NextInt(env.NumActions);
                }
                joint.CopyTo(actions.AsSpan((e * t + s) * n, n));
                bool done = env.Step(joint, obs.AsSpan((e * (t + 1) + s + 1) * n * o, n * o));
                Record(e, s + 1);
                len = s + 1;
                if (done)
                {
                    break;
                }
            }
            lengths[e] = len;
        }
        return new TrajectoryDataset(numEpisodes, t, n, o, nb, obs, actions, beliefs, truth, lengths, nb > 0 ? env.BeliefGroupOrders : null);

        void Record(int e, int s)
        {
            if (nb > 0)
            {
                env.GetBeliefGroundTruth(beliefs.AsSpan((e * (t + 1) + s) * n * nb, n * nb));
                env.GetWorldTruth(truth.AsSpan((e * (t + 1) + s) * nb, nb));
            }
        }
    }
}
