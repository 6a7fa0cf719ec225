using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Tests.WorldModel;

public class PerspectiveEnvAdapterTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static int ArgMax(ReadOnlySpan<float> xs) => WorldModelTrainer.ArgMax(xs);

    [Fact]
    public void BeliefTargetsAreOneValuePerFluentAndRoomsEpisodesHoldFalseBeliefs()
    {
        var env = PerspectiveEnvAdapter.Rooms(agents: 3, maxSteps: 20);
        var data = new DataCollector(env).Collect(20, CollectionPolicy.Expert, seed: 3);
        int g = env.BeliefGroupSize, groups = env.NumBeliefs / g, falseBeliefs = 0;
        Assert.Equal(0, env.NumBeliefs % g);
        for (int e = 0; e < data.Episodes; e++)
        {
            for (int t = 0; t <= data.Lengths[e]; t++)
            {
                var beliefs = data.Belief(e, t);
                var truth = data.Truth(e, t);
                for (int q = 0; q < beliefs.Length / g; q++)
                {
                    float sum = 0;
                    foreach (var v in beliefs.Slice(q * g, g))
                    {
                        sum += v;
                    }
                    Assert.Equal(1f, sum);
                    int believed = ArgMax(beliefs.Slice(q * g, g)), real = ArgMax(truth.Slice(q % groups * g, g));
                    falseBeliefs += believed != 0 && real != 0 && believed != real ? 1 : 0;
                }
            }
        }
        Assert.True(falseBeliefs > 50, $"only {falseBeliefs} false beliefs: the expert policy should move objects while others are away");
    }

    [Fact]
    public void BoxWorldAdapterCollectsEgocentricObservationsAndPositionBeliefs()
    {
        var env = PerspectiveEnvAdapter.BoxWorld(agents: 3, gridSize: 8, boxes: 2, viewRadius: 2, maxSteps: 10);
        Assert.Equal((5 * 5 * (6 + 2 + 3)) + 8 + 8, env.ObservationSize); // labelled window, own x and y one-hot
        Assert.Equal(6, env.NumActions);
        var data = new DataCollector(env).Collect(4, CollectionPolicy.Mixed, seed: 1);
        var again = new DataCollector(env).Collect(4, CollectionPolicy.Mixed, seed: 1);
        Assert.Equal(data.Observations, again.Observations);
        Assert.Equal(data.Beliefs, again.Beliefs);
        // every agent sees itself from the start: its own position is a belief (not slot 0, "no belief")
        var first = data.Belief(0, 0);
        for (int a = 0; a < 3; a++)
        {
            int ownFluent = a; // pos(agent_a) are the first fluents of the vocabulary
            Assert.NotEqual(0, ArgMax(first.Slice(a * env.NumBeliefs + ownFluent * env.BeliefGroupSize, env.BeliefGroupSize)));
        }
    }

    [Fact]
    public void RecurrentModelLearnsFalseBeliefsInRoomsWorld()
    {
        // Agents leave rooms and others move objects meanwhile: an agent that did not witness the move keeps its old
        // belief, which only its own observation history can tell.
        var env = PerspectiveEnvAdapter.Rooms(agents: 2, maxSteps: 12);
        var collector = new DataCollector(env);
        var train = collector.Collect(240, CollectionPolicy.Expert, seed: 1);
        var val = collector.Collect(16, CollectionPolicy.Expert, seed: 2);
        var test = collector.Collect(40, CollectionPolicy.Expert, seed: 3);
        var model = new PerspectiveWorldModel(new WorldModelConfig(env.ObservationSize, env.NumActions, 32, 2, env.NumBeliefs, 1, 4,
            Seed: 5, Recurrent: true, BeliefGroupSize: env.BeliefGroupSize));
        var trainer = new WorldModelTrainer(model, new TrainerConfig
        {
            BatchSize = 8,
            LearningRate = 5e-3f,
            Filtering = true,
            PredictionHorizon = 12,
            Patience = 30,
        });
        var untrained = trainer.Evaluate(test, majorityFrom: train);
        trainer.Fit(train, val, epochs: 30);
        var trained = trainer.Evaluate(test, majorityFrom: train);
        output.WriteLine($"untrained: {untrained}");
        output.WriteLine($"trained: {trained}");
        Assert.True(trained.FalseBeliefCases > 100, $"{trained.FalseBeliefCases} false-belief cases");
        Assert.True(trained.FalseBeliefAccuracy > trained.FalseBeliefMajorityAccuracy + 0.3,
            $"false-belief accuracy {trained.FalseBeliefAccuracy} vs majority {trained.FalseBeliefMajorityAccuracy}");
        Assert.True(trained.FalseBeliefAccuracy > untrained.FalseBeliefAccuracy + 0.3,
            $"false-belief accuracy {trained.FalseBeliefAccuracy} vs untrained {untrained.FalseBeliefAccuracy}");
        Assert.True(trained.BeliefAccuracy > trained.MajorityBaselineAccuracy + 0.2,
            $"belief accuracy {trained.BeliefAccuracy} vs majority {trained.MajorityBaselineAccuracy}");
    }
}
