using Pwmk.Core.Planning;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Planning;

/// <summary>The PWMK-goal front door on a two-box world in the style of the Sally-Anne test.</summary>
public class EpistemicPlannerTests
{
    private static readonly Term InRed = Term.Parse("in(key, red_box)");
    private static readonly Term InBlue = Term.Parse("in(key, blue_box)");
    private static readonly Term Present = Term.Parse("present(agent_1)");
    private static readonly Term Always = Term.Parse("true");

    /// <summary>agent_0 can move the key; agent_1 sees it only while present in the room.</summary>
    private static EpistemicDomain BoxWorld(bool agent1SeesThroughWalls = false)
    {
        var seen = new Dictionary<string, Term> { ["agent_0"] = Always, ["agent_1"] = agent1SeesThroughWalls ? Always : Present };
        var both = new Dictionary<string, Term> { ["agent_0"] = Always, ["agent_1"] = Always };
        return new EpistemicDomain(
            ["agent_0", "agent_1"],
            [InRed, InBlue, Present],
            [
                new DomainAction("leave_1", Present, [], [Present], both),
                new DomainAction("return_1", Term.Parse("NOT present(agent_1)"), [Present], [], both),
                new DomainAction("move_red_to_blue", InRed, [InBlue], [InRed], seen),
                new DomainAction("move_blue_to_red", InBlue, [InRed], [InBlue], seen),
            ]);
    }

    private static readonly EpistemicWorldState Start = new([InRed, Present]);

    [Fact]
    public void DeceptionGoalMakesAgent1HoldAFalseBelief()
    {
        var planner = new EpistemicPlanner(BoxWorld(), searchDepth: 5);
        var goal = Goal.Parse("in(key, blue_box) AND present(agent_1)", ["believes(agent_1, in(key, red_box))"]);
        var plan = planner.Plan(Start, goal, TimeSpan.FromSeconds(10));
        Assert.True(plan.Solved);
        Assert.Equal(["leave_1", "move_red_to_blue", "return_1"], plan.Actions);
        Assert.Equal(4, plan.BeliefTrajectory.Count);
        var end = plan.BeliefTrajectory[^1].Single(b => b.Agent == "agent_1");
        Assert.Contains(InRed, end.BelievedTrue);   // the false belief
        Assert.Contains(InBlue, end.BelievedFalse);
        var witness = plan.BeliefTrajectory[^1].Single(b => b.Agent == "agent_0");
        Assert.Contains(InBlue, witness.BelievedTrue);
        Assert.Equal(0.25, plan.Quality);
    }

    [Fact]
    public void NegatedBeliefGoalWithSugar()
    {
        var planner = new EpistemicPlanner(BoxWorld(), searchDepth: 4);
        var goal = Goal.Parse("in(key, blue_box) AND NOT believes(agent_1, in(key, blue_box))");
        var plan = planner.Plan(Start, goal, TimeSpan.FromSeconds(10));
        Assert.Equal(["leave_1", "move_red_to_blue"], plan.Actions);
    }

    [Fact]
    public void ImpossibleWithinTheBoundIsReported()
    {
        var goal = Goal.Parse("in(key, blue_box) AND present(agent_1)", ["believes(agent_1, in(key, red_box))"]);
        var shallow = new EpistemicPlanner(BoxWorld(), searchDepth: 2).Plan(Start, goal, TimeSpan.FromSeconds(10));
        Assert.False(shallow.Solved);
        Assert.Equal("no plan within depth 2", shallow.Reason);
        Assert.Empty(shallow.Actions);
        // Keeping agent_1 in the room makes the deception impossible at any depth.
        var watched = Goal.Parse("in(key, blue_box)", ["believes(agent_1, in(key, red_box))"], ["present(agent_1)"]);
        var never = new EpistemicPlanner(BoxWorld(), searchDepth: 10).Plan(Start, watched, TimeSpan.FromSeconds(10));
        Assert.False(never.Solved);
        Assert.Equal("search space exhausted", never.Reason);
    }

