using System.Globalization;
using System.Text.Json;
using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>Trains a <see cref="PerspectiveWorldModel"/> on trajectories with AdamW, clipping, early stopping and best checkpoints.</summary>
public sealed partial class WorldModelTrainer
{
    private readonly PerspectiveWorldModel model;
    private readonly TrainerConfig config;
    private readonly AdamOptimizer optimizer;
    private readonly SeededRandom rng;

    /// <summary>Creates a trainer for <paramref name="model"/>.</summary>
    public WorldModelTrainer(PerspectiveWorldModel model, TrainerConfig config)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        static void Require(bool ok, string what)
        {
            if (!ok)
            {
                throw new ArgumentException("trainer setting " + what);
            }
        }
        Require(config.BatchSize is >= 1 and <= 65536, $"BatchSize must be in 1..65536, got {config.BatchSize}");
        Require(config.PredictionHorizon is >= 1 and <= 1000, $"PredictionHorizon must be in 1..1000, got {config.PredictionHorizon}");
        Require(config.LearningRate > 0 && float.IsFinite(config.LearningRate), $"LearningRate must be positive, got {config.LearningRate}");
        Require(config.Patience >= 1, $"Patience must be at least 1, got {config.Patience}");
        Require(config.GradientClip > 0, $"GradientClip must be positive, got {config.GradientClip}");
        Require(config.WeightDecay >= 0 && float.IsFinite(config.WeightDecay), $"WeightDecay must be >= 0, got {config.WeightDecay}");
        Require(!config.Filtering || model.Config.Recurrent, "Filtering needs a model built with Recurrent = true");
        Require(config.Filtering || !model.Config.PredictEvidence, "a model built with PredictEvidence is trained with Filtering");
        Require(float.IsFinite(config.BeliefLossWeight) && config.BeliefLossWeight >= 0, $"BeliefLossWeight must be >= 0, got {config.BeliefLossWeight}");
        this.model = model;
        this.config = config;
        optimizer = new AdamOptimizer(model.Parameters, config.LearningRate, weightDecay: config.WeightDecay, decoupledWeightDecay: true);
        rng = new SeededRandom(config.Seed);
    }

    private const string OptimizerKey = "pwmk.optimizer";

    /// <summary>
    /// Saves what training needs besides the weights to continue exactly as if never interrupted: the AdamW moment
    /// estimates and step count, and the trainer's random state (shuffling). A safetensors file (tensors
    /// <c>adam.m.&lt;parameter&gt;</c> and <c>adam.v.&lt;parameter&gt;</c>, checksummed), written atomically.
    /// Save the model with it (<see cref="PerspectiveWorldModel.Save"/>) and restore both with <see cref="LoadState"/>.
    /// </summary>
    public void SaveState(string path)
    {
        var tensors = new List<Tensor>(2 * model.Parameters.Count);
        var ps = model.Parameters;
        for (int i = 0; i < ps.Count; i++)
        {
            tensors.Add(new Tensor(optimizer.FirstMoments[i], ps[i].Shape) { Name = "adam.m." + ps[i].Name });
        }
        for (int i = 0; i < ps.Count; i++)
        {
            tensors.Add(new Tensor(optimizer.SecondMoments[i], ps[i].Shape) { Name = "adam.v." + ps[i].Name });
        }
        var state = new OptimizerState(optimizer.StepCount, [.. rng.GetState().Select(w => w.ToString("x16", CultureInfo.InvariantCulture))]);
        Checkpoint.Save(path, model.Config, tensors, new Dictionary<string, string> { [OptimizerKey] = JsonSerializer.Serialize(state) });
    }

    /// <summary>
    /// Restores a state saved by <see cref="SaveState"/> for a model of the same sizes; throws
    /// <see cref="InvalidModelFileException"/> naming the file and the problem when it does not fit.
    /// </summary>
    public void LoadState(string path)
    {
        var (config, tensors, metadata) = Checkpoint.ReadWithMetadata(path);
        if (config != model.Config)
        {
            throw new InvalidModelFileException($"{path}: optimiser state for model sizes {config}, the model has {model.Config}");
        }
        OptimizerState? state = null;
        try
        {
            if (metadata.TryGetValue(OptimizerKey, out var json))
            {
                state = JsonSerializer.Deserialize<OptimizerState>(json);
            }
        }
        catch (JsonException e)
        {
            throw new InvalidModelFileException($"{path}: {OptimizerKey}: {e.Message}");
        }
        if (state is null || state.Step < 0 || state.Rng is not { Length: 5 })
        {
            throw new InvalidModelFileException($"{path}: __metadata__ has no valid '{OptimizerKey}' (step and random state)");
        }
        var words = new ulong[5];
        for (int i = 0; i < 5; i++)
        {
            if (!ulong.TryParse(state.Rng[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out words[i]))
            {
                throw new InvalidModelFileException($"{path}: {OptimizerKey}: random state word '{state.Rng[i]}' is not hexadecimal");
            }
        }
        var ps = model.Parameters;
        var mom = new Tensor[2 * ps.Count];
        for (int i = 0; i < ps.Count; i++)
        {
            mom[i] = new Tensor(new float[ps[i].Length], ps[i].Shape) { Name = "adam.m." + ps[i].Name };
            mom[ps.Count + i] = new Tensor(new float[ps[i].Length], ps[i].Shape) { Name = "adam.v." + ps[i].Name };
        }
        Checkpoint.CopyInto(path, tensors, mom); // names and shapes must match exactly
        try
        {
            rng.SetState(words);
        }
        catch (ArgumentException e)
        {
            throw new InvalidModelFileException($"{path}: {OptimizerKey}: {e.Message}");
        }
        optimizer.Restore(state.Step, [.. mom[..ps.Count].Select(t => t.Data)], [.. mom[ps.Count..].Select(t => t.Data)]);
    }

    private sealed record OptimizerState(int Step, string[] Rng);

    private void CheckData(TrajectorySource data, string name)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        var c = model.Config;
        var (agents, size, beliefs) = data.Shape;
        if (agents != c.NumAgents || size != c.ObsDim || (beliefs != 0 && beliefs != c.NumBeliefs))
        {
            throw new ArgumentException($"{name}: dataset has {agents} agents, observations of {size}, {beliefs} beliefs; the model expects {c.NumAgents}, {c.ObsDim}, {c.NumBeliefs}");
        }
    }

    /// <summary>
    /// Training windows: with <see cref="TrainerConfig.Filtering"/> one per episode, from its start, as long as the episode
    /// (at most the horizon); otherwise every (episode, step) with a whole horizon after it.
    /// </summary>
    private List<(int Episode, int Step)> Samples(TrajectoryDataset data, int horizon)
    {
        var list = new List<(int, int)>();
        for (int e = 0; e < data.Episodes; e++)
        {
            if (config.Filtering)
            {
                if (data.Lengths[e] > 0)
                {
                    list.Add((e, 0));
                }
                continue;
            }
            for (int t = 0; t + horizon <= data.Lengths[e]; t++)
            {
                list.Add((e, t));
            }
        }
        return list;
    }

    /// <summary>
    /// A batch gathered into tensors: first observations, then per step actions, next observations and belief targets
    /// (rows scaled by their loss weight when gathered for training). Windows shorter than <see cref="Steps"/> (episodes
    /// that ended) are padded; <see cref="Masks"/> holds, per step, 1 for the samples still running (null when all are).
    /// </summary>
    private sealed record Batch(Tensor Observations, int[][] Actions, Tensor[] Targets, Tensor[]? Beliefs, Tensor?[] Masks,
        int[] Lengths, int Steps, int Size);

    private Batch Gather(TrajectoryDataset data, List<(int Episode, int Step)> samples, int[] order, int start, int count, int horizon, bool weighted)
    {
        int n = data.Agents, o = data.ObservationSize, nb = data.NumBeliefs;
        var lengths = new int[count];
        int steps = 0;
        for (int i = 0; i < count; i++)
        {
            var (e, t) = samples[order[start + i]];
            lengths[i] = Math.Min(horizon, data.Lengths[e] - t);
            steps = Math.Max(steps, lengths[i]);
        }
        var obs = new float[count * n * o];
        var actions = new int[steps][];
        var targets = new Tensor[steps];
        var beliefs = nb > 0 ? new Tensor[steps] : null;
        var masks = new Tensor?[steps];
        for (int h = 0; h < steps; h++)
        {
            actions[h] = new int[count * n];
            targets[h] = Tensor.Zeros(count, n, o);
            if (beliefs is not null)
            {
                beliefs[h] = Tensor.Zeros(count, n, nb);
            }
        }
        var augment = weighted && config.UseSymmetries ? config.Symmetries : null;
        float[] truth = [], before = [];
        var scratch = augment is null ? [] : new float[Math.Max(n * o, n * nb)];
        for (int i = 0; i < count; i++)
        {
            var (e, t) = samples[order[start + i]];
            var symmetry = augment?.Invoke(rng);
            void Copy(SparseRows rows, int step, Span<float> into, Action<EpisodeSymmetry, ReadOnlySpan<float>, Span<float>> map)
            {
                if (symmetry is null)
                {
                    rows.Read(data.Row(e, step), into);
                }
                else
                {
                    rows.Read(data.Row(e, step), scratch);
                    map(symmetry, scratch.AsSpan(0, rows.Width), into);
                }
            }
            Copy(data.Observations, t, obs.AsSpan(i * n * o, n * o), static (s, f, d) => s.Observations(f, d));
            for (int h = 0; h < steps; h++)
            {
                if (h >= lengths[i])
                {
                    if (masks[h] is null)
                    {
                        masks[h] = Tensor.Zeros(count, n, o);
                        for (int j = 0; j < count; j++)
                        {
                            masks[h]!.Data.AsSpan(j * n * o, n * o).Fill(h < lengths[j] ? 1f : 0f);
                        }
                    }
                    continue;
                }
                if (symmetry is null)
                {
                    data.Action(e, t + h).CopyTo(actions[h].AsSpan(i * n));
                }
                else
                {
                    symmetry.Actions(data.Action(e, t + h), actions[h].AsSpan(i * n, n));
                }
                Copy(data.Observations, t + h + 1, targets[h].Data.AsSpan(i * n * o, n * o), static (s, f, d) => s.Observations(f, d));
                if (beliefs is not null)
                {
                    var row = beliefs[h].Data.AsSpan(i * n * nb, n * nb);
                    Copy(data.Beliefs, t + h + 1, row, static (s, f, d) => s.Beliefs(f, d));
                    if (weighted && (config.FalseBeliefWeight != 1f || config.BeliefChangeWeight != 1f))
                    {
                        if (truth.Length == 0)
                        {
                            (truth, before) = (new float[nb], new float[n * nb]);
                        }
                        Copy(data.WorldTruth, t + h + 1, truth, static (s, f, d) => s.Truth(f, d));
                        Copy(data.Beliefs, t + h, before, static (s, f, d) => s.Beliefs(f, d));
                        Weigh(row, truth, before);
                    }
                }
            }
        }
        return new Batch(new Tensor(obs, count, n, o), actions, targets, beliefs, masks, lengths, steps, count);
    }

    /// <summary>Scales each belief group's one-hot target by its loss weight (false beliefs, changed beliefs).</summary>
    private void Weigh(Span<float> targets, ReadOnlySpan<float> truth, ReadOnlySpan<float> before)
    {
        int g = model.Config.BeliefGroupSize;
        if (g == 1 || (config.FalseBeliefWeight == 1f && config.BeliefChangeWeight == 1f))
        {
            return;
        }
        int groups = truth.Length / g;
        for (int q = 0; q < targets.Length / g; q++)
        {
            var row = targets.Slice(q * g, g);
            int want = ArgMax<float>(row), real = ArgMax(truth.Slice(q % groups * g, g));
            float w = want != 0 && real != 0 && want != real ? config.FalseBeliefWeight : 1f;
            if (ArgMax(before.Slice(q * g, g)) != want)
            {
                w *= config.BeliefChangeWeight;
            }
            row[want] = w;
        }
    }

    /// <summary>
    /// Runs the model over a batch, step by step, and hands each step's input observation, predicted next observation
    /// and belief logits to <paramref name="onStep"/>. Filtering reads every real observation with the carried state;
    /// otherwise the first observation is encoded and the latent is rolled forward under the actions.
    /// </summary>
    private void Rollout(Batch b, Action<int, Tensor, Tensor, Tensor> onStep)
    {
        var ids = PerspectiveWorldModel.DefaultAgentIds(b.Size, model.Config.NumAgents);
        RecurrentState? state = null;
        Tensor current = b.Observations, latent = null!;
        for (int h = 0; h < b.Steps; h++)
        {
            Tensor prediction, logits;
            if (h == 0 || config.Filtering)
            {
                var step = model.Step(current, ids, b.Actions[h], state);
                (state, latent, prediction, logits) = (step.State, step.Latent, step.NextObservations, step.BeliefLogits);
            }
            else
            {
                latent = model.Dynamics(latent, b.Actions[h]);
                var decoded = model.Decode(latent);
                prediction = model.Config.ObservationResidual ? Ops.Add(decoded, current) : decoded;
                logits = model.BeliefLogits(latent);
            }
            onStep(h, current, prediction, logits);
            current = config.Filtering ? b.Targets[h] : prediction;
        }
    }

    /// <summary>Mean squared difference between consecutive observations of a batch (the copy baseline's error).</summary>
    private static float CopyError(Batch b)
    {
        double se = 0;
        long values = 0;
        var current = b.Observations.Data;
        for (int h = 0; h < b.Steps; h++)
        {
            var next = b.Targets[h].Data;
            int per = next.Length / b.Size;
            for (int i = 0; i < b.Size; i++)
            {
                if (h < b.Lengths[i])
                {
                    for (int j = i * per; j < (i + 1) * per; j++)
                    {
                        double d = next[j] - current[j];
                        se += d * d;
                    }
                    values += per;
                }
            }
            current = next;
        }
        return values == 0 ? 0f : (float)(se / values);
    }

    private Tensor Loss(Batch b, out Tensor firstPrediction)
    {
        Tensor? total = null, first = null;
        int g = model.Config.BeliefGroupSize;
        float observationScale = config.NormaliseObservationLoss ? 1f / Math.Max(1e-6f, CopyError(b)) : 1f;
        Rollout(b, (h, _, prediction, logits) =>
        {
            first ??= prediction;
            var step = Ops.MseLoss(b.Masks[h] is { } mask ? Ops.Mul(prediction, mask) : prediction, b.Targets[h]);
            if (observationScale != 1f)
            {
                step = Ops.Scale(step, observationScale);
            }
            if (b.Beliefs is not null && config.BeliefLossWeight != 0f)
            {
                // padded steps have all-zero targets, which both losses below ignore (cross-entropy) or fit at no cost
                var beliefLoss = g == 1 ? Ops.BceWithLogitsLoss(logits, b.Beliefs[h]) : Ops.SoftmaxCrossEntropyLoss(logits, b.Beliefs[h], g);
                step = Ops.Add(step, Ops.Scale(beliefLoss, config.BeliefLossWeight));
            }
            total = total is null ? step : Ops.Add(total, step);
        });
        firstPrediction = first!;
        return b.Steps == 1 ? total! : Ops.Scale(total!, 1f / b.Steps);
    }

    /// <summary>One optimiser step on a batch; returns the loss.</summary>
    internal float TrainStep(TrajectoryDataset data, List<(int, int)> samples, int[] order, int start, int count)
    {
        using var activity = WorldModelTelemetry.Source.StartActivity("world_model_train_step");
        var batch = Gather(data, samples, order, start, count, config.PredictionHorizon, weighted: true);
        using var arena = TensorArena.Begin();
        optimizer.ZeroGrad();
        var loss = Loss(batch, out var first);
        loss.Backward();
        float norm = AdamOptimizer.ClipGradNorm(model.Parameters, config.GradientClip);
        float value = loss.Data[0];
        if (float.IsFinite(value) && float.IsFinite(norm))
        {
            optimizer.Step(); // a step with an overflowed loss or gradient would turn every weight into NaN: skip it
        }
        activity?.SetTag("model.type", model.ModelType);
        activity?.SetTag("batch.size", count);
        activity?.SetTag("loss", value);
        RecordPerAgentLoss(first, batch.Targets[0]);
        return value;
    }

    private void RecordPerAgentLoss(Tensor prediction, Tensor target)
    {
        int n = model.Config.NumAgents, o = model.Config.ObsDim, b = prediction.Shape[0];
        for (int a = 0; a < n; a++)
        {
            double s = 0;
            for (int i = 0; i < b; i++)
            {
                int off = (i * n + a) * o;
                for (int j = 0; j < o; j++)
                {
                    double d = prediction.Data[off + j] - target.Data[off + j];
                    s += d * d;
                }
            }
            WorldModelTelemetry.RecordTrainingLoss(model.ModelType, AgentLabel(a), s / Math.Max(1, b * o));
        }
    }

    private static readonly string[] DefaultAgentLabels = [.. Enumerable.Range(0, 16).Select(i => "agent_" + i.ToString(CultureInfo.InvariantCulture))];

    private string AgentLabel(int a) =>
        config.AgentNames is { } names && a < names.Count ? names[a] : a < DefaultAgentLabels.Length ? DefaultAgentLabels[a] : "other";

    /// <summary>The learning rate of optimiser step <paramref name="step"/> of <paramref name="total"/> under the schedule.</summary>
    private float RateAt(float rate, long step, long total)
    {
        if (config.Schedule == LearningRateSchedule.Constant || total <= 1)
        {
            return rate;
        }
        long warmup = Math.Max(1, total / 20);
        if (step < warmup)
        {
            return rate * (step + 1) / warmup;
        }
        double progress = (double)(step - warmup) / Math.Max(1, total - warmup);
        return (float)(rate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress))));
    }
}
