namespace Pwmk.Core.WorldModel;

/// <summary>Sizes of a <see cref="PerspectiveWorldModel"/>.</summary>
/// <param name="ObsDim">Values in one agent's observation vector.</param>
/// <param name="ActionDim">Number of discrete actions per agent.</param>
/// <param name="HiddenDim">Latent (token) width.</param>
/// <param name="NumAgents">Agents, one token (and one perspective embedding) each.</param>
/// <param name="NumBeliefs">Belief predicates per agent (outputs of the belief head).</param>
/// <param name="NumLayers">Transformer blocks in the dynamics network.</param>
/// <param name="NumHeads">Attention heads (must divide <paramref name="HiddenDim"/>).</param>
/// <param name="Seed">Seed of the initial weights.</param>
/// <param name="Recurrent">
/// When true the encoder also reads the previous latent state (a belief state carried across steps), so beliefs that
/// depend on what an agent saw earlier can be learned; train it with <see cref="TrainerConfig.Filtering"/>.
/// </param>
/// <param name="BeliefGroupSize">
/// 1: every belief output is an independent predicate (sigmoid, binary cross-entropy). Above 1: the outputs are
/// consecutive groups of this size, each one categorical variable (a fluent's believed value, slot 0 meaning no
/// belief), read with a softmax and trained with cross-entropy.
/// </param>
/// <param name="CarryEncoderState">
/// Recurrent models: which state is carried to the next step. False: the latent after the dynamics network (it mixes
/// what the other agents' tokens hold). True: the gated encoder's output, which the dynamics network reads but does not
/// rewrite, so a slot the gate keeps survives unchanged for many steps (long memories of exact values).
/// </param>
/// <param name="BeliefMemory">
/// Recurrent models: the belief logits are carried too. Each step's logits are the carried ones (overwritten where the
/// observation holds evidence, see <paramref name="BeliefEvidence"/>) plus the belief head's predicted change, so
/// remembering what an agent last saw does not have to pass through the latent state.
/// </param>
/// <param name="ObservationResidual">The decoder predicts the change from the current observation, not the next observation itself.</param>
/// <param name="BeliefEvidence">
/// The last <paramref name="NumBeliefs"/> values of each agent's observation are the events it witnessed at that step,
/// laid out like its beliefs (1 in the slot of the value a chain saw; see <see cref="IWorldModelEnvironment.HasBeliefEvidence"/>).
/// The belief logits add them with a learned strength, and a group that holds evidence can be overwritten by it
/// (a learned weight on the gate of <paramref name="BeliefMemory"/>).
/// </param>
/// <param name="JointActions">Every agent's token also reads the whole joint action (who did what), not only its own.</param>
/// <param name="BeliefTransitions">
/// With <paramref name="BeliefMemory"/>: the predicted change of a belief group also includes learned value transitions,
/// one linear map of the value distribution per action shared by every fluent (a position moves the same way whoever
/// holds the belief), mixed by a per-group choice of which action acts on it (or none) read from the token's latent.
/// </param>
public sealed record WorldModelConfig(
    int ObsDim,
    int ActionDim,
    int HiddenDim,
    int NumAgents,
    int NumBeliefs,
    int NumLayers = 2,
    int NumHeads = 4,
    ulong Seed = 0,
    bool Recurrent = false,
    int BeliefGroupSize = 1,
    bool CarryEncoderState = false,
    bool BeliefMemory = false,
    bool ObservationResidual = false,
    bool BeliefEvidence = false,
    bool JointActions = false,
    bool BeliefTransitions = false)
{
    /// <summary>
    /// The model <c>pwmk train</c> builds for <paramref name="env"/> by default, chosen by the sweeps in
    /// <c>bench/worldmodel</c>: recurrent, with carried beliefs, evidence read from the observations when the environment
    /// provides it, the joint action in every token, learned value transitions (belief groups), a residual decoder, and
    /// the next evidence predicted from the beliefs (<see cref="PredictEvidence"/>).
    /// </summary>
    public static WorldModelConfig ForEnvironment(IWorldModelEnvironment env, int hiddenDim = 128, int numLayers = 2, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(env);
        return new WorldModelConfig(env.ObservationSize, env.NumActions, hiddenDim, env.NumAgents, env.NumBeliefs, numLayers, 4, seed,
            Recurrent: true, BeliefGroupSize: env.BeliefGroupSize, BeliefMemory: true, ObservationResidual: true,
            BeliefEvidence: env.HasBeliefEvidence, JointActions: true, BeliefTransitions: env.BeliefGroupSize > 1)
        {
            PredictEvidence = env.HasBeliefEvidence && env.BeliefGroupSize > 1,
        };
    }

    /// <summary>
    /// With <see cref="BeliefEvidence"/> and <see cref="BeliefMemory"/>: the evidence part of the predicted next
    /// observation (what each chain will see of each fluent) is read from the model's own beliefs rather than decoded:
    /// the predicted chance that the group is seen at the next step times the predicted distribution of its value
    /// (the decoder only draws the view). The squared error of a one-hot-or-nothing vector is least for exactly that product.
    /// </summary>
    public bool PredictEvidence { get; init; }

    /// <summary>Values of the observation the decoder draws (all but the evidence when <see cref="PredictEvidence"/>).</summary>
    internal int DecodedSize => PredictEvidence ? ObsDim - NumBeliefs : ObsDim;

    /// <summary>Largest value accepted for any size (keeps a corrupt checkpoint from allocating gigabytes).</summary>
    public const int MaxSize = 1 << 16;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first size out of range.</summary>
    public void Validate()
    {
        Check(ObsDim, nameof(ObsDim));
        Check(ActionDim, nameof(ActionDim));
        Check(HiddenDim, nameof(HiddenDim));
        Check(NumAgents, nameof(NumAgents));
        Check(NumBeliefs, nameof(NumBeliefs));
        Check(NumLayers, nameof(NumLayers));
        Check(NumHeads, nameof(NumHeads));
        Check(BeliefGroupSize, nameof(BeliefGroupSize));
        if (NumBeliefs % BeliefGroupSize != 0)
        {
            throw new ArgumentException($"NumBeliefs {NumBeliefs} is not divisible by BeliefGroupSize {BeliefGroupSize}");
        }
        if (BeliefMemory && !Recurrent)
        {
            throw new ArgumentException("BeliefMemory needs a Recurrent model");
        }
        if (BeliefTransitions && (!BeliefMemory || BeliefGroupSize < 2))
        {
            throw new ArgumentException("BeliefTransitions needs BeliefMemory and belief groups");
        }
        if (PredictEvidence && (!BeliefEvidence || !BeliefMemory || BeliefGroupSize < 2 || ObsDim == NumBeliefs))
        {
            throw new ArgumentException("PredictEvidence needs BeliefEvidence, BeliefMemory, belief groups and a view besides the evidence");
        }
        if (BeliefEvidence && ObsDim < NumBeliefs)
        {
            throw new ArgumentException($"BeliefEvidence needs observations of at least NumBeliefs {NumBeliefs} values, got {ObsDim}");
        }
        if (HiddenDim % NumHeads != 0)
        {
            throw new ArgumentException($"HiddenDim {HiddenDim} is not divisible by NumHeads {NumHeads}");
        }
        if (NumLayers > 64 || (long)HiddenDim * HiddenDim * 12 * NumLayers > 1L << 28)
        {
            throw new ArgumentException($"model too large: {NumLayers} layers of width {HiddenDim}");
        }
    }

    private static void Check(int value, string name)
    {
        if (value < 1 || value > MaxSize)
        {
            throw new ArgumentException($"{name} must be in 1..{MaxSize}, got {value}");
        }
    }
}
