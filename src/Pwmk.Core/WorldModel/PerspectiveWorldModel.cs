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
    private readonly LinearLayer? memory, gate, transitionChoice;
    private readonly Tensor? jointActionEmbedding; // [NumAgents * ActionDim, H] (JointActions)
    private readonly Tensor? transitions; // [BeliefGroupSize, ActionDim * BeliefGroupSize] (BeliefTransitions)
    private readonly Tensor? transitionPrior; // [NumAgents, groups * (NumAgents + 1)]: which agent's action moves a group, per perspective
    private readonly Tensor? groupExpansion; // [groups, NumBeliefs] 0/1: spreads one gate value over its group's slots
    private readonly Tensor? groupCollapse; // [NumBeliefs, groups] 0/1: sums a group's slots
    private readonly Tensor? evidenceStrength, evidenceGate; // [1, 1] each: learned scalars (BeliefEvidence)
    private readonly Tensor? evidenceOffset; // [groups], constant -4: without evidence in a group its overwrite gate stays near 0
    private readonly LinearLayer? visibility; // latent -> per group: will the chain see the fluent at the next step (PredictEvidence)
    private readonly Tensor? visibilityWeight; // [1, 1] learned: what is seen now is likely seen next
    private readonly Tensor? valueExpansion; // [groups, NumBeliefs] 0/1: spreads a group's value over its value slots (not slot 0)
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
        decoder2 = new LinearLayer("decoder.fc2", h, config.DecodedSize, rng);
        if (config.ObservationResidual)
        {
            Init.Fill(decoder2.Weight, 0f); // start from "nothing changes" (the copy baseline)
            Init.Fill(decoder2.Bias, 0f);
        }
        belief1 = new LinearLayer("belief_head.fc1", h, h, rng);
        belief2 = new LinearLayer("belief_head.fc2", h, config.NumBeliefs, rng);
        if (config.Recurrent)
        {
            memory = new LinearLayer("encoder.memory", h, h, rng);
            gate = new LinearLayer("encoder.gate", 2 * h, h, rng);
        }
        int groups = config.NumBeliefs / config.BeliefGroupSize;
        if (config.BeliefMemory)
        {
            Init.Fill(belief2.Weight, 0f); // start by believing on what was believed (or seen)
            Init.Fill(belief2.Bias, 0f);
            if (config.BeliefGroupSize > 1)
            {
                groupExpansion = Tensor.Zeros(groups, config.NumBeliefs);
                groupCollapse = Tensor.Zeros(config.NumBeliefs, groups);
                for (int q = 0; q < groups; q++)
                {
                    for (int j = 0; j < config.BeliefGroupSize; j++)
                    {
                        int slot = q * config.BeliefGroupSize + j;
                        groupExpansion.Data[q * config.NumBeliefs + slot] = 1f;
                        groupCollapse.Data[slot * groups + q] = 1f;
                    }
                }
            }
        }
        if (config.BeliefEvidence)
        {
            // learned; they start as "what was seen is believed" (strength 5, overwrite weight 8 against an offset of 4)
            evidenceStrength = Tensor.Parameter("belief_head.evidence_strength", 1, 1);
            evidenceStrength.Data[0] = 5f / EvidenceScale;
            evidenceGate = Tensor.Parameter("belief_head.evidence_gate", 1, 1);
            evidenceGate.Data[0] = 8f / EvidenceScale;
            evidenceOffset = Tensor.Zeros(groups);
            Init.Fill(evidenceOffset, -4f);
        }
        if (config.PredictEvidence)
        {
            visibility = new LinearLayer("decoder.visibility", h, groups, rng);
            Init.Fill(visibility.Weight, 0f);
            Init.Fill(visibility.Bias, -3f); // starts as "seen next where seen now" with the weight below
            visibilityWeight = Tensor.Parameter("decoder.visibility_weight", 1, 1);
            visibilityWeight.Data[0] = 5f / EvidenceScale;
            valueExpansion = Tensor.Zeros(groups, config.NumBeliefs);
            for (int q = 0; q < groups; q++)
            {
                for (int j = 1; j < config.BeliefGroupSize; j++)
                {
                    valueExpansion.Data[q * config.NumBeliefs + q * config.BeliefGroupSize + j] = 1f;
                }
            }
        }
        if (config.JointActions)
        {
            jointActionEmbedding = Tensor.Parameter("dynamics.joint_action_embedding", config.NumAgents * config.ActionDim, h);
            Init.Normal(jointActionEmbedding, 0.02f, rng);
        }
        if (config.BeliefTransitions)
        {
            transitionChoice = new LinearLayer("belief_head.transition_choice", h, groups * (config.NumAgents + 1), rng);
            transitions = Tensor.Parameter("belief_head.transitions", config.BeliefGroupSize, config.ActionDim * config.BeliefGroupSize);
            transitionPrior = Tensor.Parameter("belief_head.transition_prior", config.NumAgents, groups * (config.NumAgents + 1));
        }
        parameters = [.. encoder.Parameters(), .. memory?.Parameters() ?? [], .. gate?.Parameters() ?? [], actionEmbedding];
        if (jointActionEmbedding is not null)
        {
            parameters.Add(jointActionEmbedding);
        }
        foreach (var b in blocks)
        {
            parameters.AddRange(b.Parameters());
        }
        parameters.AddRange([.. dynamicsNorm.Parameters(), .. decoder1.Parameters(), .. decoder2.Parameters(), .. belief1.Parameters(), .. belief2.Parameters(),
            ]);
        if (evidenceStrength is not null && evidenceGate is not null)
        {
            parameters.AddRange([evidenceStrength, evidenceGate]);
        }
        if (transitionChoice is not null && transitions is not null)
        {
            parameters.AddRange([.. transitionChoice.Parameters(), transitions, transitionPrior!]);
        }
        if (visibility is not null && visibilityWeight is not null)
        {
            parameters.AddRange([.. visibility.Parameters(), visibilityWeight]);
        }
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
    /// <summary>Bytes of weights per component (encoder, dynamics, decoder, belief_head, ...), for memory gauges.</summary>
    public IEnumerable<(string Component, long Bytes)> ComponentBytes()
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
        if (jointActionEmbedding is not null)
        {
            // every token of a sample reads the sample's whole joint action: one-hot (agent, action) rows times the table
            int n = Config.NumAgents, k = n * Config.ActionDim, samples = actions.Length / n;
            var joint = Tensor.Zeros(samples * n, k);
            for (int b = 0; b < samples; b++)
            {
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        joint.Data[(b * n + i) * k + j * Config.ActionDim + actions[b * n + j]] = 1f;
                    }
                }
            }
            x = Ops.Add(x, Ops.Reshape(Ops.MatMul(joint, jointActionEmbedding), latent.Shape));
        }
        foreach (var block in blocks)
        {
            x = block.Forward(x, absentAgents);
        }
        return dynamicsNorm.Forward(x);
    }

    internal Tensor Decode(Tensor latent) => decoder2.Forward(Ops.Gelu(decoder1.Forward(latent)));

    internal Tensor BeliefLogits(Tensor latent) => belief2.Forward(Ops.Gelu(belief1.Forward(latent)));

    /// <summary>Softmax per group (<see cref="WorldModelConfig.BeliefGroupSize"/>) or sigmoid per predicate of belief logits.</summary>
    internal Tensor BeliefProbabilitiesFromLogits(Tensor logits)
    {
        int g = Config.BeliefGroupSize;
        if (g == 1)
        {
            return Ops.Sigmoid(logits);
        }
        var grouped = Ops.Softmax(Ops.Reshape(logits, logits.Length / g, g));
        return Ops.Reshape(grouped, logits.Shape);
    }

    /// <summary>Belief probabilities: sigmoid per predicate, or softmax per group (<see cref="WorldModelConfig.BeliefGroupSize"/>).</summary>
    internal Tensor BeliefProbabilities(Tensor latent) => BeliefProbabilitiesFromLogits(BeliefLogits(latent));

    /// <summary>Evidence weights are learned scalars used at this multiple (so that they move fast under Adam's step size).</summary>
    private const float EvidenceScale = 10f;

    /// <summary>
    /// The learned value transitions applied to the believed value distribution of every group: softmax(believed) W_a
    /// for the action a of the agent the group's choice picks (a softmax over the agents and "none", read from the
    /// token's latent), so W_a learns from the cases where that action really moved the value.
    /// </summary>
    private Tensor Transition(Tensor believed, Tensor latent, ReadOnlySpan<int> agentIds, ReadOnlySpan<int> actions)
    {
        int g = Config.BeliefGroupSize, a = Config.ActionDim, n = Config.NumAgents, rows = believed.Length / g;
        int groups = Config.NumBeliefs / g;
        var p = Ops.Softmax(Ops.Reshape(believed, rows, g));
        var moved = Ops.Reshape(Ops.Scale(Ops.MatMul(p, transitions!), TransitionScale), rows, a, g);
        var prior = Ops.Reshape(Ops.Scale(Ops.Embedding(transitionPrior!, agentIds), EvidenceScale), latent.Shape[0], n, groups * (n + 1));
        var choice = Ops.Softmax(Ops.Reshape(Ops.Add(transitionChoice!.Forward(latent), prior), rows, n + 1));
        // agent k's row of a group's selection holds a 1 at k's action
        var select = Tensor.Zeros(rows, n, a);
        for (int r = 0; r < rows; r++)
        {
            int b = r / (n * groups);
            for (int k = 0; k < n; k++)
            {
                select.Data[(r * n + k) * a + actions[b * n + k]] = 1f;
            }
        }
        var weights = Ops.BatchMatMul(Ops.Reshape(Ops.Slice(choice, 0, n), rows, 1, n), select); // [rows, 1, a]
        return Ops.Reshape(Ops.BatchMatMul(weights, moved), believed.Shape);
    }

    private Tensor Expand(Tensor perGroup) => groupExpansion is null ? perGroup : Ops.MatMul(perGroup, groupExpansion);

    /// <summary>The transitions are used at this multiple of their parameters: table-like weights that must reach
    /// logits of about 10 move that much faster under Adam's per-weight step size.</summary>
    private const float TransitionScale = 25f;

    /// <summary><paramref name="x"/> times EvidenceScale times a learned [1, 1] scalar.</summary>
    private static Tensor ScaledBy(Tensor x, Tensor scalar) =>
        Ops.Reshape(Ops.Scale(Ops.MatMul(Ops.Reshape(x, x.Length, 1), scalar), EvidenceScale), x.Shape);

    /// <summary>
    /// One step from the real observations [B, N, ObsDim] of step t, the joint actions and the state carried from step
    /// t-1 (null at an episode's start): the latent after the dynamics network, the predicted observation and belief
    /// logits of step t+1, and the state to carry to the next step.
    /// </summary>
    internal StepOutput Step(Tensor observations, ReadOnlySpan<int> agentIds, ReadOnlySpan<int> actions, RecurrentState? previous)
    {
        var encoded = Encode(observations, agentIds, previous?.Carry);
        var latent = Dynamics(encoded, actions);
        var next = Decode(latent);
        if (Config.ObservationResidual)
        {
            next = Ops.Add(next, Config.PredictEvidence ? Ops.Slice(observations, 0, Config.DecodedSize) : observations);
        }
        var logits = BeliefLogits(latent);
        // what the agents believe now: the carried logits, overwritten where this step's observation holds evidence
        var believed = previous?.BeliefLogits;
        Tensor? seenGroups = null;
        if (evidenceStrength is not null && evidenceGate is not null)
        {
            var seen = Ops.Slice(observations, Config.ObsDim - Config.NumBeliefs, Config.NumBeliefs);
            var evidence = ScaledBy(seen, evidenceStrength);
            if (!Config.BeliefMemory)
            {
                logits = Ops.Add(logits, evidence); // no memory: the evidence adds to the head's prediction
            }
            else if (believed is null)
            {
                believed = evidence;
                seenGroups = groupCollapse is null ? seen : Ops.MatMul(seen, groupCollapse);
            }
            else
            {
                seenGroups = groupCollapse is null ? seen : Ops.MatMul(seen, groupCollapse);
                var overwrite = Expand(Ops.Sigmoid(Ops.AddBias(ScaledBy(seenGroups, evidenceGate), evidenceOffset!)));
                believed = Ops.Add(believed, Ops.Mul(overwrite, Ops.Sub(evidence, believed)));
            }
        }
        // what they will believe after the step: the belief head adds the changes the dynamics predict
        if (Config.BeliefMemory && believed is not null)
        {
            logits = Ops.Add(believed, logits);
            if (transitionChoice is not null && transitions is not null)
            {
                var moved = Transition(believed, latent, agentIds, actions);
                // with evidence, only what is seen now moves: a belief about something out of sight stays as it is
                logits = Ops.Add(logits, seenGroups is null ? moved : Ops.Mul(moved, Expand(seenGroups)));
            }
        }
        if (visibility is not null && visibilityWeight is not null && seenGroups is not null)
        {
            // the next evidence: P(the chain sees the fluent next) times P(its value), what the beliefs predict
            var seenNext = Ops.Sigmoid(Ops.Add(visibility.Forward(latent), ScaledBy(seenGroups, visibilityWeight)));
            next = Ops.Concat(next, Ops.Mul(BeliefProbabilitiesFromLogits(logits), Ops.MatMul(seenNext, valueExpansion!)));
        }
        var carry = !Config.Recurrent ? null : Config.CarryEncoderState ? encoded : latent;
        // With evidence the carried beliefs are what the agents believe now (changed only by what they see), not the
        // prediction: a predicted change that no observation confirms does not stay in the memory.
        var carriedBeliefs = !Config.BeliefMemory ? null : evidenceStrength is not null ? believed : logits;
        return new StepOutput(latent, next, logits, new RecurrentState(carry, carriedBeliefs));
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
            var step = Step(obs, agentIds ?? DefaultAgentIds(batchSize, n), actions, null);
            var beliefs = BeliefProbabilitiesFromLogits(step.BeliefLogits);
            result = new WorldModelPrediction(step.Latent.Data.ToArray(), step.NextObservations.Data.ToArray(), beliefs.Data.ToArray());
        }
        Traced(activity, start, batchSize, result.NextObservations);
        return result;
    }

    /// <summary>
    /// One step of a single episode from the state <paramref name="carried"/> (null at its start), traced and metered as
    /// <see cref="Forward"/> is (a <c>world_model_forward</c> span under the caller's): the online model's prediction.
    /// </summary>
    internal StepOutput ForwardStep(float[] observations, int[] actions, RecurrentState? carried)
    {
        CheckBatch(observations, actions, null, 1);
        using var activity = WorldModelTelemetry.Source.StartActivity("world_model_forward");
        long start = Stopwatch.GetTimestamp();
        StepOutput step;
        using (Tensor.NoGrad())
        {
            step = Step(new Tensor(observations, 1, Config.NumAgents, Config.ObsDim), DefaultAgentIds(1, Config.NumAgents), actions, carried);
        }
        Traced(activity, start, 1, step.NextObservations.Data);
        return step;
    }

    private void Traced(Activity? activity, long start, int batchSize, float[] next)
    {
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        WorldModelTelemetry.RecordInference(ModelType, batchSize, seconds);
        if (activity is not null)
        {
            activity.SetTag("model.type", ModelType);
            activity.SetTag("batch.size", batchSize);
            activity.SetTag("model.num_agents", Config.NumAgents);
            activity.SetTag("prediction.shape", $"[{batchSize}, {Config.NumAgents}, {Config.ObsDim}]");
            activity.SetTag("prediction.mean", Mean(next));
        }
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
            var ids = DefaultAgentIds(1, n);
            var current = new Tensor(initialObservations, 1, n, Config.ObsDim);
            if (Config.Recurrent)
            {
                // closed loop: each predicted observation is read as the next one, with the carried state
                RecurrentState? state = null;
                for (int t = 0; t < actionSequence.Count; t++)
                {
                    CheckBatch(initialObservations, actionSequence[t], null, 1);
                    var step = Step(current, ids, actionSequence[t], state);
                    state = step.State;
                    current = step.NextObservations;
                    states.Add(step.Latent.Data.ToArray());
                    observations.Add(current.Data.ToArray());
                    beliefs.Add(BeliefProbabilitiesFromLogits(step.BeliefLogits).Data.ToArray());
                }
                return new TrajectoryPrediction(states, observations, beliefs);
            }
            var latent = Encode(current, ids);
            for (int t = 0; t < actionSequence.Count; t++)
            {
                CheckBatch(initialObservations, actionSequence[t], null, 1);
                latent = Dynamics(latent, actionSequence[t]);
                var decoded = Decode(latent);
                current = Config.ObservationResidual ? Ops.Add(decoded, current) : decoded;
                states.Add(latent.Data.ToArray());
                observations.Add(current.Data.ToArray());
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

/// <summary>What a recurrent model carries from one step to the next: its latent (or gated encoder) state and belief logits.</summary>
internal sealed record RecurrentState(Tensor? Carry, Tensor? BeliefLogits);

/// <summary>One step of <see cref="PerspectiveWorldModel.Step"/>: latent, predicted next observations and belief logits, the state to carry.</summary>
internal sealed record StepOutput(Tensor Latent, Tensor NextObservations, Tensor BeliefLogits, RecurrentState State);
