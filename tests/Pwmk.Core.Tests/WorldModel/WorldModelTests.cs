using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Tests.WorldModel;

public class WorldModelTests
{
    private static WorldModelConfig Small(SyntheticBoxWorld env, ulong seed = 1) =>
        new(env.ObservationSize, env.NumActions, 32, env.NumAgents, env.NumBeliefs, NumLayers: 1, NumHeads: 4, Seed: seed);

    private static (float[] Obs, int[] Actions) Batch(SyntheticBoxWorld env, int batch)
    {
        var data = new DataCollector(env).Collect(batch, CollectionPolicy.Random, seed: 3);
        var obs = new float[batch * env.NumAgents * env.ObservationSize];
        var actions = new int[batch * env.NumAgents];
        for (int e = 0; e < batch; e++)
        {
            data.Observation(e, 0).CopyTo(obs.AsSpan(e * env.NumAgents * env.ObservationSize));
            data.Action(e, 0).CopyTo(actions.AsSpan(e * env.NumAgents));
        }
        return (obs, actions);
    }

    [Fact]
    public void ForwardGivesOnePredictionPerAgentAndBeliefProbabilities()
    {
        var env = new SyntheticBoxWorld();
        var model = new PerspectiveWorldModel(Small(env));
        var (obs, actions) = Batch(env, 5);
        var p = model.Forward(obs, actions, null, 5);
        Assert.Equal(5 * 3 * env.ObservationSize, p.NextObservations.Length);
        Assert.Equal(5 * 3 * 32, p.States.Length);
        Assert.Equal(5 * 3 * env.NumBeliefs, p.Beliefs.Length);
        Assert.All(p.Beliefs, b => Assert.InRange(b, 0f, 1f));
    }

    [Fact]
    public void SameSeedSameWeightsAndOutputsOtherSeedDiffers()
    {
        var env = new SyntheticBoxWorld();
        var (obs, actions) = Batch(env, 4);
        var a = new PerspectiveWorldModel(Small(env, 5)).Forward(obs, actions, null, 4);
        var b = new PerspectiveWorldModel(Small(env, 5)).Forward(obs, actions, null, 4);
        var c = new PerspectiveWorldModel(Small(env, 6)).Forward(obs, actions, null, 4);
        Assert.Equal(a.NextObservations, b.NextObservations);
        Assert.NotEqual(a.NextObservations, c.NextObservations);
    }

    [Fact]
    public void EarlierPredictionsStayIntactAfterLaterCalls()
    {
        // Intermediate buffers are recycled between calls; returned arrays must not be.
        var env = new SyntheticBoxWorld();
        var model = new PerspectiveWorldModel(Small(env));
        var (obs, actions) = Batch(env, 4);
        var first = model.Forward(obs, actions, null, 4);
        var kept = (float[])first.NextObservations.Clone();
        var other = (float[])obs.Clone();
        Array.Reverse(other);
        for (int i = 0; i < 5; i++)
        {
            model.Forward(other, actions, null, 4);
        }
        Assert.Equal(kept, first.NextObservations);
        Assert.Equal(kept, model.Forward(obs, actions, null, 4).NextObservations);
    }

    [Fact]
    public void AbsentAgentsDoNotInfluenceTheOthers()
    {
        var env = new SyntheticBoxWorld();
        var model = new PerspectiveWorldModel(Small(env));
        var (obs, actions) = Batch(env, 1);
        var ids = new[] { 0, 1, 2 };
        bool[] absent = [false, false, true];
        float[] Next(float[] o)
        {
            using var noGrad = Pwmk.Tensors.Tensor.NoGrad();
            var latent = model.Encode(new Pwmk.Tensors.Tensor(o, 1, 3, env.ObservationSize), ids);
            return model.Dynamics(latent, actions, absent).Data[..64]; // agents 0 and 1
        }
        var before = Next(obs);
        var changed = (float[])obs.Clone();
        for (int j = 2 * env.ObservationSize; j < changed.Length; j++)
        {
            changed[j] = 1f - changed[j];
        }
        Assert.Equal(before, Next(changed));
        absent[2] = false;
        Assert.NotEqual(Next(obs), Next(changed));
    }

