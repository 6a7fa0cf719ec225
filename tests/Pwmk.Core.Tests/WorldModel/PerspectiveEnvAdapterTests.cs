using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Tests.WorldModel;

public class PerspectiveEnvAdapterTests
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
    public void BoxWorldAdapterDrawsWhatAnAgentSeesOnTheGridAndHasOwnAndSecondOrderBeliefs()
    {
        var env = PerspectiveEnvAdapter.BoxWorld(agents: 3, gridSize: 8, boxes: 2, viewRadius: 2, maxSteps: 10);
        int channels = 6 + 2 + 3, groups = env.NumBeliefs / env.BeliefGroupSize;
        Assert.Equal(8 * 8 * channels, env.ViewSize); // the grid, one labelled cell of channels each
        Assert.Equal(env.ViewSize + env.NumBeliefs, env.ObservationSize); // then the evidence, laid out like the beliefs
        Assert.Equal(6, env.NumActions);
        Assert.Equal(3 * 9, groups); // own beliefs, then one chain per other agent, each over 9 fluents
        Assert.Equal([.. Enumerable.Repeat(1, 9), .. Enumerable.Repeat(2, 18)], env.BeliefGroupOrders);
        var data = new DataCollector(env).Collect(4, CollectionPolicy.Mixed, seed: 1);
        var again = new DataCollector(env).Collect(4, CollectionPolicy.Mixed, seed: 1);
        Assert.Equal(data.Observations, again.Observations);
        Assert.Equal(data.Beliefs, again.Beliefs);
        Assert.Equal(env.BeliefGroupOrders, data.BeliefGroupOrders);
        var first = data.Belief(0, 0);
        var obs = data.Observation(0, 0);
        for (int a = 0; a < 3; a++)
        {
            // every agent sees itself from the start: its own position is a belief (pos(agent_a) is fluent a), and its
            // own cell of the grid holds its agent channel
            int believed = ArgMax(first.Slice(a * env.NumBeliefs + a * env.BeliefGroupSize, env.BeliefGroupSize));
            Assert.NotEqual(0, believed);
            int cell = believed - 1; // value ids 0..63 are the cells y * 8 + x
            Assert.Equal(1f, obs[a * env.ObservationSize + cell * channels + 6 + 2 + a]);
        }
    }

    [Theory]
    [InlineData("box-world")]
    [InlineData("rooms")]
    public void TheEvidenceInEachObservationReplaysIntoTheBeliefTargets(string name)
    {
        // What an agent witnessed at each step, laid out like its beliefs: keeping each group's last evidence gives, at
        // every step, exactly what every chain believes (own beliefs and beliefs about the others' beliefs).
        var env = name == "rooms" ? PerspectiveEnvAdapter.Rooms(agents: 3, maxSteps: 20) : PerspectiveEnvAdapter.BoxWorld(agents: 3, maxSteps: 20);
        var data = new DataCollector(env).Collect(12, CollectionPolicy.Mixed, seed: 7);
        int g = env.BeliefGroupSize, groups = env.NumBeliefs / g, view = env.ObservationSize - env.NumBeliefs, checkedGroups = 0, seen = 0;
        for (int e = 0; e < data.Episodes; e++)
        {
            for (int a = 0; a < 3; a++)
            {
                var replay = new int[groups];
                for (int t = 0; t <= data.Lengths[e]; t++)
                {
                    var evidence = data.Observation(e, t).Slice(a * env.ObservationSize + view, env.NumBeliefs);
                    var beliefs = data.Belief(e, t).Slice(a * env.NumBeliefs, env.NumBeliefs);
                    for (int q = 0; q < groups; q++)
                    {
                        var group = evidence.Slice(q * g, g);
                        if (group.IndexOf(1f) >= 0)
                        {
                            replay[q] = ArgMax(group);
                            seen++;
                        }
                        Assert.Equal(ArgMax(beliefs.Slice(q * g, g)), replay[q]);
                        checkedGroups++;
                    }
                }
            }
        }
        Assert.True(seen > checkedGroups / 20, $"only {seen} of {checkedGroups} groups ever held evidence");
    }
}
