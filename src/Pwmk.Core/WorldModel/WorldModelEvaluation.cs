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
#pragma warning disable RS0027 // the overload on a TrajectorySource has as many parameters, of other types: no call is ambiguous
    public EvaluationResult Evaluate(TrajectoryDataset test, TrajectoryDataset? majorityFrom = null)
#pragma warning restore RS0027
    {
        ArgumentNullException.ThrowIfNull(test);
        return Evaluate(TrajectorySource.Of(test), majorityFrom is null ? null : TrajectorySource.Of(majorityFrom));
    }

    /// <summary>
    /// <see cref="Evaluate(TrajectoryDataset, TrajectoryDataset?)"/> on episodes read a window at a time (the majority
    /// baseline's counts too, unless <see cref="Fit(TrajectorySource, TrajectorySource?, int, TrainingCallbacks?, CancellationToken)"/>
    /// counted them on <paramref name="majorityFrom"/> already); the metrics are those of the episodes in memory.
    /// </summary>
    public EvaluationResult Evaluate(TrajectorySource test, TrajectorySource? majorityFrom)
    {
        CheckData(test, nameof(test));
        if (majorityFrom is not null)
        {
            CheckData(majorityFrom, nameof(majorityFrom));
        }
        var scores = new EvaluationSum(Majority(majorityFrom ?? test));
        using var reader = new WindowReader(Enumerable.Range(0, test.Windows).Select(w => (test, w)));
        for (int w = 0; w < test.Windows; w++)
        {
            AddEvaluation(reader.Next(), scores);
        }
        return scores.Result();
    }

    /// <summary>The scores of windows evaluated one after the other (created with the first, which gives the belief orders).</summary>
    private sealed class EvaluationSum(int[] majority)
    {
        public int[] Majority { get; } = majority;

        public Scores? Scores { get; set; }

        public long Values { get; set; }

        public int Transitions { get; set; }

        public EvaluationResult Result() => (Scores ?? new Scores(0, 1, Majority, null)).Result(Values, Transitions);
    }

    private void AddEvaluation(TrajectoryDataset test, EvaluationSum sum)
    {
        int n = test.Agents, o = test.ObservationSize, nb = test.NumBeliefs;
        var scores = sum.Scores ??= new Scores(nb, model.Config.BeliefGroupSize, sum.Majority, test.BeliefGroupOrders);
        int horizon = config.Filtering ? Math.Max(1, test.Steps) : 1;
        var samples = Samples(test, horizon);
        var order = Enumerable.Range(0, samples.Count).ToArray();
        float[] target = new float[n * nb], truth = new float[nb], previous = new float[n * nb];
        int transitions = 0;
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
        sum.Transitions += transitions;
        sum.Values += (long)transitions * n * o;
    }

    /// <summary>The majority baseline's answers from <paramref name="reference"/>: those Fit counted on it, or counted now.</summary>
    private int[] Majority(TrajectorySource reference)
    {
        if (_majority is { } known && known.Source == reference)
        {
            return known.Table;
        }
        int nb = reference.Shape.NumBeliefs;
        var counts = new long[MajorityCountsLength(reference)];
        using var reader = new WindowReader(Enumerable.Range(0, reference.Windows).Select(w => (reference, w)));
        for (int w = 0; w < reference.Windows; w++)
        {
            CountMajority(reader.Next(), counts);
        }
        return MajorityTable(counts, nb);
    }

    private int MajorityCountsLength(TrajectorySource reference)
    {
        var (n, _, nb) = reference.Shape;
        int g = model.Config.BeliefGroupSize;
        return nb == 0 ? 0 : g == 1 ? nb * 2 : n * (nb / g) * g;
    }

    /// <summary>
    /// Adds the believed values of <paramref name="reference"/> (training episodes) to the majority baseline's counts: per
    /// belief predicate its 0/1 values (all agents together), or, with belief groups, per agent and fluent its believed
    /// value (slot).
    /// </summary>
    private void CountMajority(TrajectoryDataset reference, long[] counts)
    {
        int n = reference.Agents, nb = reference.NumBeliefs, g = model.Config.BeliefGroupSize;
        if (nb == 0)
        {
            return;
        }
        int groups = nb / g;
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
    }

    /// <summary>The majority baseline's answers from its counts: per entry the most frequent value.</summary>
    private int[] MajorityTable(long[] counts, int nb)
    {
        int g = model.Config.BeliefGroupSize;
        if (nb == 0)
        {
            return [];
        }
        int span = g == 1 ? 2 : g;
        var table = new int[counts.Length / span];
        for (int q = 0; q < table.Length; q++)
        {
            table[q] = ArgMax<long>(counts.AsSpan(q * span, span));
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
    /// What <see cref="Evaluate(TrajectorySource, TrajectorySource?)"/> adds up: squared errors of the predicted and the copied observation, and the belief
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