    [Fact]
    public void EvaluatePlanAgainstOtherTrueDynamics()
    {
        var goal = Goal.Parse("in(key, blue_box)", ["believes(agent_1, in(key, red_box))"]);
        var plan = new EpistemicPlanner(BoxWorld(), searchDepth: 4).Plan(Start, goal, TimeSpan.FromSeconds(10));
        Assert.True(plan.Solved);
        var asPlanned = EpistemicPlanner.EvaluatePlan(plan, BoxWorld(), Start, goal);
        Assert.True(asPlanned.GoalAchieved);
        // If agent_1 could in truth see through the walls, the plan runs but the deception fails.
        var seen = EpistemicPlanner.EvaluatePlan(plan, BoxWorld(agent1SeesThroughWalls: true), Start, goal);
        Assert.True(seen.Executable);
        Assert.False(seen.GoalAchieved);
    }

    [Fact]
    public void UnknownFactsInGoalsAreClearErrors()
    {
        var planner = new EpistemicPlanner(BoxWorld(), searchDepth: 3);
        var e = Assert.Throws<ArgumentException>(() => planner.Plan(Start, Goal.Parse("has(agent_0, treasure)"), TimeSpan.FromSeconds(1)));
        Assert.Contains("unknown fact has(agent_0,treasure)", e.Message, StringComparison.Ordinal);
        var syntax = Assert.Throws<Pwmk.Logic.Parsing.SyntaxErrorException>(() => Goal.Parse("believes(agent_1, in(key red_box))"));
        Assert.Equal(1, syntax.Line);
        Assert.True(syntax.Column > 20);
    }

    [Fact]
    public void AgentWhoDoesNotKnowCanLearnBySensing()
    {
        var domain = BoxWorld() with
        {
            Actions = [.. BoxWorld().Actions, new DomainAction("look_1", Present, [], [], new Dictionary<string, Term> { ["agent_1"] = Always }, Senses: InRed)],
        };
        var start = new EpistemicWorldState([InRed, Present], new Dictionary<string, IReadOnlyList<Term>> { ["agent_1"] = [InRed, InBlue] });
        var plan = new EpistemicPlanner(domain, 3).Plan(start, Goal.Parse("believes(agent_1, in(key, red_box))"), TimeSpan.FromSeconds(10));
        Assert.Equal(["look_1"], plan.Actions);
    }
}

public class EpistemicPlannerBeliefStoreTests
{
    [Fact]
    public void FalseBeliefsReadFromAStoreShapeTheInitialState()
    {
        // agent_1 wrongly believes the key is in the red box (as a belief store would report it).
        var red = Term.Parse("in(key, red_box)");
        var blue = Term.Parse("in(key, blue_box)");
        var present = Term.Parse("present(agent_1)");
        var always = Term.Parse("true");
        var both = new Dictionary<string, Term> { ["agent_0"] = always, ["agent_1"] = always };
        var seen = new Dictionary<string, Term> { ["agent_0"] = always, ["agent_1"] = present };
        var domain = new EpistemicDomain(["agent_0", "agent_1"], [red, blue, present],
        [
            new DomainAction("enter_1", Term.Parse("NOT present(agent_1)"), [present], [], both),
            new DomainAction("move_blue_to_red", blue, [red], [blue], seen),
        ]);
        var start = new EpistemicWorldState([blue], Believed: new Dictionary<string, AgentBeliefs>
        {
            ["agent_1"] = new("agent_1", [red], [blue, present]),
        });
        var planner = new EpistemicPlanner(domain, searchDepth: 3);
        var now = planner.Plan(start, Goal.Parse("believes(agent_1, in(key, red_box)) AND believes(agent_0, believes(agent_1, in(key, red_box)))"), TimeSpan.FromSeconds(5));
        Assert.True(now.Solved);
        Assert.Empty(now.Actions);
        var initial = now.BeliefTrajectory[0].Single(b => b.Agent == "agent_1");
        Assert.Contains(red, initial.BelievedTrue);
        Assert.Contains(blue, initial.BelievedFalse);
        // Make the belief true: agent_1 then knows where the key is (either order of the two actions).
        var plan = planner.Plan(start, Goal.Parse("in(key, red_box) AND present(agent_1) AND knows(agent_1, in(key, red_box))"), TimeSpan.FromSeconds(5));
        Assert.Equal(["enter_1", "move_blue_to_red"], plan.Actions.Order(StringComparer.Ordinal));
        Assert.True(EpistemicPlanner.EvaluatePlan(plan, domain, start, Goal.Parse("knows(agent_1, in(key, red_box))")).GoalAchieved);
    }
}
