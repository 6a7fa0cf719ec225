using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

public sealed partial class WorldModelTrainer
{
    /// <summary>
    /// Metrics on held-out data: one-step predictions of the next observations and beliefs; with
    /// <see cref="TrainerConfig.Filtering"/> each episode is run from its start, reading every real observation with the
    /// carried state. The majority baseline's answers come from <paramref name="majorityFrom"/> (pass the training
    /// episodes), or from <paramref name="test"/> itself when null.
    /// </summary>
    public EvaluationResult Evaluate(TrajectoryDataset test, TrajectoryDataset? majorityFrom = null)
    {
        CheckData(test, nameof(test));
        if (majorityFrom is not null)
        {
            CheckData(majorityFrom, nameof(majorityFrom));
        }
        int n = test.Agents, o = test.ObservationSize, nb = test.NumBeliefs;
        var scores = new Scores(nb, model.Config.BeliefGroupSize, MajorityTable(majorityFrom ?? test), test.BeliefGroupOrders);
        int horizon = config.Filtering ? Math.Max(1, test.Steps) : 1;
        var samples = Samples(test, horizon);
        var order = Enumerable.Range(0, samples.Count).ToArray();
        float[] target = new float[n * nb], truth = new float[nb], previous = new float[n * nb];
        long transitions = 0;
        using var noGrad = Tensor.NoGrad();
        for (int s = 0; s < samples.Count; s += config.BatchSize)
        {
            int count = Math.Min(config.BatchSize, samples.Count - s);
            using var arena = TensorArena.Begin();
            var b = Gather(test, samples, order, s, count, horizon, weighted: false);
            Rollout(b, (h, input, prediction, logits) =>
            {
                for (int i = 0; i < count; i++)
                {
                    if (h >= b.Lengths[i])
                    {
                        continue;
                    }
                    transitions++;
                    scores.AddStates(prediction.Data.AsSpan(i * n * o, n * o), input.Data.AsSpan(i * n * o, n * o), b.Targets[h].Data.AsSpan(i * n * o, n * o));
                    if (nb > 0)
                    {
                        var (e, t) = samples[order[s + i]];
                        test.Beliefs.Read(test.Row(e, t + h + 1), target);
                        test.WorldTruth.Read(test.Row(e, t + h + 1), truth);
                        test.Beliefs.Read(test.Row(e, t + h), previous);
                        scores.AddBeliefs(target, logits.Data.AsSpan(i * n * nb, n * nb), truth, previous);
                    }
                }
            });
        }
        return scores.Result(transitions * n * o, (int)transitions);
    }

    /// <summary>
    /// The majority-class baseline's answers, taken from <paramref name="reference"/> (the training episodes): per belief
    /// predicate its most frequent 0/1 value (all agents together), or, with belief groups, per agent and fluent its
    /// most frequent believed value (slot).
    /// </summary>
    private int[] MajorityTable(TrajectoryDataset reference)
    {
        int n = reference.Agents, nb = reference.NumBeliefs, g = model.Config.BeliefGroupSize;
        if (nb == 0)
        {
            return [];
        }
        int groups = nb / g;
        var counts = g == 1 ? new long[nb * 2] : new long[n * groups * g];
        var b = new float[n * nb];
        for (int e = 0; e < reference.Episodes; e++)
        {
            for (int t = 1; t <= reference.Lengths[e]; t++)
            {
                reference.Beliefs.Read(reference.Row(e, t), b);
                if (g == 1)
                {
                    for (int i = 0; i < b.Length; i++)
                    {
                        counts[(i % nb) * 2 + (b[i] >= 0.5f ? 1 : 0)]++;
                    }
                    continue;
                }
                for (int q = 0; q < n * groups; q++)
                {
                    counts[q * g + ArgMax<float>(b.AsSpan(q * g, g))]++;
                }
            }
        }
        int entries = g == 1 ? nb : n * groups;
        var table = new int[entries];
        for (int q = 0; q < entries; q++)
        {
            int span = g == 1 ? 2 : g;
            table[q] = ArgMax(counts.AsSpan(q * span, span));
        }
        return table;
    }

