using System.Globalization;
using System.Text.Json;
using System.Diagnostics;
using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>Training settings.</summary>
public sealed record TrainerConfig
{
    /// <summary>Samples per optimiser step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>AdamW learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Steps rolled forward in latent space per sample (multi-step prediction loss).</summary>
    public int PredictionHorizon { get; init; } = 1;

    /// <summary>Weight of the belief (binary cross-entropy) loss next to the observation (MSE) loss.</summary>
    public float BeliefLossWeight { get; init; } = 1f;

    /// <summary>AdamW decoupled weight decay.</summary>
    public float WeightDecay { get; init; } = 1e-4f;

    /// <summary>Global gradient-norm clip.</summary>
    public float GradientClip { get; init; } = 1f;

    /// <summary>Epochs without validation improvement before stopping.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>When set, the best model so far is saved there (atomically) whenever validation improves.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// Filtering (for <see cref="WorldModelConfig.Recurrent"/> models): each sample is the first
    /// <see cref="PredictionHorizon"/> steps of an episode; the model reads the real observation at every step together
    /// with its belief state (the previous latent after the dynamics network, or with
    /// <see cref="WorldModelConfig.CarryEncoderState"/> the gated encoder's previous output), and is trained through the whole window (truncated back-propagation through time).
    /// </summary>
    public bool Filtering { get; init; }

    /// <summary>Seed of the sample shuffling.</summary>
    public ulong Seed { get; init; }
}

/// <summary>Progress after one optimiser step.</summary>
public sealed record BatchReport(int Epoch, int Batch, int BatchesPerEpoch, float Loss, double SamplesPerSecond);

/// <summary>Progress after one epoch.</summary>
public sealed record EpochReport(int Epoch, float TrainLoss, float ValidationLoss, bool Improved);

/// <summary>Callbacks of <see cref="WorldModelTrainer.Fit"/>.</summary>
public sealed record TrainingCallbacks(Action<BatchReport>? OnBatch = null, Action<EpochReport>? OnEpoch = null);

/// <summary>Outcome of <see cref="WorldModelTrainer.Fit"/>; the model holds the best weights afterwards.</summary>
public sealed record FitResult(IReadOnlyList<EpochReport> History, int BestEpoch, float BestValidationLoss, bool StoppedEarly, double TrainSamplesPerSecond);

/// <summary>Held-out metrics (one-step predictions).</summary>
/// <param name="StateMse">Mean squared error of the predicted next observation.</param>
/// <param name="CopyBaselineMse">Same error when the last observation is copied as the prediction.</param>
/// <param name="BeliefAccuracy">
/// Without belief groups: fraction of belief predicates (per agent) predicted right at threshold 0.5. With groups
/// (<see cref="WorldModelConfig.BeliefGroupSize"/>): fraction of (agent, fluent) pairs whose most probable value is
/// the value the agent believes (or "no belief" when it has none).
/// </param>
/// <param name="MajorityBaselineAccuracy">
/// Same score of the majority-class baseline: each predicate's (with groups: each agent and fluent's) most frequent
/// value in the reference (training) episodes.
/// </param>
/// <param name="FalseBeliefAccuracy">
/// Accuracy on the false-belief cases (NaN if none): without groups, the slots whose target differs from the world's
/// truth; with groups, the (agent, fluent) pairs where the agent believes a value and the fluent's true value is another.
/// </param>
/// <param name="FalseBeliefCases">Number of such cases.</param>
/// <param name="Samples">Transitions evaluated.</param>
/// <param name="FalseBeliefMajorityAccuracy">The majority baseline's accuracy on the false-belief cases.</param>
public sealed record EvaluationResult(double StateMse, double CopyBaselineMse, double BeliefAccuracy, double MajorityBaselineAccuracy,
    double FalseBeliefAccuracy, long FalseBeliefCases, int Samples, double FalseBeliefMajorityAccuracy = double.NaN);

