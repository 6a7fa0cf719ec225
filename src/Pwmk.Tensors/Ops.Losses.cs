using System.Numerics.Tensors;

namespace Pwmk.Tensors;

public static partial class Ops
{
    // ---------------- reductions and losses ----------------

    public static Tensor Sum(Tensor x)
    {
        var y = new Tensor([TensorPrimitives.Sum(x.Data)]);
        return Tensor.Record(y, t => TensorPrimitives.Add(x.EnsureGrad(), t.Grad![0], x.EnsureGrad()), x);
    }

    public static Tensor Mean(Tensor x) => Scale(Sum(x), 1f / Math.Max(1, x.Length));

    /// <summary>Mean squared error between <paramref name="prediction"/> and a constant <paramref name="target"/>.</summary>
    public static Tensor MseLoss(Tensor prediction, Tensor target)
    {
        SameShape(prediction, target, "MseLoss");
        int len = prediction.Length;
        var diff = TensorArena.RentForOverwrite(len);
        TensorPrimitives.Subtract(prediction.Data, target.Data, diff);
        var y = new Tensor([TensorPrimitives.Dot(diff, diff) / Math.Max(1, len)]);
        return Tensor.Record(y, t =>
        {
            float s = 2f * t.Grad![0] / Math.Max(1, len);
            TensorPrimitives.MultiplyAdd(diff, s, prediction.EnsureGrad(), prediction.EnsureGrad());
        }, prediction);
    }

    /// <summary>Mean binary cross-entropy of sigmoid(<paramref name="logits"/>) against 0/1 (or soft) targets; numerically stable.</summary>
    public static Tensor BceWithLogitsLoss(Tensor logits, Tensor target)
    {
        SameShape(logits, target, "BceWithLogitsLoss");
        int len = logits.Length;
        double total = 0;
        for (int i = 0; i < len; i++)
        {
            float z = logits.Data[i], yv = target.Data[i];
            total += Math.Max(z, 0f) - z * yv + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        }
        var y = new Tensor([(float)(total / Math.Max(1, len))]);
        return Tensor.Record(y, t =>
        {
            float s = t.Grad![0] / Math.Max(1, len);
            var g = logits.EnsureGrad();
            for (int i = 0; i < len; i++)
            {
                float p = 1f / (1f + MathF.Exp(-logits.Data[i]));
                g[i] += s * (p - target.Data[i]);
            }
        }, logits);
    }

    /// <summary>
    /// Mean softmax cross-entropy over groups of <paramref name="groupSize"/> consecutive logits (each group one
    /// categorical variable) against target distributions (one-hot rows, or all zeros for a group to ignore); numerically stable.
    /// </summary>
    public static Tensor SoftmaxCrossEntropyLoss(Tensor logits, Tensor target, int groupSize)
    {
        SameShape(logits, target, "SoftmaxCrossEntropyLoss");
        int len = logits.Length;
        if (groupSize < 1 || len % groupSize != 0)
        {
            throw new ArgumentException($"SoftmaxCrossEntropyLoss: {len} logits do not split into groups of {groupSize}");
        }
        int groups = len / groupSize;
        var p = TensorArena.RentForOverwrite(len);
        double total = 0;
        for (int r = 0; r < groups; r++)
        {
            var z = logits.Data.AsSpan(r * groupSize, groupSize);
            var pr = p.AsSpan(r * groupSize, groupSize);
            TensorPrimitives.SoftMax(z, pr);
            float max = TensorPrimitives.Max(z);
            double sumExp = 0;
            foreach (var v in z)
            {
                sumExp += Math.Exp(v - max);
            }
            double logSum = max + Math.Log(sumExp);
            var tr = target.Data.AsSpan(r * groupSize, groupSize);
            for (int j = 0; j < groupSize; j++)
            {
                if (tr[j] != 0f)
                {
                    total -= tr[j] * (z[j] - logSum);
                }
            }
        }
        var y = new Tensor([(float)(total / Math.Max(1, groups))]);
        return Tensor.Record(y, t =>
        {
            float s = t.Grad![0] / Math.Max(1, groups);
            var g = logits.EnsureGrad();
            for (int r = 0; r < groups; r++)
            {
                var tr = target.Data.AsSpan(r * groupSize, groupSize);
                float mass = TensorPrimitives.Sum(tr);
                for (int j = 0; j < groupSize; j++)
                {
                    int i = r * groupSize + j;
                    g[i] += s * (p[i] * mass - tr[j]);
                }
            }
        }, logits);
    }

    /// <summary>Mean binary cross-entropy of probabilities <paramref name="probabilities"/> (clamped away from 0 and 1).</summary>
    public static Tensor BceLoss(Tensor probabilities, Tensor target)
    {
        SameShape(probabilities, target, "BceLoss");
        const float Eps = 1e-7f;
        int len = probabilities.Length;
        double total = 0;
        for (int i = 0; i < len; i++)
        {
            float p = Math.Clamp(probabilities.Data[i], Eps, 1f - Eps), yv = target.Data[i];
            total -= yv * Math.Log(p) + (1 - yv) * Math.Log(1 - p);
        }
        var y = new Tensor([(float)(total / Math.Max(1, len))]);
        return Tensor.Record(y, t =>
        {
            float s = t.Grad![0] / Math.Max(1, len);
            var g = probabilities.EnsureGrad();
            for (int i = 0; i < len; i++)
            {
                float p = Math.Clamp(probabilities.Data[i], Eps, 1f - Eps), yv = target.Data[i];
                g[i] += s * (p - yv) / (p * (1f - p));
            }
        }, probabilities);
    }
}
