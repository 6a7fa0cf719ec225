using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;

namespace Pwmk.Core.Tests.Environments;

public class HideAndSeekTests
{
    [Fact]
    public void Deterministic_partially_observable_and_rewarded_by_sight()
    {
        string Play(int seed, bool check)
        {
            var env = new HideAndSeek(12, 2, 2, 30);
            var r = env.Reset(seed);
            var rng = new Random(seed);
            var log = new System.Text.StringBuilder();
            var space = (BoxSpace)env.ObservationSpace("seeker_0");
            while (!r.Done)
            {
                r = env.Step([rng.Next(5), rng.Next(5), rng.Next(5), rng.Next(5)]);
                log.Append(env.Render()).Append(string.Join(",", r.Rewards.Values));
                if (!check) continue;
                bool seen = false;
                for (int s = 2; s < 4; s++)
                    for (int h = 0; h < 2; h++)
                    {
                        int c = env.AgentCell(h);
                        seen |= env.CanSee(s, c % 12, c / 12);
                    }
                Assert.Equal(seen ? 1f : -1f, r.Rewards["seeker_1"]);
                Assert.Equal(seen ? -1f : 1f, r.Rewards["hider_0"]);
                for (int a = 0; a < 4; a++)
                {
                    var v = r.Observations[a].Vector;
                    Assert.True(space.Contains(v));
                    for (int c = 0; c < 144; c++)
                        if (!env.CanSee(a, c % 12, c / 12))
                            for (int ch = 0; ch < HideAndSeek.Channels; ch++) Assert.Equal(0f, v[c * HideAndSeek.Channels + ch]);
                }
            }
            Assert.Equal(30, r.StepCount);
            Assert.True(r.Truncations["hider_1"]);
            if (check)
            {
                var truth = env.GetBeliefGroundTruth();
                foreach (var chain in BeliefChain.Enumerate(4, 2))
                    for (int f = 0; f < env.Vocabulary.FluentCount; f++)
                        Assert.Equal(truth.Belief(chain, f), env.Tracker!.Belief(chain, f));
            }
            return log.ToString();
        }
        Assert.Equal(Play(4, true), Play(4, false));
        Assert.NotEqual(Play(4, false), Play(5, false));
    }

    [Fact]
    public void Walls_block_the_line_of_sight()
    {
        var env = new HideAndSeek(12, 1, 1, 10);
        int blocked = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            env.Reset(seed);
            var view = env.Render("seeker_0");
            blocked += view.Count(ch => ch == '?');
            Assert.DoesNotContain('?', env.Render());
        }
        Assert.True(blocked > 0);
    }
}
