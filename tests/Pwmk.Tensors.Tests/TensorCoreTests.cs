
namespace Pwmk.Tensors.Tests;

public class TensorCoreTests
{
    [Fact]
    public void SameSeedGivesSameNumbersAndDifferentSeedsDiffer()
    {
        var a = new SeededRandom(42);
        var b = new SeededRandom(42);
        var c = new SeededRandom(43);
        var xs = Enumerable.Range(0, 100).Select(_ => a.NextDouble()).ToArray();
        Assert.Equal(xs, Enumerable.Range(0, 100).Select(_ => b.NextDouble()));
        Assert.NotEqual(xs, Enumerable.Range(0, 100).Select(_ => c.NextDouble()));
        Assert.All(xs, x => Assert.InRange(x, 0.0, 1.0));
        Assert.InRange(xs.Average(), 0.4, 0.6);
    }

    [Fact]
    public void AdamMinimisesAQuadratic()
    {
        var w = Tensor.Parameter("w", 4);
        var target = new Tensor([1f, -2f, 3f, 0.5f], 4);
        var opt = new AdamOptimizer([w], learningRate: 0.1f);
        for (int i = 0; i < 300; i++)
        {
            opt.ZeroGrad();
            Ops.MseLoss(w, target).Backward();
            opt.Step();
        }
        Assert.Equal(target.Data, w.Data, (x, y) => MathF.Abs(x - y) < 1e-2f);
    }

    [Fact]
    public void AdamFirstStepMovesEachWeightByTheLearningRate()
    {
        // With bias correction, Adam's first step is lr * sign(g) (up to epsilon), as in PyTorch.
        var w = Tensor.Parameter("w", 3);
        w.Data[0] = 1f;
        w.Data[1] = -2f;
        var opt = new AdamOptimizer([w], learningRate: 0.01f);
        Ops.MseLoss(w, Tensor.Zeros(3)).Backward();
        opt.Step();
        Assert.Equal(0.99f, w.Data[0], 4);
        Assert.Equal(-1.99f, w.Data[1], 4);
        Assert.Equal(0f, w.Data[2], 6);
    }

    [Fact]
    public void AdamWDecaysWeightsWithoutGradient()
    {
        var w = Tensor.Parameter("w", 2);
        w.Data[0] = 1f;
        w.Data[1] = 1f;
        w.EnsureGrad(); // zero gradient
        var opt = new AdamOptimizer([w], learningRate: 0.1f, weightDecay: 0.5f, decoupledWeightDecay: true);
        opt.Step();
        Assert.Equal(0.95f, w.Data[0], 5);
    }

    [Fact]
    public void AdamWithL2AddsTheDecayToTheGradient()
    {
        // L2 (not decoupled): g' = g + wd * w; the first step is lr * sign(g'), and the stored gradient holds g'.
        var w = Tensor.Parameter("w", 19);
        for (int i = 0; i < 19; i++)
        {
            w.Data[i] = i % 2 == 0 ? 1f : -1f;
            w.EnsureGrad()[i] = i % 3 == 0 ? -0.1f : 0.1f;
        }
        var opt = new AdamOptimizer([w], learningRate: 0.01f, weightDecay: 0.5f, decoupledWeightDecay: false);
        opt.Step();
        for (int i = 0; i < 19; i++)
        {
            float start = i % 2 == 0 ? 1f : -1f;
            float g = (i % 3 == 0 ? -0.1f : 0.1f) + 0.5f * start;
            Assert.Equal(g, w.Grad![i], 6);
            Assert.Equal(start - 0.01f * MathF.Sign(g), w.Data[i], 4);
        }
    }

    [Fact]
    public void TanhIsWithinAFewUnitsInTheLastPlace()
    {
        // 24,001 points over [-12, 12]: the vector lanes, the scalar tail, the saturated ends and zero.
        var x = Enumerable.Range(0, 24_001).Select(i => -12f + i * 0.001f).ToArray();
        var y = new float[x.Length];
        RowKernels.Tanh(x, y);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(y[i] - Math.Tanh(x[i])));
        }
        Assert.True(worst < 5e-7, $"largest error {worst}");
        Assert.Equal(0f, RowKernels.Tanh(0f));
        Assert.Equal(1f, RowKernels.Tanh(30f), 6);
        Assert.Equal(-1f, RowKernels.Tanh(-30f), 6);
    }

    [Fact]
    public void ClippingBoundsTheGlobalGradientNorm()
    {
        var a = Tensor.Parameter("a", 2);
        var b = Tensor.Parameter("b", 1);
        a.EnsureGrad()[0] = 3f;
        a.EnsureGrad()[1] = 0f;
        b.EnsureGrad()[0] = 4f;
        float before = AdamOptimizer.ClipGradNorm([a, b], 1f);
        Assert.Equal(5f, before, 4);
        Assert.Equal(0.6f, a.Grad![0], 3);
        Assert.Equal(0.8f, b.Grad![0], 3);
        float again = AdamOptimizer.ClipGradNorm([a, b], 10f);
        Assert.Equal(1f, again, 3);
        Assert.Equal(0.6f, a.Grad![0], 3);
    }

    [Fact]
    public void BadShapesAreRefusedWithTheShapesInTheMessage()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Embedding(Tensor.Zeros(3, 2), [5]));
        Assert.Throws<ArgumentException>(() => new Tensor(new float[5], 2, 3));
    }

    [Fact]
    public void NoGradRecordsNoGraph()
    {
        var w = Tensor.Parameter("w", 2, 2);
        using (Tensor.NoGrad())
        {
            var y = Ops.MatMul(Tensor.Zeros(1, 2), w);
            Assert.False(y.RequiresGrad);
        }
        Assert.True(Ops.MatMul(Tensor.Zeros(1, 2), w).RequiresGrad);
    }

    [Fact]
    public void DeepChainsBackpropagateWithoutStackOverflow()
    {
        var w = Tensor.Parameter("w", 1);
        w.Data[0] = 1f;
        var x = w;
        for (int i = 0; i < 200_000; i++)
        {
            x = Ops.Scale(x, 1f);
        }
        Ops.Sum(x).Backward();
        Assert.Equal(1f, w.Grad![0]);
    }
}