/// <summary>Trains a <see cref="PerspectiveWorldModel"/> on trajectories with AdamW, clipping, early stopping and best checkpoints.</summary>
public sealed class WorldModelTrainer
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

    private void CheckData(TrajectoryDataset data, string name)
    {
        var c = model.Config;
        if (data.Agents != c.NumAgents || data.ObservationSize != c.ObsDim || (data.NumBeliefs != 0 && data.NumBeliefs != c.NumBeliefs))
        {
            throw new ArgumentException($"{name}: dataset has {data.Agents} agents, observations of {data.ObservationSize}, {data.NumBeliefs} beliefs; the model expects {c.NumAgents}, {c.ObsDim}, {c.NumBeliefs}");
        }
    }

    private List<(int Episode, int Step)> Samples(TrajectoryDataset data, int horizon)
    {
        var list = new List<(int, int)>();
        for (int e = 0; e < data.Episodes; e++)
        {
            for (int t = 0; t + horizon <= data.Lengths[e] && (t == 0 || !config.Filtering); t++)
            {
                list.Add((e, t));
            }
        }
        return list;
    }

    /// <summary>A batch gathered into tensors: first observations, then per horizon step actions, targets and beliefs.</summary>
    private sealed record Batch(Tensor Observations, int[][] Actions, Tensor[] Targets, Tensor[]? Beliefs, int Size);

    private Batch Gather(TrajectoryDataset data, List<(int Episode, int Step)> samples, int[] order, int start, int count, int horizon)
    {
        int n = data.Agents, o = data.ObservationSize, nb = data.NumBeliefs;
        var obs = new float[count * n * o];
        var actions = new int[horizon][];
        var targets = new Tensor[horizon];
        var beliefs = nb > 0 ? new Tensor[horizon] : null;
        for (int h = 0; h < horizon; h++)
        {
            actions[h] = new int[count * n];
            targets[h] = Tensor.Zeros(count, n, o);
            if (beliefs is not null)
            {
                beliefs[h] = Tensor.Zeros(count, n, nb);
            }
        }
        for (int i = 0; i < count; i++)
        {
            var (e, t) = samples[order[start + i]];
            data.Observation(e, t).CopyTo(obs.AsSpan(i * n * o));
            for (int h = 0; h < horizon; h++)
            {
                data.Action(e, t + h).CopyTo(actions[h].AsSpan(i * n));
                data.Observation(e, t + h + 1).CopyTo(targets[h].Data.AsSpan(i * n * o));
                if (beliefs is not null)
                {
                    data.Belief(e, t + h + 1).CopyTo(beliefs[h].Data.AsSpan(i * n * nb));
                }
            }
        }
        return new Batch(new Tensor(obs, count, n, o), actions, targets, beliefs, count);
    }

    private Tensor Loss(Batch b, int horizon, out Tensor firstPrediction)
    {
        var ids = PerspectiveWorldModel.DefaultAgentIds(b.Size, model.Config.NumAgents);
        var latent = model.Encode(b.Observations, ids);
        var state = latent;
        Tensor? total = null;
        firstPrediction = null!;
        for (int h = 0; h < horizon; h++)
        {
            if (config.Filtering && h > 0)
            {
                // the real observation of step h plus the carried belief state
                state = model.Encode(b.Targets[h - 1], ids, model.Config.CarryEncoderState ? state : latent);
                latent = state;
            }
            latent = model.Dynamics(latent, b.Actions[h]);
            var prediction = model.Decode(latent);
            if (h == 0)
            {
                firstPrediction = prediction;
            }
            var step = Ops.MseLoss(prediction, b.Targets[h]);
            if (b.Beliefs is not null && config.BeliefLossWeight != 0f)
            {
                var logits = model.BeliefLogits(latent);
                int g = model.Config.BeliefGroupSize;
                var beliefLoss = g == 1 ? Ops.BceWithLogitsLoss(logits, b.Beliefs[h]) : Ops.SoftmaxCrossEntropyLoss(logits, b.Beliefs[h], g);
                step = Ops.Add(step, Ops.Scale(beliefLoss, config.BeliefLossWeight));
            }
            total = total is null ? step : Ops.Add(total, step);
        }
        return horizon == 1 ? total! : Ops.Scale(total!, 1f / horizon);
    }

    /// <summary>One optimiser step on a batch; returns the loss.</summary>
    internal float TrainStep(TrajectoryDataset data, List<(int, int)> samples, int[] order, int start, int count)
    {
        using var activity = WorldModelTelemetry.Source.StartActivity("world_model_train_step");
        int horizon = config.PredictionHorizon;
        var batch = Gather(data, samples, order, start, count, horizon);
        using var arena = TensorArena.Begin();
        optimizer.ZeroGrad();
        var loss = Loss(batch, horizon, out var first);
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

    private static readonly string[] AgentLabels = [.. Enumerable.Range(0, 16).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static string AgentLabel(int a) => a < AgentLabels.Length ? AgentLabels[a] : "other";

    /// <summary>Mean loss over a dataset without training.</summary>
    public float ValidationLoss(TrajectoryDataset data)
    {
        CheckData(data, nameof(data));
        int horizon = config.PredictionHorizon;
        var samples = Samples(data, horizon);
        if (samples.Count == 0)
        {
            return float.NaN;
        }
        var order = Enumerable.Range(0, samples.Count).ToArray();
        double total = 0;
        using var noGrad = Tensor.NoGrad();
        for (int s = 0; s < samples.Count; s += config.BatchSize)
        {
            int count = Math.Min(config.BatchSize, samples.Count - s);
            using var arena = TensorArena.Begin();
            total += Loss(Gather(data, samples, order, s, count, horizon), horizon, out _).Data[0] * count;
        }
        return (float)(total / samples.Count);
    }

    /// <summary>
    /// Trains for up to <paramref name="epochs"/> epochs, stopping early when the validation loss has not improved for
    /// <see cref="TrainerConfig.Patience"/> epochs; the best weights are restored (and checkpointed when configured).
    /// </summary>
    public FitResult Fit(TrajectoryDataset train, TrajectoryDataset? validation, int epochs, TrainingCallbacks? callbacks = null,
        CancellationToken cancellationToken = default)
    {
        CheckData(train, nameof(train));
        if (validation is not null)
        {
            CheckData(validation, nameof(validation));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        var samples = Samples(train, config.PredictionHorizon);
        if (samples.Count == 0)
        {
            throw new ArgumentException($"train: no episode is longer than the prediction horizon {config.PredictionHorizon}");
        }
        var order = Enumerable.Range(0, samples.Count).ToArray();
        var history = new List<EpochReport>();
        float best = float.PositiveInfinity;
        int bestEpoch = -1, sinceBest = 0;
        List<float[]>? bestWeights = null;
        bool stoppedEarly = false;
        int batches = (samples.Count + config.BatchSize - 1) / config.BatchSize;
        long trained = 0;
        var clock = Stopwatch.StartNew();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            rng.Shuffle(order);
            double sum = 0;
            for (int bi = 0; bi < batches; bi++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int start = bi * config.BatchSize, count = Math.Min(config.BatchSize, samples.Count - start);
                float loss = TrainStep(train, samples, order, start, count);
                sum += loss * count;
                trained += count;
                callbacks?.OnBatch?.Invoke(new BatchReport(epoch, bi, batches, loss, trained / Math.Max(1e-9, clock.Elapsed.TotalSeconds)));
            }
            float trainLoss = (float)(sum / samples.Count);
            float val = validation is null ? trainLoss : ValidationLoss(validation);
            if (float.IsNaN(val))
            {
                val = trainLoss; // no validation window long enough for the horizon
            }
            bool improved = val < best;
            if (improved)
            {
                best = val;
                bestEpoch = epoch;
                sinceBest = 0;
                bestWeights = model.SnapshotWeights();
                if (config.CheckpointPath is not null)
                {
                    model.Save(config.CheckpointPath);
                }
            }
            else
            {
                sinceBest++;
            }
            var report = new EpochReport(epoch, trainLoss, val, improved);
            history.Add(report);
            callbacks?.OnEpoch?.Invoke(report);
            if (sinceBest >= config.Patience)
            {
                stoppedEarly = true;
                break;
            }
        }
        if (bestWeights is not null)
        {
            model.CopyWeightsFrom(bestWeights);
        }
        return new FitResult(history, bestEpoch, best, stoppedEarly, trained / Math.Max(1e-9, clock.Elapsed.TotalSeconds));
    }

    /// <summary>
    /// Metrics on held-out data (one-step predictions; with <see cref="TrainerConfig.Filtering"/> each episode is run from
    /// its start carrying the belief state). The majority baseline's answers come from <paramref name="majorityFrom"/>
    /// (pass the training episodes), or from <paramref name="test"/> itself when null.
    /// </summary>
    public EvaluationResult Evaluate(TrajectoryDataset test, TrajectoryDataset? majorityFrom = null)
    {
        CheckData(test, nameof(test));
        if (majorityFrom is not null)
        {
            CheckData(majorityFrom, nameof(majorityFrom));
        }
        if (config.Filtering)
        {
            return EvaluateFiltering(test, majorityFrom);
        }
        var samples = Samples(test, 1);
        int n = test.Agents, o = test.ObservationSize, nb = test.NumBeliefs;
        var scores = new Scores(nb, model.Config.BeliefGroupSize, MajorityTable(majorityFrom ?? test));
        var order = Enumerable.Range(0, samples.Count).ToArray();
        using var noGrad = Tensor.NoGrad();
        for (int s = 0; s < samples.Count; s += config.BatchSize)
        {
            int count = Math.Min(config.BatchSize, samples.Count - s);
            var b = Gather(test, samples, order, s, count, 1);
            using var arena = TensorArena.Begin();
            var latent = model.Dynamics(model.Encode(b.Observations, PerspectiveWorldModel.DefaultAgentIds(count, n)), b.Actions[0]);
            scores.AddStates(model.Decode(latent).Data, b.Observations.Data, b.Targets[0].Data);
            if (b.Beliefs is null)
            {
                continue;
            }
            var logits = model.BeliefLogits(latent);
            for (int i = 0; i < count; i++)
            {
                var (e, t) = samples[order[s + i]];
                int at = i * n * nb;
                scores.AddBeliefs(b.Beliefs[0].Data.AsSpan(at, n * nb), logits.Data.AsSpan(at, n * nb), test.Truth(e, t + 1));
            }
        }
        return scores.Result((long)samples.Count * n * o, samples.Count);
    }

    /// <summary>Runs each episode from its start, feeding every real observation and the carried latent state.</summary>
    private EvaluationResult EvaluateFiltering(TrajectoryDataset test, TrajectoryDataset? majorityFrom)
    {
        int n = test.Agents, o = test.ObservationSize, nb = test.NumBeliefs;
        var scores = new Scores(nb, model.Config.BeliefGroupSize, MajorityTable(majorityFrom ?? test));
        long transitions = 0;
        var ids = PerspectiveWorldModel.DefaultAgentIds(1, n);
        using var noGrad = Tensor.NoGrad();
        for (int e = 0; e < test.Episodes; e++)
        {
            using var arena = TensorArena.Begin();
            Tensor? state = null, latent = null;
            for (int t = 0; t < test.Lengths[e]; t++)
            {
                var input = test.Observation(e, t);
                state = model.Encode(new Tensor(input.ToArray(), 1, n, o), ids, model.Config.CarryEncoderState ? state : latent);
                latent = model.Dynamics(state, test.Action(e, t));
                scores.AddStates(model.Decode(latent).Data, input, test.Observation(e, t + 1));
                transitions++;
                if (nb == 0)
                {
                    continue;
                }
                scores.AddBeliefs(test.Belief(e, t + 1), model.BeliefLogits(latent).Data, test.Truth(e, t + 1));
            }
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
        for (int e = 0; e < reference.Episodes; e++)
        {
            for (int t = 1; t <= reference.Lengths[e]; t++)
            {
                var b = reference.Belief(e, t);
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
                    counts[q * g + ArgMax(b.Slice(q * g, g))]++;
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
    /// scores. Without groups every predicate (slot) is scored at threshold 0.5 and a false belief is a slot whose target
    /// differs from the world's truth. With groups every (agent, fluent) is scored by argmax (the believed value), and a
    /// false belief is an agent holding a value that differs from the fluent's true value.
    /// </summary>
    private sealed class Scores(int nb, int group, int[] majority)
    {
        private double _se, _copySe;
        private long _beliefRight, _majorityRight, _beliefTotal, _falseRight, _falseMajorityRight, _falseTotal;

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

        /// <summary>Belief targets and logits of all agents ([agent, slot]) against the world's truth per slot.</summary>
        public void AddBeliefs(ReadOnlySpan<float> targets, ReadOnlySpan<float> logits, ReadOnlySpan<float> truth)
        {
            if (group > 1)
            {
                AddGroups(targets, logits, truth);
                return;
            }
            for (int idx = 0; idx < targets.Length; idx++)
            {
                int k = idx % nb;
                bool want = targets[idx] >= 0.5f, right = want == (logits[idx] >= 0f), baseline = want == (majority[k] == 1);
                Count(right, baseline, want != (truth[k] >= 0.5f));
            }
        }

        private void AddGroups(ReadOnlySpan<float> targets, ReadOnlySpan<float> logits, ReadOnlySpan<float> truth)
        {
            int groups = nb / group;
            for (int q = 0; q < targets.Length / group; q++)
            {
                int at = q * group, k = q % groups;
                int want = ArgMax(targets.Slice(at, group));
                int real = ArgMax(truth.Slice(k * group, group));
                Count(ArgMax(logits.Slice(at, group)) == want, majority[q] == want, want != 0 && real != 0 && want != real);
            }
        }

        private void Count(bool right, bool baseline, bool falseBelief)
        {
            _beliefTotal++;
            _beliefRight += right ? 1 : 0;
            _majorityRight += baseline ? 1 : 0;
            if (falseBelief)
            {
                _falseTotal++;
                _falseRight += right ? 1 : 0;
                _falseMajorityRight += baseline ? 1 : 0;
            }
        }

        public EvaluationResult Result(long values, int samples) => new(
            values == 0 ? double.NaN : _se / values,
            values == 0 ? double.NaN : _copySe / values,
            Ratio(_beliefRight, _beliefTotal),
            Ratio(_majorityRight, _beliefTotal),
            Ratio(_falseRight, _falseTotal),
            _falseTotal,
            samples,
            Ratio(_falseMajorityRight, _falseTotal));

        private static double Ratio(long a, long b) => b == 0 ? double.NaN : (double)a / b;
    }
}
