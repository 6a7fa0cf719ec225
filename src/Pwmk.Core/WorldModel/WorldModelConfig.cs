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
    bool CarryEncoderState = false)
{
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
