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
        Assert.Equal([5, 5, MultiAgentBoxWorld.Channels], space.Shape);
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
