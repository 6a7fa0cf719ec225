
namespace Pwmk.Tensors;

/// <summary>A fully connected layer y = x W + b, W stored [in, out] (the transpose of PyTorch's nn.Linear weight).</summary>
public sealed class LinearLayer
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }

    public LinearLayer(string name, int inputs, int outputs, SeededRandom rng)
    {
        Weight = Tensor.Parameter(name + ".weight", inputs, outputs);
        Bias = Tensor.Parameter(name + ".bias", outputs);
        Init.LinearUniform(Weight, inputs, rng);
        Init.LinearUniform(Bias, inputs, rng);
    }

    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);

    public IEnumerable<Tensor> Parameters() => [Weight, Bias];
}

/// <summary>Layer normalisation over the last dimension.</summary>
public sealed class LayerNormLayer
{
    public Tensor Gamma { get; }
    public Tensor Beta { get; }

    public LayerNormLayer(string name, int size)
    {
        Gamma = Tensor.Parameter(name + ".weight", size);
        Beta = Tensor.Parameter(name + ".bias", size);
        Init.Fill(Gamma, 1f);
    }

    public Tensor Forward(Tensor x) => Ops.LayerNorm(x, Gamma, Beta);

    public IEnumerable<Tensor> Parameters() => [Gamma, Beta];
}

/// <summary>Pre-norm transformer block: x + MHA(LN(x)), then + MLP(LN(.)) with GELU, over the tokens of each sample.</summary>
public sealed class TransformerBlock
{
    private readonly int hidden, heads;
    private readonly LayerNormLayer norm1, norm2;
    private readonly LinearLayer qkv, proj, ff1, ff2;

    public TransformerBlock(string name, int hidden, int heads, SeededRandom rng)
    {
        if (hidden % heads != 0)
        {
            throw new ArgumentException($"hidden size {hidden} is not divisible by {heads} heads");
        }
        this.hidden = hidden;
        this.heads = heads;
        norm1 = new LayerNormLayer(name + ".norm1", hidden);
        qkv = new LinearLayer(name + ".attn.qkv", hidden, 3 * hidden, rng);
        proj = new LinearLayer(name + ".attn.proj", hidden, hidden, rng);
        norm2 = new LayerNormLayer(name + ".norm2", hidden);
        ff1 = new LinearLayer(name + ".mlp.fc1", hidden, 4 * hidden, rng);
        ff2 = new LinearLayer(name + ".mlp.fc2", 4 * hidden, hidden, rng);
    }

    /// <summary><paramref name="x"/> is [B, N, H]; <paramref name="keyMask"/> (B*N values, true = absent agent) hides tokens as keys.</summary>
    public Tensor Forward(Tensor x, bool[]? keyMask)
    {
        int b = x.Shape[0], n = x.Shape[1], dh = hidden / heads;
        var h = norm1.Forward(x);
        var qkvOut = qkv.Forward(h); // [B, N, 3H]
        Tensor Heads(Tensor t) => Ops.Reshape(Ops.SwapAxes12(Ops.Reshape(t, b, n, heads, dh)), b * heads, n, dh);
        var q = Heads(Ops.Slice(qkvOut, 0, hidden));
        var k = Heads(Ops.Slice(qkvOut, hidden, hidden));
        var v = Heads(Ops.Slice(qkvOut, 2 * hidden, hidden));
        var scores = Ops.Scale(Ops.BatchMatMul(q, k, transposeB: true), 1f / MathF.Sqrt(dh)); // [B*heads, N, N]
        if (keyMask is not null)
        {
            var mask = new bool[scores.Length];
            for (int bi = 0; bi < b; bi++)
            {
                for (int hi = 0; hi < heads; hi++)
                {
                    for (int qi = 0; qi < n; qi++)
                    {
                        for (int ki = 0; ki < n; ki++)
                        {
                            mask[((bi * heads + hi) * n + qi) * n + ki] = keyMask[bi * n + ki];
                        }
                    }
                }
            }
            scores = Ops.MaskedFill(scores, mask, -1e9f);
        }
        var attn = Ops.BatchMatMul(Ops.Softmax(scores), v); // [B*heads, N, dh]
        var merged = Ops.Reshape(Ops.SwapAxes12(Ops.Reshape(attn, b, heads, n, dh)), b, n, hidden);
        x = Ops.Add(x, proj.Forward(merged));
        var m = ff2.Forward(Ops.Gelu(ff1.Forward(norm2.Forward(x))));
        return Ops.Add(x, m);
    }

    public IEnumerable<Tensor> Parameters() =>
        [.. norm1.Parameters(), .. qkv.Parameters(), .. proj.Parameters(), .. norm2.Parameters(), .. ff1.Parameters(), .. ff2.Parameters()];
}
