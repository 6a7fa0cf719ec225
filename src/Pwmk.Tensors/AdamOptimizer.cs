using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Pwmk.Tensors;

/// <summary>
/// Adam (<paramref name="decoupledWeightDecay"/> false, L2 added to the gradient) or AdamW
/// (decoupled weight decay, Loshchilov and Hutter), with bias correction as in PyTorch.
/// </summary>
public sealed class AdamOptimizer(
    IReadOnlyList<Tensor> parameters,
    float learningRate = 1e-3f,
    float beta1 = 0.9f,
    float beta2 = 0.999f,
    float epsilon = 1e-8f,
    float weightDecay = 0f,
    bool decoupledWeightDecay = true)
{
    private readonly float[][] m = CreateState(parameters);
    private readonly float[][] v = CreateState(parameters);

    public float LearningRate { get; set; } = learningRate;

    public int StepCount { get; private set; }

    public IReadOnlyList<Tensor> Parameters => parameters;

    private static float[][] CreateState(IReadOnlyList<Tensor> ps)
    {
        var s = new float[ps.Count][];
        for (int i = 0; i < ps.Count; i++)
        {
            s[i] = new float[ps[i].Length];
        }
        return s;
    }

    /// <summary>The first and second moment estimates, one array per parameter (live: copy before changing).</summary>
    public IReadOnlyList<float[]> FirstMoments => m;

    public IReadOnlyList<float[]> SecondMoments => v;

    /// <summary>Restores moments and step count saved from an optimiser over the same parameters.</summary>
    public void Restore(int stepCount, IReadOnlyList<float[]> firstMoments, IReadOnlyList<float[]> secondMoments)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        if (firstMoments.Count != m.Length || secondMoments.Count != v.Length) throw new ArgumentException("moment count differs from the parameter count");
        for (int i = 0; i < m.Length; i++)
        {
            if (firstMoments[i].Length != m[i].Length || secondMoments[i].Length != v[i].Length) throw new ArgumentException($"moments of parameter {i} have the wrong size");
        }
        for (int i = 0; i < m.Length; i++)
        {
            firstMoments[i].CopyTo(m[i], 0);
            secondMoments[i].CopyTo(v[i], 0);
        }
        StepCount = stepCount;
    }

    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static float ClipGradNorm(IReadOnlyList<Tensor> parameters, float maxNorm)
    {
        double sq = 0;
        foreach (var p in parameters)
        {
            if (p.Grad is { } g)
            {
                float n = TensorPrimitives.Norm(g);
                sq += (double)n * n;
            }
        }
        float total = (float)Math.Sqrt(sq);
        if (total > maxNorm && total > 0)
        {
            float s = maxNorm / (total + 1e-6f);
            foreach (var p in parameters)
            {
                if (p.Grad is { } g)
                {
                    TensorPrimitives.Multiply(g, s, g);
                }
            }
        }
        return total;
    }

    /// <summary>One Adam(W) step over one parameter in a single pass (same operations, same order, as separate passes would do).</summary>
    private void Update(Span<float> w, Span<float> g, Span<float> m, Span<float> v, float stepSize, float invSqrtBc2)
    {
        bool decay = weightDecay != 0f && decoupledWeightDecay, l2 = weightDecay != 0f && !decoupledWeightDecay;
        float keep = 1f - LearningRate * weightDecay, oneMinusB1 = 1f - beta1, oneMinusB2 = 1f - beta2;
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wv = MemoryMarshal.Cast<float, Vector<float>>(w);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            for (int e = 0; e < wv.Length; e++)
            {
                var wi = wv[e];
                var gi = gv[e];
                if (decay)
                {
                    wi *= keep;
                }
                else if (l2)
                {
                    gi = (wi * weightDecay) + gi;
                    gv[e] = gi;
                }
                var mi = (gi * oneMinusB1) + (mv[e] * beta1);
                var vi = (gi * gi * oneMinusB2) + (vv[e] * beta2);
                mv[e] = mi;
                vv[e] = vi;
                var denom = (Vector.SquareRoot(vi) * invSqrtBc2) + new Vector<float>(epsilon);
                wv[e] = (mi / denom * -stepSize) + wi;
            }
            j = wv.Length * Vector<float>.Count;
        }
        for (; j < w.Length; j++)
        {
            float wi = w[j], gi = g[j];
            if (decay)
            {
                wi *= keep;
            }
            else if (l2)
            {
                gi = (wi * weightDecay) + gi;
                g[j] = gi;
            }
            float mi = (gi * oneMinusB1) + (m[j] * beta1);
            float vi = (gi * gi * oneMinusB2) + (v[j] * beta2);
            m[j] = mi;
            v[j] = vi;
            float denom = (MathF.Sqrt(vi) * invSqrtBc2) + epsilon;
            w[j] = (mi / denom * -stepSize) + wi;
        }
    }

    public void Step()
    {
        StepCount++;
        float bc1 = 1f - MathF.Pow(beta1, StepCount);
        float bc2 = 1f - MathF.Pow(beta2, StepCount);
        float stepSize = LearningRate / bc1;
        float invSqrtBc2 = 1f / MathF.Sqrt(bc2);
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (p.Grad is not { } g)
            {
                continue;
            }
            Update(p.Data, g, m[i], v[i], stepSize, invSqrtBc2);
        }
    }
}
