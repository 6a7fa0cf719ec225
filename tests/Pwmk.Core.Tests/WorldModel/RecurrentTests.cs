using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Tests.WorldModel;

public class RecurrentTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void CarriedBeliefStateLearnsBeliefsThatDependOnHistory()
    {
        // The agents' memory is not in their observations: what they believe depends on what they saw before.
        var env = new SyntheticBoxWorld(numAgents: 3, cells: 6, viewRadius: 1, maxSteps: 16, observeMemory: false);
        var collector = new DataCollector(env);
        var train = collector.Collect(200, CollectionPolicy.Mixed, seed: 1);
        var val = collector.Collect(20, CollectionPolicy.Mixed, seed: 2);
        var test = collector.Collect(40, CollectionPolicy.Mixed, seed: 3);
        EvaluationResult Run(bool recurrent)
        {
            var model = new PerspectiveWorldModel(new WorldModelConfig(env.ObservationSize, env.NumActions, 48, 3, env.NumBeliefs, 1, 4, Seed: 7, Recurrent: recurrent));
            var trainer = new WorldModelTrainer(model, new TrainerConfig
            {
                BatchSize = recurrent ? 8 : 32,
                LearningRate = 3e-3f,
                Patience = 5,
                Filtering = recurrent,
                PredictionHorizon = recurrent ? 16 : 1,
            });
            trainer.Fit(train, val, epochs: recurrent ? 40 : 12);
            return trainer.Evaluate(test);
        }
        var oneStep = Run(recurrent: false);
        var filtering = Run(recurrent: true);
        output.WriteLine($"one-step: {oneStep}");
        output.WriteLine($"filtering: {filtering}");
        Assert.True(filtering.FalseBeliefAccuracy > oneStep.FalseBeliefAccuracy + 0.1,
            $"false-belief accuracy: filtering {filtering.FalseBeliefAccuracy}, one-step {oneStep.FalseBeliefAccuracy}");
        Assert.True(filtering.BeliefAccuracy > filtering.MajorityBaselineAccuracy + 0.05,
            $"belief accuracy {filtering.BeliefAccuracy} vs majority {filtering.MajorityBaselineAccuracy}");
        Assert.True(filtering.StateMse < 0.5 * filtering.CopyBaselineMse, $"state mse {filtering.StateMse} vs copy {filtering.CopyBaselineMse}");
    }
}
