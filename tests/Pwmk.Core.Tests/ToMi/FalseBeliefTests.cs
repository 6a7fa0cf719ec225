using Pwmk.Core.Environments;

namespace Pwmk.Core.Tests.ToMi;

/// <summary>Classic false-belief tests acted out in a RoomsWorld.</summary>
public class FalseBeliefTests
{
    private static RoomsWorld World(int depth, string[] agents, params (string Container, string Room)[] containers)
    {
        var layout = new RoomsLayout();
        foreach (var (c, r) in containers) layout.AddContainer(c, r);
        layout.AddObject("marble").AddObject("van");
        var w = new RoomsWorld(agents, layout, depth) { StrictActions = true };
        w.Reset(0);
        return w;
    }

    private static string? Believes(RoomsWorld w, string obj, params string[] chain)
    {
        int v = w.Tracker!.Belief([.. chain.Select(w.AgentId)], w.AtFluent(obj));
        var fromHistory = w.GetBeliefGroundTruth().Belief(chain, w.AtFluent(obj));
        string? tracked = v < 0 ? null : w.Vocabulary.ValueTerm(v).ToString();
        Assert.Equal(fromHistory, tracked);
        return tracked;
    }

    [Fact]
    public void Sally_Anne()
    {
        var w = World(2, ["sally", "anne"], ("basket", "room"), ("box", "room"));
        w.Act("sally", RoomsAction.Enter("room"));
        w.Act("anne", RoomsAction.Enter("room"));
        w.Act("sally", RoomsAction.Move("marble", "basket"));
        w.Act("sally", RoomsAction.Exit);
        w.Act("anne", RoomsAction.Move("marble", "box"));
        Assert.Equal("basket", Believes(w, "marble", "sally"));
        Assert.Equal("box", Believes(w, "marble", "anne"));
        Assert.Equal("basket", Believes(w, "marble", "anne", "sally"));
        Assert.Equal("box", w.ContainerOf("marble"));
        // Sally comes back: entering shows her the box, and Anne sees her come in
        w.Act("sally", RoomsAction.Enter("room"));
        Assert.Equal("box", Believes(w, "marble", "sally"));
        Assert.Equal("box", Believes(w, "marble", "anne", "sally"));
    }

    [Fact]
    public void Second_order_ice_cream_van()
    {
        // The van is in the park; Mary and John both know. Mary goes home. The man tells John (alone)
        // he moves to the church; later he tells Mary on her way. John does not know Mary was told.
        var w = World(2, ["mary", "john", "vendor"], ("park", "town"), ("church", "town"), ("bench", "home"));
        w.Act("mary", RoomsAction.Enter("town"));
        w.Act("john", RoomsAction.Enter("town"));
        w.Act("vendor", RoomsAction.Enter("town"));
        w.Place("van", "park");
        w.Act("mary", RoomsAction.Enter("home"));
        w.Act("vendor", RoomsAction.Move("van", "church"));
        w.Act("john", RoomsAction.Exit);
        w.Act("vendor", RoomsAction.Exit);
        w.Act("vendor", RoomsAction.Enter("home"));
        w.Act("vendor", RoomsAction.Tell("mary", "van", "church"));
        Assert.Equal("church", Believes(w, "van", "mary"));
        Assert.Equal("church", Believes(w, "van", "john"));
        Assert.Equal("park", Believes(w, "van", "john", "mary")); // John: "Mary thinks it is in the park"
        Assert.Equal("church", Believes(w, "van", "vendor", "mary"));
    }

    [Fact]
    public void Depth_three_chain()
    {
        var w = World(3, ["a", "b", "c"], ("basket", "r"), ("box", "r"));
        foreach (var x in new[] { "a", "b", "c" }) w.Act(x, RoomsAction.Enter("r"));
        w.Place("marble", "basket");
        w.Act("c", RoomsAction.Exit);
        w.Act("a", RoomsAction.Move("marble", "box"));
        w.Act("b", RoomsAction.Exit);
        w.Act("c", RoomsAction.Enter("r")); // c sees the box; a sees c see it; b saw neither
        Assert.Equal("box", Believes(w, "marble", "a", "c"));
        Assert.Equal("box", Believes(w, "marble", "a", "b"));
        Assert.Equal("basket", Believes(w, "marble", "b", "c"));
        Assert.Equal("basket", Believes(w, "marble", "a", "b", "c")); // a knows b did not see c learn it
        Assert.Equal("box", Believes(w, "marble", "b", "a"));
        Assert.Equal("basket", Believes(w, "marble", "c", "b", "a")); // c never saw b see the move
    }

    [Fact]
    public void Depth_four_chain_and_peeking()
    {
        var agents = new[] { "a", "b", "c", "d" };
        var w = World(4, agents, ("basket", "r"), ("box", "r"));
        foreach (var x in agents) w.Act(x, RoomsAction.Enter("r"));
        w.Place("marble", "basket");
        w.Act("d", RoomsAction.Exit);
        w.Act("a", RoomsAction.Move("marble", "box"));
        Assert.Equal("box", Believes(w, "marble", "a", "b", "c"));
        Assert.Equal("basket", Believes(w, "marble", "a", "b", "c", "d"));
        Assert.Equal("basket", Believes(w, "marble", "d", "c", "b", "a"));
        // a peek informs only the peeker
        w.Act("d", RoomsAction.Enter("r"));
        w.Act("a", RoomsAction.Exit);
        w.Act("c", RoomsAction.Move("marble", "basket"));
        w.Act("a", RoomsAction.Enter("r"));
        w.Act("b", RoomsAction.Move("marble", "box"));
        w.Act("b", RoomsAction.Exit);
        w.Act("c", RoomsAction.Exit);
        w.Act("d", RoomsAction.Exit);
        w.Act("a", RoomsAction.Peek("box"));
        Assert.Equal("box", Believes(w, "marble", "a"));
        Assert.Equal("box", Believes(w, "marble", "d", "c", "b", "a"));
    }

    [Fact]
    public void Told_false_location_is_believed_by_hearers_only()
    {
        var w = World(2, ["a", "b", "c"], ("basket", "r"), ("box", "r"), ("bench", "s"));
        w.Act("a", RoomsAction.Enter("r"));
        w.Place("marble", "basket");
        w.Act("a", RoomsAction.Enter("s"));
        w.Act("b", RoomsAction.Enter("s"));
        w.Act("a", RoomsAction.Tell("b", "marble", "box"));
        Assert.Equal("box", Believes(w, "marble", "b"));
        Assert.Equal("box", Believes(w, "marble", "a", "b"));
        Assert.Null(Believes(w, "marble", "c"));
        Assert.Equal("basket", w.ContainerOf("marble"));
    }

    [Fact]
    public void Impossible_actions_are_errors_when_strict_and_no_ops_otherwise()
    {
        var w = World(2, ["a", "b"], ("basket", "r"), ("box", "s"));
        w.Place("marble", "basket");
        var ex = Assert.Throws<InvalidOperationException>(() => w.Act("a", RoomsAction.Move("marble", "box")));
        Assert.Contains("not in any room", ex.Message);
        w.StrictActions = false;
        w.Act("a", RoomsAction.Move("marble", "box"));
        Assert.Equal("basket", w.ContainerOf("marble"));
    }
}
