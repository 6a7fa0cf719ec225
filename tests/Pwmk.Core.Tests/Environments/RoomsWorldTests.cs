using Pwmk.Core.Environments;

namespace Pwmk.Core.Tests.Environments;

public class RoomsWorldTests
{
    [Fact]
    public void Observation_shows_only_the_agents_own_room()
    {
        var layout = new RoomsLayout().AddContainer("basket", "kitchen").AddContainer("chest", "attic").AddObject("apple", "basket").AddObject("pear", "chest");
        var env = new RoomsWorld(["a", "b"], layout, beliefDepth: 2);
        var r = env.Reset(0);
        Assert.Equal(2 + 1 + 2 + 4, ((BoxSpace)env.ObservationSpace("a")).Size);
        Assert.Equal([0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f, 0f], r.Observations["a"].Vector); // outside, sees nothing
        r = env.Act("a", RoomsAction.Enter("kitchen"));
        // room one-hot (kitchen), agents present (a), apple in basket (object 0, container 0); nothing of the attic
        Assert.Equal([1f, 0f, 0f, 1f, 0f, 1f, 0f, 0f, 0f], r.Observations["a"].Vector);
        Assert.Equal("kitchen: agents [a] basket {apple}\nattic: ?\n", env.Render("a"));
        Assert.Equal("basket", env.Tracker!.Belief([0], env.AtFluent("apple")) is int v and >= 0 ? env.Vocabulary.ValueTerm(v).ToString() : null);
        Assert.Equal(-1, env.Tracker.Belief([0], env.AtFluent("pear")));
        var space = env.ActionSpace("a");
        Assert.Equal(env.ActionTable.Count, space.N);
        Assert.Equal(RoomsAction.Peek("chest"), env.ActionTable[env.ActionIndex(RoomsAction.Peek("chest"))]);
    }

    [Fact]
    public void Random_episodes_keep_tracker_and_ground_truth_in_agreement_at_depth_four()
    {
        var layout = new RoomsLayout().AddContainer("basket", "kitchen").AddContainer("box", "kitchen").AddContainer("chest", "attic")
            .AddObject("apple", "basket").AddObject("pear", "chest");
        string[] agents = ["a", "b", "c", "d", "e"];
        var env = new RoomsWorld(agents, layout, beliefDepth: 4);
        var r = env.Reset(3);
        var rng = new Random(3);
        var space = env.ActionSpace("a");
        string Run()
        {
            var log = new System.Text.StringBuilder();
            for (int i = 0; i < 200; i++)
            {
                var joint = new int[agents.Length];
                joint[rng.Next(agents.Length)] = space.Sample(rng);
                r = env.Step(joint);
                log.Append(env.Render());
                foreach (var o in r.Observations.Values) Assert.True(((BoxSpace)env.ObservationSpace(o.Agent)).Contains(o.Vector));
            }
            return log.ToString();
        }
        Run();
        var truth = env.GetBeliefGroundTruth();
        int falseBeliefs = 0;
        foreach (var chain in Pwmk.Core.Perspective.BeliefChain.Enumerate(agents.Length, 4))
            foreach (var obj in layout.Objects)
            {
                int f = env.AtFluent(obj);
                int believed = env.Tracker!.Belief(chain, f);
                Assert.Equal(truth.Belief(chain, f), believed);
                if (believed >= 0 && env.Vocabulary.ValueTerm(believed).ToString() != env.ContainerOf(obj)) falseBeliefs++;
            }
        Assert.True(falseBeliefs > 0);
    }
}
