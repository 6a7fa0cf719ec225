using System.Diagnostics;
using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// The perspective world model: a perspective encoder (observation + agent embedding -> latent), a transformer
/// dynamics network over one token per agent (latent + action embedding -> next latent), an observation decoder
/// and a belief head (probability per belief predicate per agent). Runs on PWMK's own tensor core.
/// <see cref="Forward"/> and <see cref="PredictTrajectory"/> may run on several threads at once while no training runs.
/// </summary>
public sealed class PerspectiveWorldModel : IWorldModel
{
    private readonly PerspectiveEncoder encoder;
    private readonly Tensor actionEmbedding;
    private readonly TransformerBlock[] blocks;
    private readonly LayerNormLayer dynamicsNorm;
    private readonly LinearLayer decoder1, decoder2, belief1, belief2;
    private readonly LinearLayer? memory, gate;
    private readonly List<Tensor> parameters;

    /// <summary>Builds a model with weights initialised from <see cref="WorldModelConfig.Seed"/>.</summary>
    public PerspectiveWorldModel(WorldModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var rng = new SeededRandom(config.Seed);
        int h = config.HiddenDim;
        encoder = new PerspectiveEncoder(config.ObsDim, h, config.NumAgents, rng);
        actionEmbedding = Tensor.Parameter("dynamics.action_embedding", config.ActionDim, h);
        Init.Normal(actionEmbedding, 0.02f, rng);
        blocks = new TransformerBlock[config.NumLayers];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = new TransformerBlock($"dynamics.blocks.{i}", h, config.NumHeads, rng);
        }
        dynamicsNorm = new LayerNormLayer("dynamics.norm", h);
        decoder1 = new LinearLayer("decoder.fc1", h, h, rng);
        decoder2 = new LinearLayer("decoder.fc2", h, config.ObsDim, rng);
        belief1 = new LinearLayer("belief_head.fc1", h, h, rng);
        belief2 = new LinearLayer("belief_head.fc2", h, config.NumBeliefs, rng);
        if (config.Recurrent)
        {
            memory = new LinearLayer("encoder.memory", h, h, rng);
            gate = new LinearLayer("encoder.gate", 2 * h, h, rng);
        }
        parameters = [.. encoder.Parameters(), .. memory?.Parameters() ?? [], .. gate?.Parameters() ?? [], actionEmbedding];
        foreach (var b in blocks)
        {
            parameters.AddRange(b.Parameters());
        }
        parameters.AddRange([.. dynamicsNorm.Parameters(), .. decoder1.Parameters(), .. decoder2.Parameters(), .. belief1.Parameters(), .. belief2.Parameters()]);
        WorldModelTelemetry.ReportMemory(ModelType, this);
    }

    /// <summary>Builds the model of the given sizes.</summary>
    public PerspectiveWorldModel(int obsDim, int actionDim, int hiddenDim, int numAgents, int numBeliefs, ulong seed = 0)
        : this(new WorldModelConfig(obsDim, actionDim, hiddenDim, numAgents, numBeliefs, Seed: seed))
    {
    }

    /// <inheritdoc />
    public WorldModelConfig Config { get; }

    /// <inheritdoc />
    public string ModelType => "perspective_transformer";

    internal IReadOnlyList<Tensor> Parameters => parameters;

    /// <summary>Number of trainable values.</summary>
    public long ParameterCount
    {
        get
        {
            long n = 0;
            foreach (var p in parameters)
            {
                n += p.Length;
            }
            return n;
        }
    }

    /// <summary>Bytes of weights per component (encoder, dynamics, decoder, belief_head).</summary>
    internal IEnumerable<(string Component, long Bytes)> ComponentBytes()
    {
        var sums = new Dictionary<string, long>();
        foreach (var p in parameters)
        {
            string c = p.Name![..p.Name!.IndexOf('.')];
            sums[c] = sums.GetValueOrDefault(c) + 4L * p.Length;
        }
        foreach (var kv in sums)
        {
            yield return (kv.Key, kv.Value);
        }
    }

    internal static int[] DefaultAgentIds(int batch, int agents)
    {
        var ids = new int[batch * agents];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = i % agents;
        }
        return ids;
    }

    /// <summary>[B, N, ObsDim] -> latent [B, N, H].</summary>
    internal Tensor Encode(Tensor observations, ReadOnlySpan<int> agentIds) => encoder.Forward(observations, agentIds);

    /// <summary>
    /// Encodes observations [B, N, ObsDim] together with the previous latent [B, N, H] (recurrent models), GRU-style:
    /// a learned gate g = sigmoid(W [z, h]) mixes the previous latent h with the candidate z + M h, so a slot of the belief
    /// state is either kept (what was seen long ago survives) or overwritten by what the agent sees now.
    /// </summary>
    internal Tensor Encode(Tensor observations, ReadOnlySpan<int> agentIds, Tensor? previousLatent)
    {
        var z = encoder.Forward(observations, agentIds);
        if (memory is null || gate is null || previousLatent is null)
        {
            return z;
        }
        var candidate = Ops.Add(z, memory.Forward(previousLatent));
        var g = Ops.Sigmoid(gate.Forward(Ops.Concat(z, previousLatent)));
        return Ops.Add(previousLatent, Ops.Mul(g, Ops.Sub(candidate, previousLatent)));
    }

    /// <summary>Latent [B, N, H] and B*N action ids -> next latent [B, N, H].</summary>
    internal Tensor Dynamics(Tensor latent, ReadOnlySpan<int> actions, bool[]? absentAgents = null)
    {
        var a = Ops.Reshape(Ops.Embedding(actionEmbedding, actions), latent.Shape);
        var x = Ops.Add(latent, a);
        foreach (var block in blocks)
        {
            x = block.Forward(x, absentAgents);
        }
        return dynamicsNorm.Forward(x);
    }

    internal Tensor Decode(Tensor latent) => decoder2.Forward(Ops.Gelu(decoder1.Forward(latent)));

    internal Tensor BeliefLogits(Tensor latent) => belief2.Forward(Ops.Gelu(belief1.Forward(latent)));

    /// <summary>Belief probabilities: sigmoid per predicate, or softmax per group (<see cref="WorldModelConfig.BeliefGroupSize"/>).</summary>
    internal Tensor BeliefProbabilities(Tensor latent)
    {
        var logits = BeliefLogits(latent);
        int g = Config.BeliefGroupSize;
        if (g == 1)
        {
            return Ops.Sigmoid(logits);
        }
        var grouped = Ops.Softmax(Ops.Reshape(logits, logits.Length / g, g));
        return Ops.Reshape(grouped, logits.Shape);
    }

    private void CheckBatch(float[] observations, int[] actions, int[]? agentIds, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(actions);
        int n = Config.NumAgents;
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        }
        if (observations.Length != (long)batchSize * n * Config.ObsDim)
        {
            throw new ArgumentException($"observations: expected {batchSize}x{n}x{Config.ObsDim} values, got {observations.Length}", nameof(observations));
        }
        if (actions.Length != batchSize * n)
        {
            throw new ArgumentException($"actions: expected {batchSize}x{n} ids, got {actions.Length}", nameof(actions));
        }
        for (int i = 0; i < actions.Length; i++)
        {
            if ((uint)actions[i] >= (uint)Config.ActionDim)
            {
                throw new ArgumentOutOfRangeException(nameof(actions), $"action {actions[i]} at index {i} is outside 0..{Config.ActionDim - 1}");
            }
        }
        if (agentIds is not null)
        {
            if (agentIds.Length != batchSize * n)
            {
                throw new ArgumentException($"agentIds: expected {batchSize}x{n} ids, got {agentIds.Length}", nameof(agentIds));
            }
            for (int i = 0; i < agentIds.Length; i++)
            {
                if ((uint)agentIds[i] >= (uint)n)
                {
                    throw new ArgumentOutOfRangeException(nameof(agentIds), $"agent id {agentIds[i]} at index {i} is outside 0..{n - 1}");
                }
            }
        }
    }

    /// <inheritdoc />
    public WorldModelPrediction Forward(float[] observations, int[] actions, int[]? agentIds, int batchSize)
    {
        CheckBatch(observations, actions, agentIds, batchSize);
        int n = Config.NumAgents;
        using var activity = WorldModelTelemetry.Source.StartActivity("world_model_forward");
        long start = Stopwatch.GetTimestamp();
        WorldModelPrediction result;
        using (Tensor.NoGrad())
        using (TensorArena.Begin())
        {
            var obs = new Tensor(observations, batchSize, n, Config.ObsDim);
            var latent = Dynamics(Encode(obs, agentIds ?? DefaultAgentIds(batchSize, n)), actions);
            var next = Decode(latent);
            var beliefs = BeliefProbabilities(latent);
            result = new WorldModelPrediction(latent.Data.ToArray(), next.Data.ToArray(), beliefs.Data.ToArray());
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        WorldModelTelemetry.RecordInference(ModelType, batchSize, seconds);
        if (activity is not null)
        {
            activity.SetTag("model.type", ModelType);
            activity.SetTag("batch.size", batchSize);
            activity.SetTag("model.num_agents", n);
            activity.SetTag("prediction.shape", $"[{batchSize}, {n}, {Config.ObsDim}]");
            activity.SetTag("prediction.mean", Mean(result.NextObservations));
        }
        return result;
    }

    private static double Mean(float[] xs)
    {
        double s = 0;
        foreach (var x in xs)
        {
            s += x;
        }
        return xs.Length == 0 ? 0 : s / xs.Length;
    }

    /// <inheritdoc />
    public TrajectoryPrediction PredictTrajectory(float[] initialObservations, IReadOnlyList<int[]> actionSequence)
    {
        ArgumentNullException.ThrowIfNull(actionSequence);
        int n = Config.NumAgents;
        var states = new List<float[]>();
        var observations = new List<float[]>();
        var beliefs = new List<float[]>();
        if (actionSequence.Count == 0)
        {
            return new TrajectoryPrediction(states, observations, beliefs);
        }
        CheckBatch(initialObservations, actionSequence[0], null, 1);
        using var activity = WorldModelTelemetry.Source.StartActivity("world_model_forward");
        activity?.SetTag("model.type", ModelType);
        activity?.SetTag("batch.size", 1);
        activity?.SetTag("model.num_agents", n);
        activity?.SetTag("prediction.horizon", actionSequence.Count);
        using (Tensor.NoGrad())
        using (TensorArena.Begin())
        {
            var latent = Encode(new Tensor(initialObservations, 1, n, Config.ObsDim), DefaultAgentIds(1, n));
            for (int t = 0; t < actionSequence.Count; t++)
            {
                CheckBatch(initialObservations, actionSequence[t], null, 1);
                latent = Dynamics(latent, actionSequence[t]);
                states.Add(latent.Data.ToArray());
                observations.Add(Decode(latent).Data.ToArray());
                beliefs.Add(BeliefProbabilities(latent).Data.ToArray());
            }
        }
        return new TrajectoryPrediction(states, observations, beliefs);
    }

    /// <inheritdoc />
    public void Save(string path) => Checkpoint.Save(path, Config, parameters);

    /// <summary>Loads a checkpoint written by <see cref="Save"/>; fails clearly on a corrupt file or mismatched names/shapes.</summary>
    public static PerspectiveWorldModel Load(string path)
    {
        var (config, tensors) = Checkpoint.Read(path);
        var model = new PerspectiveWorldModel(config);
        Checkpoint.CopyInto(path, tensors, model.parameters);
        return model;
    }

    /// <summary>Restores weights taken by <see cref="SnapshotWeights"/>.</summary>
    internal void CopyWeightsFrom(IReadOnlyList<float[]> snapshot)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            snapshot[i].CopyTo(parameters[i].Data, 0);
        }
    }

    internal List<float[]> SnapshotWeights()
    {
        var s = new List<float[]>(parameters.Count);
        foreach (var p in parameters)
        {
            s.Add((float[])p.Data.Clone());
        }
        return s;
    }
}
