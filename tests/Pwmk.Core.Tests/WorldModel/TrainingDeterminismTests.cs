using Pwmk.Core.WorldModel;
using Pwmk.Tensors;

namespace Pwmk.Core.Tests.WorldModel;

public class TrainingDeterminismTests
{
    /// <summary>Trains the default model on a few box-world episodes; returns every weight and the losses.</summary>
    private static (float[][] Weights, float[] Losses) Train(TrajectoryDataset data, IWorldModelEnvironment env)
    {
        var model = new PerspectiveWorldModel(WorldModelConfig.ForEnvironment(env, hiddenDim: 64, numLayers: 1, seed: 11));
        var trainer = new WorldModelTrainer(model, TrainerConfig.ForEnvironment(env, epochs: 2) with { Seed = 5 });
        var fit = trainer.Fit(data, data, 2);
        return ([.. model.Parameters.Select(p => (float[])p.Data.Clone())], [.. fit.History.Select(h => h.TrainLoss)]);
    }

    [Fact]
    public async Task TrainingGivesTheSameWeightsBitForBitWhateverTheThreadsAndTheLoad()
    {
        // The products are wide enough to be split over threads (the encoder reads 24 rows of a 2,594-value observation),
        // and two trainings run at once: neither the split nor the load may change a single bit.
        var env = PerspectiveEnvAdapter.BoxWorld(agents: 3, maxSteps: 8);
        var data = new DataCollector(env).Collect(16, CollectionPolicy.Mixed, seed: 3);
        int threads = Gemm.MaxThreads;
        (float[][] Weights, float[] Losses) serial;
        try
        {
            Gemm.MaxThreads = 1;
            serial = Train(data, env);
        }
        finally
        {
            Gemm.MaxThreads = threads;
        }
        var concurrent = await Task.WhenAll(Task.Run(() => Train(data, env)), Task.Run(() => Train(data, env)));
        foreach (var run in concurrent)
        {
            Assert.Equal(serial.Losses, run.Losses);
            Assert.Equal(serial.Weights.Length, run.Weights.Length);
            for (int i = 0; i < serial.Weights.Length; i++)
            {
                Assert.Equal(serial.Weights[i], run.Weights[i]);
            }
        }
        Assert.NotEqual(serial.Losses[0], serial.Losses[1]); // it did train
    }
}
