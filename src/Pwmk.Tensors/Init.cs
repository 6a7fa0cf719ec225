namespace Pwmk.Tensors;

/// <summary>Fixed-seed weight initialisation (the same schemes PyTorch uses by default).</summary>
public static class Init
{
    /// <summary>U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's default for <c>nn.Linear</c> weights and biases.</summary>
    public static void LinearUniform(Tensor t, int fanIn, SeededRandom rng)
    {
        float bound = 1f / MathF.Sqrt(Math.Max(1, fanIn));
        Uniform(t, -bound, bound, rng);
    }

    /// <summary>Xavier/Glorot uniform.</summary>
    public static void XavierUniform(Tensor t, int fanIn, int fanOut, SeededRandom rng)
    {
        float bound = MathF.Sqrt(6f / Math.Max(1, fanIn + fanOut));
        Uniform(t, -bound, bound, rng);
    }

    public static void Uniform(Tensor t, float low, float high, SeededRandom rng)
    {
        var d = t.Data;
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = rng.Uniform(low, high);
        }
    }

    public static void Normal(Tensor t, float std, SeededRandom rng)
    {
        var d = t.Data;
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = (float)(rng.NextNormal() * std);
        }
    }

    public static void Fill(Tensor t, float value) => Array.Fill(t.Data, value);
}