    /// <summary>Index of the first largest value (a belief group's believed slot, a count table's most frequent one).</summary>
    internal static int ArgMax<T>(ReadOnlySpan<T> xs)
        where T : System.Numerics.INumber<T>
    {
        int best = 0;
        for (int i = 1; i < xs.Length; i++)
        {
            if (xs[i] > xs[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>
    /// What <see cref="Evaluate"/> adds up: squared errors of the predicted and the copied observation, and the belief
    /// scores of the model and of the majority and persistence baselines, overall and per belief order. Without groups
    /// every predicate (slot) is scored at threshold 0.5 and a false belief is a slot whose target differs from the
    /// world's truth. With groups every (agent, chain, fluent) is scored by argmax (the believed value), and a false
    /// belief is a chain holding a value that differs from the fluent's true value.
    /// </summary>
    private sealed class Scores(int nb, int group, int[] majority, int[]? orders)
    {
        private double _se, _copySe;
        private readonly Dictionary<int, Tally> _byOrder = [];
        private readonly Tally _all = new();

        private sealed class Tally
        {
            public long Right, Majority, Persistence, Total, FalseRight, FalseMajority, FalsePersistence, FalseTotal, ChangeRight, ChangeTotal;
        }

        public void AddStates(ReadOnlySpan<float> predicted, ReadOnlySpan<float> input, ReadOnlySpan<float> target)
        {
            for (int i = 0; i < predicted.Length; i++)
            {
                double d = predicted[i] - target[i];
                double c = input[i] - target[i];
                _se += d * d;
                _copySe += c * c;
            }
        }

        /// <summary>
        /// Belief targets, logits and the previous step's targets of all agents ([agent, slot]) against the world's truth
        /// per slot.
        /// </summary>
        public void AddBeliefs(ReadOnlySpan<float> targets, ReadOnlySpan<float> logits, ReadOnlySpan<float> truth, ReadOnlySpan<float> previous)
        {
            if (group > 1)
            {
                AddGroups(targets, logits, truth, previous);
                return;
            }
            for (int idx = 0; idx < targets.Length; idx++)
            {
                int k = idx % nb;
                bool want = targets[idx] >= 0.5f;
                Count(1, want == (logits[idx] >= 0f), want == (majority[k] == 1), want == (previous[idx] >= 0.5f), want != (truth[k] >= 0.5f));
            }
        }

        private void AddGroups(ReadOnlySpan<float> targets, ReadOnlySpan<float> logits, ReadOnlySpan<float> truth, ReadOnlySpan<float> previous)
        {
            int groups = nb / group;
            for (int q = 0; q < targets.Length / group; q++)
            {
                int at = q * group, k = q % groups;
                int want = ArgMax(targets.Slice(at, group));
                int real = ArgMax(truth.Slice(k * group, group));
                Count(orders is null ? 1 : orders[k], ArgMax(logits.Slice(at, group)) == want, majority[q] == want,
                    ArgMax(previous.Slice(at, group)) == want, want != 0 && real != 0 && want != real);
            }
        }

        private void Count(int order, bool right, bool majorityRight, bool persistenceRight, bool falseBelief)
        {
            if (!_byOrder.TryGetValue(order, out var tally))
            {
                _byOrder[order] = tally = new Tally();
            }
            Add(_all);
            Add(tally);
            void Add(Tally t)
            {
                t.Total++;
                t.Right += right ? 1 : 0;
                t.Majority += majorityRight ? 1 : 0;
                t.Persistence += persistenceRight ? 1 : 0;
                if (!persistenceRight)
                {
                    t.ChangeTotal++;
                    t.ChangeRight += right ? 1 : 0;
                }
                if (falseBelief)
                {
                    t.FalseTotal++;
                    t.FalseRight += right ? 1 : 0;
                    t.FalseMajority += majorityRight ? 1 : 0;
                    t.FalsePersistence += persistenceRight ? 1 : 0;
                }
            }
        }

        public EvaluationResult Result(long values, int samples) => new(
            values == 0 ? double.NaN : _se / values,
            values == 0 ? double.NaN : _copySe / values,
            Ratio(_all.Right, _all.Total),
            Ratio(_all.Majority, _all.Total),
            Ratio(_all.FalseRight, _all.FalseTotal),
            _all.FalseTotal,
            samples,
            Ratio(_all.FalseMajority, _all.FalseTotal),
            Ratio(_all.Persistence, _all.Total),
            Ratio(_all.FalsePersistence, _all.FalseTotal),
            [.. _byOrder.OrderBy(kv => kv.Key).Select(kv => new OrderAccuracy(kv.Key, Ratio(kv.Value.Right, kv.Value.Total), kv.Value.Total,
                Ratio(kv.Value.Persistence, kv.Value.Total), Ratio(kv.Value.FalseRight, kv.Value.FalseTotal), kv.Value.FalseTotal,
                Ratio(kv.Value.ChangeRight, kv.Value.ChangeTotal), kv.Value.ChangeTotal))],
            Ratio(_all.ChangeRight, _all.ChangeTotal),
            _all.ChangeTotal);

        private static double Ratio(long a, long b) => b == 0 ? double.NaN : (double)a / b;
    }
}
