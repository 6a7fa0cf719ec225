using Pwmk.Core.WorldModel;
using Pwmk.Tensors;

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
        Assert.Equal(data.Observations.ToDense(), again.Observations.ToDense());
        Assert.Equal(data.Beliefs.ToDense(), again.Beliefs.ToDense());
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

    [Fact]
    public void ABoxWorldSymmetryRelabelsViewsBeliefsTruthAndActionsTogether()
    {
        // A relabelled episode must be one the world could have produced: each agent's own label stands in its view at
        // the cell it believes it occupies, so do the boxes it sees, its moves go the way its (maybe swapped) action
        // says, the evidence still replays into its beliefs, and the truth of its position is what it believes.
        var env = PerspectiveEnvAdapter.BoxWorld(agents: 3, gridSize: 8, boxes: 2, viewRadius: 2, maxSteps: 20);
        var data = new DataCollector(env).Collect(6, CollectionPolicy.Mixed, seed: 5);
        int n = 3, o = env.ObservationSize, nb = env.NumBeliefs, g = env.BeliefGroupSize, channels = 11, groups = nb / g;
        var rng = new SeededRandom(9);
        int moves = 0, boxesSeen = 0, relabelled = 0;
        for (int trial = 0; trial < 8; trial++)
        {
            var symmetry = env.RandomSymmetry(rng)!;
            for (int e = 0; e < data.Episodes; e++)
            {
                var obs = new float[n * o];
                var beliefs = new float[n * nb];
                var truth = new float[nb];
                var actions = new int[n];
                var before = new int[n];
                var replay = new int[n, groups];
                for (int t = 0; t <= data.Lengths[e]; t++)
                {
                    symmetry.Observations(data.Observation(e, t), obs);
                    symmetry.Beliefs(data.Belief(e, t), beliefs);
                    symmetry.Truth(data.Truth(e, t), truth);
                    relabelled += obs.AsSpan().SequenceEqual(data.Observation(e, t)) ? 0 : 1;
                    for (int a = 0; a < n; a++)
                    {
                        int own = ArgMax(beliefs.AsSpan(a * nb + a * g, g)) - 1; // pos(agent_a): a cell id y * 8 + x
                        Assert.Equal(1f, obs[a * o + own * channels + 6 + 2 + a]);
                        Assert.Equal(own + 1, ArgMax(truth.AsSpan(a * g, g)));
                        for (int b = 0; b < 2; b++)
                        {
                            for (int cell = 0; cell < 64; cell++)
                            {
                                if (obs[a * o + cell * channels + 6 + b] == 1f)
                                {
                                    Assert.Equal(cell + 1, ArgMax(beliefs.AsSpan(a * nb + (n + b) * g, g))); // pos(box_b) is fluent n + b
                                    boxesSeen++;
                                }
                            }
                        }
                        for (int q = 0; q < groups; q++)
                        {
                            var evidence = obs.AsSpan(a * o + env.ViewSize + q * g, g);
                            if (evidence.IndexOf(1f) >= 0)
                            {
                                replay[a, q] = ArgMax(evidence);
                            }
                            Assert.Equal(ArgMax(beliefs.AsSpan(a * nb + q * g, g)), replay[a, q]);
                        }
                        if (t > 0 && own != before[a])
                        {
                            // 1 up, 2 down, 3 left, 4 right
                            int dx = own % 8 - before[a] % 8, dy = own / 8 - before[a] / 8;
                            Assert.Equal(actions[a] switch { 1 => (0, -1), 2 => (0, 1), 3 => (-1, 0), 4 => (1, 0), _ => (99, 99) }, (dx, dy));
                            moves++;
                        }
                        before[a] = own;
                    }
                    if (t < data.Lengths[e])
                    {
                        symmetry.Actions(data.Action(e, t), actions);
                    }
                }
            }
        }
        Assert.True(moves > 200 && boxesSeen > 50 && relabelled > 100, $"{moves} moves, {boxesSeen} boxes seen, {relabelled} relabelled steps");
    }
}
