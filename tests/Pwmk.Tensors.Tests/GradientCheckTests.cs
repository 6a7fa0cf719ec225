
namespace Pwmk.Tensors.Tests;

/// <summary>Every differentiable op: the analytic gradient matches central finite differences.</summary>
public class GradientCheckTests
{
    private static Tensor Random(SeededRandom rng, int[] shape, float awayFromZero = 0f)
    {
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Length; i++)
        {
            float v = rng.Uniform(-1f, 1f);
            if (awayFromZero > 0 && MathF.Abs(v) < awayFromZero)
            {
                v = v < 0 ? v - awayFromZero : v + awayFromZero;
            }
            t.Data[i] = v;
        }
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>
    /// Checks d(sum(f(inputs) * R))/d(inputs) against central differences, R a fixed random projection.
    /// float32 tolerances: eps 1e-2 (errors O(eps^2) on smooth ops), relative 2% plus absolute 2e-3.
    /// </summary>
    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var rng = new SeededRandom(99);
        var outShape = f(inputs).Shape;
        var projection = Random(rng, outShape);
        projection.RequiresGrad = false;
        Tensor Loss() => Ops.Sum(Ops.Mul(f(inputs), projection));

        foreach (var x in inputs)
        {
            x.ZeroGrad();
        }
        Loss().Backward();
        const float Eps = 1e-2f;
        using var _ = Tensor.NoGrad();
        for (int t = 0; t < inputs.Length; t++)
        {
            var x = inputs[t];
            if (!x.RequiresGrad)
            {
                continue;
            }
            Assert.NotNull(x.Grad);
            var analytic = (float[])x.Grad!.Clone();
            int step = Math.Max(1, x.Length / 40);
            for (int i = 0; i < x.Length; i += step)
            {
                float keep = x.Data[i];
                x.Data[i] = keep + Eps;
                double up = Loss().Data[0];
                x.Data[i] = keep - Eps;
                double down = Loss().Data[0];
                x.Data[i] = keep;
                double numeric = (up - down) / (2 * Eps);
                double tol = 2e-2 * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])) + 2e-3;
                Assert.True(Math.Abs(numeric - analytic[i]) <= tol,
                    $"input {t} element {i}: analytic {analytic[i]} vs numeric {numeric}");
            }
        }
    }

    private static readonly SeededRandom Rng = new(7);

    [Fact]
    public void MatMul() => Check(x => Ops.MatMul(x[0], x[1]), Random(Rng, [2, 3, 5]), Random(Rng, [5, 4]));

    [Fact]
    public void MatMulLargeEnoughForBlockedKernel() =>
        Check(x => Ops.MatMul(x[0], x[1]), Random(Rng, [9, 37]), Random(Rng, [37, 21]));

    [Fact]
    public void BatchMatMul() => Check(x => Ops.BatchMatMul(x[0], x[1]), Random(Rng, [2, 3, 4]), Random(Rng, [2, 4, 5]));

    [Fact]
    public void BatchMatMulTransposed() =>
        Check(x => Ops.BatchMatMul(x[0], x[1], transposeB: true), Random(Rng, [2, 3, 4]), Random(Rng, [2, 5, 4]));

    [Fact]
    public void BatchMatMulAboveTheSmallProductPath() =>
        Check(x => Ops.BatchMatMul(x[0], x[1]), Random(Rng, [2, 17, 16]), Random(Rng, [2, 16, 18]));

    [Fact]
    public void BatchMatMulTransposedAboveTheSmallProductPath() =>
        Check(x => Ops.BatchMatMul(x[0], x[1], transposeB: true), Random(Rng, [2, 17, 16]), Random(Rng, [2, 18, 16]));

    [Fact]
    public void LinearWithBias() =>
        Check(x => Ops.Linear(x[0], x[1], x[2]), Random(Rng, [2, 3, 5]), Random(Rng, [5, 4]), Random(Rng, [4]));

    [Fact]
    public void LinearWithBiasOnEdgeTiles() =>
        Check(x => Ops.Linear(x[0], x[1], x[2]), Random(Rng, [9, 37]), Random(Rng, [37, 21]), Random(Rng, [21]));

    [Fact]
    public void BatchMatMulSmallWithVectorRows() =>
        Check(x => Ops.BatchMatMul(Ops.Softmax(Ops.BatchMatMul(x[0], x[1], transposeB: true)), x[2]),
            Random(Rng, [4, 3, 16]), Random(Rng, [4, 3, 16]), Random(Rng, [4, 3, 19]));

    [Fact]
    public void Add() => Check(x => Ops.Add(x[0], x[1]), Random(Rng, [3, 4]), Random(Rng, [3, 4]));

    [Fact]
    public void Sub() => Check(x => Ops.Sub(x[0], x[1]), Random(Rng, [3, 4]), Random(Rng, [3, 4]));

    [Fact]
    public void Mul() => Check(x => Ops.Mul(x[0], x[1]), Random(Rng, [3, 4]), Random(Rng, [3, 4]));

    [Fact]
    public void Scale() => Check(x => Ops.Scale(x[0], -1.7f), Random(Rng, [3, 4]));

    [Fact]
    public void AddBias() => Check(x => Ops.AddBias(x[0], x[1]), Random(Rng, [2, 3, 4]), Random(Rng, [4]));

    [Fact]
    public void AddBiasOnVectorsAndATail() => Check(x => Ops.AddBias(x[0], x[1]), Random(Rng, [3, 19]), Random(Rng, [19]));

    [Fact]
    public void Relu() => Check(x => Ops.Relu(x[0]), Random(Rng, [4, 5], awayFromZero: 0.05f));

    [Fact]
    public void Gelu() => Check(x => Ops.Gelu(x[0]), Random(Rng, [4, 5]));

    [Fact]
    public void GeluOnVectorsAndATail() => Check(x => Ops.Gelu(Ops.Scale(x[0], 3f)), Random(Rng, [3, 19]));

    [Fact]
    public void Tanh() => Check(x => Ops.Tanh(x[0]), Random(Rng, [4, 5]));

    [Fact]
    public void Sigmoid() => Check(x => Ops.Sigmoid(x[0]), Random(Rng, [4, 5]));

    [Fact]
    public void Softmax() => Check(x => Ops.Softmax(x[0]), Random(Rng, [3, 6]));

    [Fact]
    public void LayerNorm() =>
        Check(x => Ops.LayerNorm(x[0], x[1], x[2]), Random(Rng, [4, 6]), Random(Rng, [6]), Random(Rng, [6]));

    [Fact]
    public void LayerNormOnVectorsAndATail() =>
        Check(x => Ops.LayerNorm(x[0], x[1], x[2]), Random(Rng, [3, 19]), Random(Rng, [19]), Random(Rng, [19]));

    [Fact]
    public void Embedding() => Check(x => Ops.Embedding(x[0], [2, 0, 2, 1]), Random(Rng, [3, 4]));

    [Fact]
    public void Concat() => Check(x => Ops.Concat(x[0], x[1]), Random(Rng, [2, 3, 2]), Random(Rng, [2, 3, 4]));

    [Fact]
    public void Slice() => Check(x => Ops.Slice(x[0], 1, 3), Random(Rng, [3, 5]));

    [Fact]
    public void Reshape() => Check(x => Ops.Reshape(x[0], 6, 2), Random(Rng, [3, 4]));

    [Fact]
    public void SwapAxes12() => Check(x => Ops.SwapAxes12(x[0]), Random(Rng, [2, 3, 4, 2]));

    [Fact]
    public void MaskedFill() =>
        Check(x => Ops.MaskedFill(x[0], [true, false, false, true, false, true], -3f), Random(Rng, [2, 3]));

    [Fact]
    public void Sum() => Check(x => Ops.Sum(x[0]), Random(Rng, [3, 4]));

    [Fact]
    public void Mean() => Check(x => Ops.Mean(x[0]), Random(Rng, [3, 4]));

    [Fact]
    public void MseLoss()
    {
        var target = Random(Rng, [3, 4]);
        target.RequiresGrad = false;
        Check(x => Ops.MseLoss(x[0], target), Random(Rng, [3, 4]));
    }

    [Fact]
    public void BceWithLogitsLoss()
    {
        var target = Tensor.Zeros(3, 4);
        for (int i = 0; i < target.Length; i += 3)
        {
            target.Data[i] = 1f;
        }
        Check(x => Ops.BceWithLogitsLoss(x[0], target), Random(Rng, [3, 4]));
    }

    [Fact]
    public void SoftmaxCrossEntropyLoss()
    {
        // 3 rows x 2 groups of 3: one-hot targets, and one group left out (all zeros)
        var target = Tensor.Zeros(3, 6);
        target.Data[1] = target.Data[3] = target.Data[8] = target.Data[12] = target.Data[17] = 1f;
        Check(x => Ops.SoftmaxCrossEntropyLoss(x[0], target, 3), Random(Rng, [3, 6]));
    }

    [Fact]
    public void BceLoss()
    {
        var target = Tensor.Zeros(3, 4);
        for (int i = 0; i < target.Length; i += 2)
        {
            target.Data[i] = 1f;
        }
        Check(x => Ops.BceLoss(Ops.Sigmoid(x[0]), target), Random(Rng, [3, 4]));
    }

    [Fact]
    public void SharedInputAccumulatesGradientFromEveryUse() =>
        Check(x => Ops.Mul(Ops.Tanh(x[0]), Ops.Add(x[0], x[0])), Random(Rng, [2, 3]));

    [Fact]
    public void AttentionBlockComposition() =>
        Check(x =>
        {
            var q = Ops.MatMul(x[0], x[1]);
            var scores = Ops.Softmax(Ops.BatchMatMul(q, x[0], transposeB: true));
            return Ops.BatchMatMul(scores, x[0]);
        }, Random(Rng, [2, 3, 4]), Random(Rng, [4, 4]));
}
