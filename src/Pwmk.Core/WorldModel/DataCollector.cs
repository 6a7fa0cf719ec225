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
    /// <summary>Largest number of non-zero values a collection may store (per array: observations, beliefs, world truth).</summary>
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
        // Kept as their non-zero values (SparseRows): one-hot beliefs and drawn grids are almost all zero.
        var obs = new SparseRows.Builder(n * o, MaxValues);
        var beliefs = new SparseRows.Builder(n * nb, MaxValues);
        var truth = new SparseRows.Builder(nb, MaxValues);
        var actions = new int[(long)numEpisodes * t * n];
        var lengths = new int[numEpisodes];
        var rng = new SeededRandom((ulong)(uint)seed + 0x5EED);
        var joint = new int[n];
        var step = new float[Math.Max(n * o, n * nb)];
        for (int e = 0; e < numEpisodes; e++)
        {
            step.AsSpan().Clear();
            env.Reset(seed * 100_003 + e, step.AsSpan(0, n * o));
            Record();
            int len = 0;
            for (int s = 0; s < t; s++)
            {
                for (int i = 0; i < n; i++)
                {
                    bool useExpert = policy == CollectionPolicy.Expert || (policy == CollectionPolicy.Mixed && rng.NextDouble() < 0.5);
                    joint[i] = useExpert ? expert!.ExpertAction(i) : rng.NextInt(env.NumActions);
                }
                joint.CopyTo(actions.AsSpan((e * t + s) * n, n));
                step.AsSpan().Clear();
                bool done = env.Step(joint, step.AsSpan(0, n * o));
                Record();
                len = s + 1;
                if (done)
                {
                    break;
                }
            }
            lengths[e] = len;
            for (int s = len + 1; s <= t; s++)
            {
                // padding after the episode's end: all zero
                obs.Add([]);
                beliefs.Add([]);
                truth.Add([]);
            }
        }
        return new TrajectoryDataset(numEpisodes, t, n, o, nb, obs.Build(), actions, beliefs.Build(), truth.Build(), lengths, nb > 0 ? env.BeliefGroupOrders : null);

        void Record()
        {
            obs.Add(step.AsSpan(0, n * o));
            if (nb > 0)
            {
                step.AsSpan().Clear();
                env.GetBeliefGroundTruth(step.AsSpan(0, n * nb));
                beliefs.Add(step.AsSpan(0, n * nb));
                step.AsSpan().Clear();
                env.GetWorldTruth(step.AsSpan(0, nb));
                truth.Add(step.AsSpan(0, nb));
            }
            else
            {
                beliefs.Add([]);
                truth.Add([]);
            }
        }
    }
}