    [Fact]
    public void PerspectiveEmbeddingMakesAgentsDiffer()
    {
        var env = new SyntheticBoxWorld();
        var model = new PerspectiveWorldModel(Small(env));
        var (obs, actions) = Batch(env, 1);
        var asIs = model.Forward(obs, actions, [0, 1, 2], 1);
        var relabelled = model.Forward(obs, actions, [2, 0, 1], 1);
        Assert.NotEqual(asIs.States, relabelled.States);
    }

    [Fact]
    public void BadInputIsRefusedWithAClearMessage()
    {
        var env = new SyntheticBoxWorld();
        var model = new PerspectiveWorldModel(Small(env));
        var (obs, actions) = Batch(env, 2);
        var ex = Assert.Throws<ArgumentException>(() => model.Forward(obs, actions, null, 3));
        Assert.Contains("observations", ex.Message);
        actions[1] = 9;
        var ex2 = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(obs, actions, null, 2));
        Assert.Contains("action 9 at index 1", ex2.Message);
        Assert.Throws<ArgumentException>(() => new PerspectiveWorldModel(new WorldModelConfig(4, 2, 30, 2, 2, NumHeads: 4)));
    }

    [Fact]
    public void PredictTrajectoryStartsLikeForward()
    {
        var env = new SyntheticBoxWorld();
        var model = new PerspectiveWorldModel(Small(env));
        var (obs, actions) = Batch(env, 1);
        var traj = model.PredictTrajectory(obs, [actions, [0, 0, 0], [3, 2, 1]]);
        Assert.Equal(3, traj.Observations.Count);
        Assert.Equal(3, traj.Beliefs.Count);
        var one = model.Forward(obs, actions, null, 1);
        Assert.Equal(one.NextObservations, traj.Observations[0]);
        Assert.NotEqual(traj.Observations[1], traj.Observations[2]);
    }

    [Fact]
    public void LearnsTheSyntheticWorldBetterThanTheBaselinesIncludingFalseBeliefs()
    {
        var env = new SyntheticBoxWorld(numAgents: 3, cells: 6, viewRadius: 1, maxSteps: 16);
        var collector = new DataCollector(env);
        var train = collector.Collect(160, CollectionPolicy.Mixed, seed: 1);
        var val = collector.Collect(20, CollectionPolicy.Mixed, seed: 2);
        var test = collector.Collect(40, CollectionPolicy.Mixed, seed: 3);
        var model = new PerspectiveWorldModel(new WorldModelConfig(env.ObservationSize, env.NumActions, 48, 3, env.NumBeliefs, 1, 4, Seed: 7));
        var trainer = new WorldModelTrainer(model, new TrainerConfig { BatchSize = 32, LearningRate = 3e-3f, Patience = 3 });
        var fit = trainer.Fit(train, val, epochs: 12);
        var r = trainer.Evaluate(test);
        Assert.True(r.StateMse < 0.5 * r.CopyBaselineMse, $"state mse {r.StateMse} vs copy baseline {r.CopyBaselineMse}");
        Assert.True(r.BeliefAccuracy > 0.95, $"belief accuracy {r.BeliefAccuracy}");
        Assert.True(r.BeliefAccuracy > r.MajorityBaselineAccuracy + 0.05 || r.BeliefAccuracy > 0.99,
            $"belief accuracy {r.BeliefAccuracy} vs majority {r.MajorityBaselineAccuracy}");
        Assert.True(r.FalseBeliefCases > 50, $"only {r.FalseBeliefCases} false-belief cases");
        Assert.True(r.FalseBeliefAccuracy > 0.8, $"false-belief accuracy {r.FalseBeliefAccuracy}");
        Assert.True(fit.History[^1].TrainLoss < fit.History[0].TrainLoss);
    }

    [Fact]
    public void SameSeedGivesTheSameLossesAndWeights()
    {
        var env = new SyntheticBoxWorld();
        var data = new DataCollector(env).Collect(10, seed: 4);
        FitResult Run(out PerspectiveWorldModel m)
        {
            m = new PerspectiveWorldModel(Small(env, 3));
            return new WorldModelTrainer(m, new TrainerConfig { BatchSize = 16, Seed = 9 }).Fit(data, null, 2);
        }
        var a = Run(out var ma);
        var b = Run(out var mb);
        Assert.Equal(a.History.Select(h => h.TrainLoss), b.History.Select(h => h.TrainLoss));
        for (int i = 0; i < ma.Parameters.Count; i++)
        {
            Assert.Equal(ma.Parameters[i].Data, mb.Parameters[i].Data);
        }
    }

    [Fact]
    public void MultiStepHorizonTrainsAndCountsOnlyLongEnoughWindows()
    {
        var env = new SyntheticBoxWorld(maxSteps: 4);
        var data = new DataCollector(env).Collect(6, seed: 4);
        var model = new PerspectiveWorldModel(Small(env));
        var trainer = new WorldModelTrainer(model, new TrainerConfig { PredictionHorizon = 3 });
        var fit = trainer.Fit(data, null, 3);
        Assert.True(fit.History[^1].TrainLoss < fit.History[0].TrainLoss);
        var tooLong = new WorldModelTrainer(model, new TrainerConfig { PredictionHorizon = 5 });
        Assert.Throws<ArgumentException>(() => tooLong.Fit(data, null, 1));
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeightsAndCheckpointsThem()
    {
        var env = new SyntheticBoxWorld();
        var collector = new DataCollector(env);
        var train = collector.Collect(8, seed: 1);
        var val = collector.Collect(4, seed: 2);
        var dir = Directory.CreateTempSubdirectory("pwmk-wm-");
        try
        {
            var path = Path.Combine(dir.FullName, "best.safetensors");
            var model = new PerspectiveWorldModel(Small(env));
            // A learning rate too small to change float32 weights: validation never improves after epoch 0.
            var trainer = new WorldModelTrainer(model, new TrainerConfig { LearningRate = 1e-30f, Patience = 2, CheckpointPath = path });
            var epochs = new List<EpochReport>();
            var fit = trainer.Fit(train, val, 50, new TrainingCallbacks(OnEpoch: epochs.Add));
            Assert.True(fit.StoppedEarly);
            Assert.Equal(3, epochs.Count);
            Assert.Equal(1, fit.BestEpoch); // epochs count from 1
            Assert.Equal([1, 2, 3], epochs.Select(r => r.Epoch));
            Assert.True(File.Exists(path));
            var loaded = PerspectiveWorldModel.Load(path);
            Assert.Equal(trainer.ValidationLoss(val), new WorldModelTrainer(loaded, new TrainerConfig()).ValidationLoss(val));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void APlateauInTheFirstEpochsDoesNotStopTraining()
    {
        // The same plateau from the first epoch: with MinEpochs (the defaults: half of the epochs) training goes on to
        // epoch 6 of 12 before patience may stop it, where without it it stopped at epoch 3.
        var env = new SyntheticBoxWorld();
        var collector = new DataCollector(env);
        var train = collector.Collect(8, seed: 1);
        var val = collector.Collect(4, seed: 2);
        var trainer = new WorldModelTrainer(new PerspectiveWorldModel(Small(env)),
            new TrainerConfig { LearningRate = 1e-30f, Patience = 2, MinEpochs = TrainerConfig.ForEnvironment(env, 12).MinEpochs });
        var fit = trainer.Fit(train, val, 12);
        Assert.True(fit.StoppedEarly);
        Assert.Equal(6, fit.History.Count);
        Assert.Equal(1, fit.BestEpoch);
    }
}
