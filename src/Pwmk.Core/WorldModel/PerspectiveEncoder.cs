using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// Encodes one agent's partial observation together with a learned perspective (agent) embedding into a latent state:
/// LN(W2 GELU(W1 obs + b1 + E[agent]) + b2).
/// </summary>
internal sealed class PerspectiveEncoder
{
    private readonly LinearLayer input, output;
    private readonly LayerNormLayer norm;

    public Tensor PerspectiveEmbedding { get; }

    public PerspectiveEncoder(int obsDim, int hiddenDim, int numPerspectives, SeededRandom rng)
    {
        input = new LinearLayer("encoder.input", obsDim, hiddenDim, rng);
        PerspectiveEmbedding = Tensor.Parameter("encoder.perspective_embedding", numPerspectives, hiddenDim);
        Init.Normal(PerspectiveEmbedding, 0.02f, rng);
        output = new LinearLayer("encoder.output", hiddenDim, hiddenDim, rng);
        norm = new LayerNormLayer("encoder.norm", hiddenDim);
    }

    /// <summary><paramref name="obs"/> is [B, N, obsDim]; <paramref name="agentIds"/> holds B*N perspective ids -> [B, N, H].</summary>
    public Tensor Forward(Tensor obs, ReadOnlySpan<int> agentIds)
    {
        var x = input.Forward(obs);
        var e = Ops.Reshape(Ops.Embedding(PerspectiveEmbedding, agentIds), x.Shape);
        return norm.Forward(output.Forward(Ops.Gelu(Ops.Add(x, e))));
    }

    public IEnumerable<Tensor> Parameters() => [.. input.Parameters(), PerspectiveEmbedding, .. output.Parameters(), .. norm.Parameters()];
}
