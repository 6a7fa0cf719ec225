namespace Pwmk.Tensors.Tests;

/// <summary>Training gives the same weights, bit for bit, however many threads its products use and however busy the machine is.</summary>
public class TrainingDeterminismTests
{
    /// <summary>A transformer block and a linear head trained for a few AdamW steps on a fixed batch; returns every weight.</summary>
    private static float[][] Train(int threads)
    {
        int saved = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            var rng = new SeededRandom(4);
            // 64 samples x 3 tokens x 64 wide: the block's wider products (192 x 64 x 256) are above the parallel threshold.
            var block = new TransformerBlock("block", 64, 4, rng);
            var head = new LinearLayer("head", 64, 5, rng);
            var parameters = block.Parameters().Concat(head.Parameters()).ToList();
            var x = Tensor.Zeros(64, 3, 64);
            var target = Tensor.Zeros(64, 3, 5);
            Init.Uniform(x, -1, 1, rng);
            Init.Uniform(target, -1, 1, rng);
            var opt = new AdamOptimizer(parameters, 1e-3f, weightDecay: 1e-4f);
            for (int step = 0; step < 3; step++)
            {
                using var arena = TensorArena.Begin();
                opt.ZeroGrad();
                Ops.MseLoss(head.Forward(block.Forward(x, null)), target).Backward();
                AdamOptimizer.ClipGradNorm(parameters, 1f);
                opt.Step();
            }
            return parameters.Select(p => (float[])p.Data.Clone()).ToArray();
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
    }

    [Fact]
    public void WeightsAreTheSameBitsWithOneOrSeveralThreads()
    {
        var one = Train(1);
        foreach (int threads in new[] { 2, 2, 4 })
        {
            var many = Train(threads);
            for (int i = 0; i < one.Length; i++)
            {
                Assert.True(one[i].AsSpan().SequenceEqual(many[i]), $"parameter {i} differs after training on {threads} threads");
            }
        }
    }
}
