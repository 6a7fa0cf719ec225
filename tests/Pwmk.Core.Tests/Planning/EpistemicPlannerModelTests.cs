using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;
using Pwmk.Core.Planning;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Planning;

/// <summary>
/// The specification's API, <c>EpistemicPlanner(model, beliefStore, searchDepth)</c> and
/// <c>Plan(initialState, goal, timeout)</c>, on the built-in environments, with goals naming predicates the
/// belief store derives. Every plan is executed in the real environment and checked against its ground truth.
/// </summary>
public class EpistemicPlannerModelTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static RoomsWorld Kitchen()
    {
        var layout = new RoomsLayout().AddContainer("red_box", "kitchen").AddContainer("blue_box", "kitchen").AddRoom("hall").AddObject("key", "red_box");
        var env = new RoomsWorld(["agent_0", "agent_1", "agent_2"], layout, beliefDepth: 3);
        env.Reset(0);
        foreach (var a in env.Agents) env.Act(a, RoomsAction.Enter("kitchen"));
        return env;
    }

    /// <summary>Rules: an agent is misled about an object when it believes the object is still where it started, and it is not.</summary>
    private static BeliefStore Rules()
    {
        var store = new BeliefStore();
        store.Consult("""
            start_place(key, red_box).
            misled(A, O) :- start_place(O, C), believes(A, at(O, C)), \+ at(O, C).
            has(A, O) :- pos(O, A).
            slipped_away(H, S, C) :- \+ pos(H, C), believes(S, pos(H, C)).
            """);
        return store;
    }

    [Fact]
    public void RoomsDeceptionAgent1FalselyBelievesTheKeyIsStillInTheRedBox()
    {
        var env = Kitchen();
        env.Trust = ITrustPolicy.Nobody; // a lie would do as well (RoomsWorldCommunicationTests): here only what agent_1 does not see can mislead it
        var planner = new EpistemicPlanner(env, Rules(), searchDepth: 4);
        var goal = Goal.Parse("misled(agent_1, key) AND believes(agent_0, at(key, blue_box))",
            ["believes(agent_0, believes(agent_1, at(key, red_box)))"]);
        var plan = planner.Plan(null, goal, Timeout);

        Assert.True(plan.Solved, plan.Reason);
        Assert.Equal(["agent_1: enter(hall)", "agent_0: move(key, blue_box)"], plan.Actions);
        Assert.Equal(3, plan.BeliefTrajectory.Count);
        Assert.Contains(Term.Parse("at(key, red_box)"), plan.BeliefTrajectory[^1].Single(b => b.Agent == "agent_1").BelievedTrue);
        Assert.True(plan.Expanded > 0);
        Assert.Equal(1.0 / 3, plan.Quality, 6);
        Assert.True(planner.EvaluatePlan(plan, env).GoalAchieved);

        foreach (var s in plan.Steps!) env.Act(s.Agent, env.ActionTable[s.Action]);
        var truth = env.GetBeliefGroundTruth();
        int key = env.AtFluent("key");
        Assert.Equal("blue_box", env.ContainerOf("key"));
        Assert.Equal("red_box", truth.Belief(["agent_1"], key));
        Assert.Equal("red_box", truth.Belief(["agent_0", "agent_1"], key));
    }

    [Fact]
    public void RoomsImpossibleGoalIsUnsolvedWithinItsBound()
    {
        var env = Kitchen();
        var planner = new EpistemicPlanner(env, Rules(), searchDepth: 3);
        // The deception takes two steps: not within one.
        var shallow = new EpistemicPlanner(env, Rules(), searchDepth: 1).Plan(Goal.Parse("misled(agent_1, key)"), Timeout);
        Assert.False(shallow.Solved);
        Assert.Equal("no plan within depth 1", shallow.Reason);
        Assert.Empty(shallow.Actions);
        Assert.Equal(0, shallow.Quality);

        // misled/2 needs the key out of the red box: with the key kept there, no plan at any depth.
        var contradiction = Goal.Parse("misled(agent_1, key)", maintenance: ["at(key, red_box)"]);
        var plan = planner.Plan(contradiction, Timeout);
        Assert.False(plan.Solved, string.Join(" / ", plan.Actions));
        Assert.Equal("no plan within depth 3", plan.Reason);
        Assert.True(plan.Expanded > 1);
        Assert.True(plan.Elapsed < Timeout);

        var limited = planner.Plan(contradiction, Timeout, maxNodes: 5);
        Assert.Equal("node limit", limited.Reason);
    }

    [Fact]
    public void BoxWorldSecretPickupThroughADerivedPredicate()
    {
        var goal = Goal.Parse("has(agent_0, key) AND NOT believes(agent_1, pos(key, agent_0))");
        int solved = 0;
        for (int seed = 0; seed < 6 && solved < 2; seed++)
        {
            var env = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 1, viewRadius: 2);
            env.Reset(seed);
            var planner = new EpistemicPlanner(env, Rules(), searchDepth: 10, actingAgents: ["agent_0"]);
            var plan = planner.Plan(goal, Timeout);
            if (!plan.Solved) continue;
            solved++;
            Assert.All(plan.Steps!, s => Assert.Equal("agent_0", s.Agent));
            Assert.Equal(plan.Actions.Count + 1, plan.BeliefTrajectory.Count);
            Assert.True(planner.EvaluatePlan(plan, env).GoalAchieved);
            plan.ExecuteIn(env);
            int key = env.Vocabulary.FindFluent("pos", new Atom("key"));
            Assert.Equal(env.Vocabulary.Value("agent_0"), env.TrueValue(key));
            Assert.NotEqual("agent_0", env.GetBeliefGroundTruth().Belief(["agent_1"], key));
        }
        Assert.True(solved >= 2, $"only {solved} worlds had a secret pickup");
    }

    [Fact]
    public void BoxWorldImpossibleGoalEndsAtTheDepthBound()
    {
        var env = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 1, viewRadius: 2);
        env.Reset(1);
        var plan = new EpistemicPlanner(env, Rules(), searchDepth: 3).Plan(Goal.Parse("has(agent_0, key) AND has(agent_1, key)"), Timeout);
        Assert.False(plan.Solved);
        Assert.Equal("no plan within depth 3", plan.Reason);
        Assert.True(plan.Expanded > 1);
    }

    [Fact]
    public void HideAndSeekHiderSlipsAwayThroughADerivedPredicate()
    {
        int sneaked = 0;
        for (int seed = 0; seed < 40 && sneaked < 1; seed++)
        {
            var env = new HideAndSeek(arenaSize: 12, numHiders: 1, numSeekers: 1);
            env.Reset(seed);
            int hider = env.AgentCell(0);
            string cell = $"cell({hider % 12}, {hider / 12})";
            int pos = env.Vocabulary.FindFluent("pos", new Atom("hider_0"));
            if (env.GetBeliefGroundTruth().Belief(["hider_0", "seeker_0"], pos) is null) continue;
            var planner = new EpistemicPlanner(env, Rules(), searchDepth: 6, SearchStrategy.IterativeDeepening, ["hider_0"]);
            var plan = planner.Plan(Goal.Parse($"slipped_away(hider_0, seeker_0, {cell})"), Timeout);
            if (!plan.Solved) continue;
            sneaked++;
            Assert.True(planner.EvaluatePlan(plan, env).GoalAchieved);
            plan.ExecuteIn(env);
            Assert.NotEqual(hider, env.AgentCell(0));
            Assert.Equal(cell.Replace(" ", "", StringComparison.Ordinal), env.GetBeliefGroundTruth().Belief(["seeker_0"], pos));
        }
        Assert.Equal(1, sneaked);
    }

    [Fact]
    public void BadUsesAreClearErrors()
    {
        var env = Kitchen();
        var planner = new EpistemicPlanner(env, Rules(), 3);
        Assert.Throws<ArgumentException>(() => planner.Plan(new EpistemicWorldState([]), Goal.Parse("at(key, red_box)"), Timeout));
        var typo = Assert.Throws<ArgumentException>(() => planner.Plan(Goal.Parse("misleed(agent_1, key)"), Timeout));
        Assert.Contains("misleed(agent_1,key)", typo.Message.Replace(" ", "", StringComparison.Ordinal));
        var store = new BeliefStore();
        store.Consult("loop(X) :- loop(X), at(key, X).");
        var e = Assert.Throws<ArgumentException>(() => new EpistemicPlanner(env, store, 3).Plan(Goal.Parse("loop(red_box)"), Timeout));
        Assert.Contains("deeper than", e.Message);
        store.Consult("open_var(A) :- at(key, X), believes(A, at(key, X)).");
        e = Assert.Throws<ArgumentException>(() => new EpistemicPlanner(env, store, 3).Plan(Goal.Parse("open_var(agent_1)"), Timeout));
        Assert.Contains("keeps a variable", e.Message);
    }

    [Fact]
    public void DomainModelWithDerivedGoal()
    {
        var inRed = Term.Parse("in(key, red_box)");
        var inBlue = Term.Parse("in(key, blue_box)");
        var present = Term.Parse("present(agent_1)");
        var always = Term.Parse("true");
        var seen = new Dictionary<string, Term> { ["agent_0"] = always, ["agent_1"] = present };
        var both = new Dictionary<string, Term> { ["agent_0"] = always, ["agent_1"] = always };
        var domain = new EpistemicDomain(["agent_0", "agent_1"], [inRed, inBlue, present],
        [
            new DomainAction("leave_1", present, [], [present], both),
            new DomainAction("return_1", Term.Parse("NOT present(agent_1)"), [present], [], both),
            new DomainAction("move_red_to_blue", inRed, [inBlue], [inRed], seen),
        ]);
        var store = new BeliefStore();
        store.Consult("fooled(A) :- believes(A, in(key, red_box)), in(key, blue_box), present(A).");
        var planner = new EpistemicPlanner(domain, store, searchDepth: 4);
        var plan = planner.Plan(new EpistemicWorldState([inRed, present]), Goal.Parse("fooled(agent_1)"), Timeout);
        Assert.Equal(["leave_1", "move_red_to_blue", "return_1"], plan.Actions);
        Assert.True(planner.EvaluatePlan(plan, domain).GoalAchieved);
        Assert.Throws<ArgumentException>(() => planner.Plan(Goal.Parse("fooled(agent_1)"), Timeout)); // a domain needs an initial state
    }
}
