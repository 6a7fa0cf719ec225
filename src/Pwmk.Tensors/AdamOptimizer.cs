using System.Numerics.Tensors;

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
    private float[] scratch = [];

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
            var w = p.Data;
            if (scratch.Length < w.Length)
            {
                scratch = new float[w.Length];
            }
            var tmp = scratch.AsSpan(0, w.Length);
            if (weightDecay != 0f)
            {
                if (decoupledWeightDecay)
                {
                    TensorPrimitives.Multiply(w, 1f - LearningRate * weightDecay, w);
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(w, weightDecay, g, g);
                }
            }
            var mi = m[i];
            var vi = v[i];
            // m = b1 m + (1-b1) g ; v = b2 v + (1-b2) g^2
            TensorPrimitives.Multiply(mi, beta1, mi);
            TensorPrimitives.MultiplyAdd(g, 1f - beta1, mi, mi);
            TensorPrimitives.Multiply(vi, beta2, vi);
            TensorPrimitives.Multiply(g, g, tmp);
            TensorPrimitives.MultiplyAdd(tmp, 1f - beta2, vi, vi);
            // w -= stepSize * m / (sqrt(v)/sqrt(bc2) + eps)
            TensorPrimitives.Sqrt(vi, tmp);
            TensorPrimitives.Multiply(tmp, invSqrtBc2, tmp);
            TensorPrimitives.Add(tmp, epsilon, tmp);
            TensorPrimitives.Divide(mi, tmp, tmp);
            TensorPrimitives.MultiplyAdd(tmp, -stepSize, w, w);
        }
    }
}
