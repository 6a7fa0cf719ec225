using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;

namespace Pwmk.Core.Tests.Environments;

public class MultiAgentBoxWorldTests
{
    private static List<string> Run(int seed, int steps, MultiAgentBoxWorld env)
    {
        var frames = new List<string>();
        env.Reset(seed);
        var rng = new Random(seed + 1);
        var actions = new int[env.Agents.Count];
        for (int i = 0; i < steps; i++)
        {
            for (int a = 0; a < actions.Length; a++) actions[a] = rng.Next(6);
            var r = env.Step(actions);
            frames.Add(env.Render() + string.Join(",", r.Rewards.Values));
            if (r.Done) break;
        }
        return frames;
    }

    [Fact]
    public void Same_seed_same_episode_different_seed_different_world()
    {
        var a = Run(3, 50, new MultiAgentBoxWorld(10, 4, 3, 2));
        var b = Run(3, 50, new MultiAgentBoxWorld(10, 4, 3, 2));
        var c = Run(4, 50, new MultiAgentBoxWorld(10, 4, 3, 2));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Observations_stay_in_their_space_and_bad_actions_are_rejected()
    {
        var env = new MultiAgentBoxWorld(10, 3, 2, 2);
        var r = env.Reset(1);
        var space = Assert.IsType<BoxSpace>(env.ObservationSpace("agent_0"));
        Assert.Equal([5 * 5 * MultiAgentBoxWorld.Channels + 2 * 10], space.Shape);
        var rng = new Random(2);
        for (int i = 0; i < 40; i++)
        {
            foreach (var o in r.Observations.Values) Assert.True(space.Contains(o.Vector));
            r = env.Step(new Dictionary<string, int> { ["agent_0"] = rng.Next(6), ["agent_2"] = rng.Next(6) });
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(new Dictionary<string, int> { ["agent_1"] = 6 }));
        Assert.Throws<ArgumentException>(() => env.Step(new Dictionary<string, int> { ["nobody"] = 0 }));
    }

    [Fact]
    public void Agent_never_observes_what_it_cannot_see()
    {
        var env = new MultiAgentBoxWorld(10, 4, 3, 2);
        var r = env.Reset(11);
        var rng = new Random(5);
        int hiddenSeen = 0;
        for (int step = 0; step < 60 && !r.Done; step++)
        {
            for (int a = 0; a < 4; a++)
            {
                var o = r.Observations[a];
                int cell = env.AgentCell(a), cx = cell % 10, cy = cell / 10;
                for (int wy = 0; wy < 5; wy++)
                    for (int wx = 0; wx < 5; wx++)
                    {
                        int x = cx + wx - 2, y = cy + wy - 2, off = (wy * 5 + wx) * MultiAgentBoxWorld.Channels;
                        bool visible = x >= 0 && y >= 0 && x < 10 && y < 10 && env.CanSee(a, x, y);
                        if (!visible)
                        {
                            hiddenSeen++;
                            for (int ch = 0; ch < MultiAgentBoxWorld.Channels; ch++) Assert.Equal(0f, o.Vector[off + ch]);
                        }
                        else Assert.Equal(1f, o.Vector[off]);
                    }
                // then the agent's own cell: one-hot x, one-hot y, nothing else
                int tail = 5 * 5 * MultiAgentBoxWorld.Channels;
                Assert.Equal(tail + 20, o.Vector.Length);
                for (int i = 0; i < 10; i++)
                {
                    Assert.Equal(i == cx ? 1f : 0f, o.Vector[tail + i]);
                    Assert.Equal(i == cy ? 1f : 0f, o.Vector[tail + 10 + i]);
                }
                foreach (var e in o.Events) Assert.NotEqual(0UL, e.Witnesses & (1UL << a));
                var view = env.Render("agent_" + a).Split('\n');
                for (int y = 0; y < 10; y++)
                    for (int x = 0; x < 10; x++)
                        Assert.Equal(!env.CanSee(a, x, y), view[y][x] == '?');
            }
            r = env.Step([rng.Next(6), rng.Next(6), rng.Next(6), rng.Next(6)]);
        }
        Assert.True(hiddenSeen > 0);
    }

    [Fact]
    public void Labelled_view_is_the_observation_with_boxes_and_agents_told_apart()
    {
        var env = new MultiAgentBoxWorld(8, 3, 2, 2);
        var r = env.Reset(4);
        var rng = new Random(9);
        int ch = env.LabelledChannels, labelsSeen = 0;
        var view = new float[env.LabelledViewSize];
        Assert.Equal(5 * 5 * (6 + 2 + 3) + 16, view.Length);
        for (int step = 0; step < 40 && !r.Done; step++)
        {
            var world = env.SaveWorld(); // agent cells, box cells, ...
            for (int a = 0; a < 3; a++)
            {
                var o = r.Observations[a].Vector;
                env.FillLabelledView(a, view);
                int cx = env.AgentCell(a) % 8, cy = env.AgentCell(a) / 8;
                for (int w = 0; w < 25; w++)
                {
                    int x = cx + w % 5 - 2, y = cy + w / 5 - 2, c = y * 8 + x;
                    var v = view.AsSpan(w * ch, ch);
                    var ob = o.AsSpan(w * MultiAgentBoxWorld.Channels, MultiAgentBoxWorld.Channels);
                    // visible, wall, closed door, open door, key, treasure: as in the observation
                    Assert.Equal(new[] { ob[0], ob[1], ob[2], ob[3], ob[5], ob[6] }, v[..6].ToArray());
                    Assert.Equal(ob[4], v[6] + v[7]); // box 0 or box 1
                    Assert.Equal(ob[7], v[8] + v[9] + v[10]); // agent 0, 1 or 2
                    for (int b = 0; b < 2; b++)
                    {
                        Assert.Equal(ob[0] == 1 && world[3 + b] == c ? 1f : 0f, v[6 + b]);
                    }
                    for (int j = 0; j < 3; j++)
                    {
                        Assert.Equal(ob[0] == 1 && world[j] == c ? 1f : 0f, v[8 + j]);
                        labelsSeen += j != a && v[8 + j] == 1 ? 1 : 0;
                    }
                }
                Assert.Equal(o.AsSpan(25 * MultiAgentBoxWorld.Channels).ToArray(), view.AsSpan(25 * ch).ToArray());
            }
            r = env.Step([rng.Next(6), rng.Next(6), rng.Next(6)]);
        }
        Assert.True(labelsSeen > 0, "agents should see each other in 40 steps");
    }

    [Fact]
    public void Walls_block_sight_and_ground_truth_matches_tracker()
    {
        var env = new MultiAgentBoxWorld(10, 4, 3, 9, beliefDepth: 2);
        env.Reset(2);
        // the inner wall at column 5 with a closed door hides the right half from agents on the left
        for (int a = 0; a < 4; a++)
            if (env.AgentCell(a) % 10 < 5) Assert.False(env.CanSee(a, 7, 5));
        var rng = new Random(9);
        for (int i = 0; i < 30; i++) env.Step([rng.Next(6), rng.Next(6), rng.Next(6), rng.Next(6)]);
        var truth = env.GetBeliefGroundTruth();
        var tracker = env.Tracker!;
        foreach (var chain in BeliefChain.Enumerate(4, 2))
            for (int f = 0; f < env.Vocabulary.FluentCount; f++)
                Assert.Equal(truth.Belief(chain, f), tracker.Belief(chain, f));
        Assert.Contains(tracker.Beliefs(), b => b.Chain.Length == 2);
    }

    [Theory]
    [InlineData(6, 2, 1)]
    [InlineData(7, 3, 2)]
    [InlineData(64, 8, 10)]
    public void Every_accepted_size_resets_and_steps(int size, int agents, int boxes)
    {
        var env = new MultiAgentBoxWorld(size, agents, boxes, 2);
        for (int seed = 0; seed < 10; seed++)
        {
            env.Reset(seed);
            var map = env.Render();
            Assert.Equal(size * (size + 1), map.Length);
            Assert.Single(map, 'T');
            Assert.Single(map, 'D');
            env.Step(new int[agents]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiAgentBoxWorld(5, 1, 0, 1));
    }
}
