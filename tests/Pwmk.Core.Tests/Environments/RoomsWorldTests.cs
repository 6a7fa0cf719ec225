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
}
