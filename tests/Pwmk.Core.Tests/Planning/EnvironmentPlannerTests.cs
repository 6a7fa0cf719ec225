using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;
using Pwmk.Core.Planning;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Planning;

/// <summary>
/// The PWMK-goal front door on the built-in environments. Every plan is executed in the real
/// environment and the environment's own belief ground truth is checked afterwards: this is what shows
/// that the planner predicts the witnesses of each action as the environment does.
/// </summary>
public class EnvironmentPlannerRoomsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A kitchen with a red and a blue box (the key in the red one) and a hall; all three agents walk into the kitchen.</summary>
    private static RoomsWorld Kitchen(int beliefDepth = 4)
    {
        var layout = new RoomsLayout().AddContainer("red_box", "kitchen").AddContainer("blue_box", "kitchen").AddRoom("hall").AddObject("key", "red_box");
        var env = new RoomsWorld(["agent_0", "agent_1", "agent_2"], layout, beliefDepth);
        env.Reset(0);
        foreach (var a in env.Agents) env.Act(a, RoomsAction.Enter("kitchen"));
        return env;
    }

    private static string? Believed(PerspectiveEnv env, string[] chain, int fluent) => env.GetBeliefGroundTruth().Belief(chain, fluent);

    [Fact]
    public void DeceptionAgent1FalselyBelievesTheKeyIsStillInTheRedBox()
    {
        var env = Kitchen();
        env.Trust = ITrustPolicy.Nobody; // a lie would do as well (RoomsWorldCommunicationTests): here only what agent_1 does not see can mislead it
        var goal = Goal.Parse("at(key, blue_box) AND believes(agent_1, at(key, red_box)) AND believes(agent_0, at(key, blue_box))",
            ["believes(agent_0, believes(agent_1, at(key, red_box)))"]);
        var before = (env.Render(), env.History.Count, env.StepCount);
        var plan = new EnvironmentPlanner(env, searchDepth: 4).Plan(goal, Timeout);
        Assert.Equal(before, (env.Render(), env.History.Count, env.StepCount)); // planning leaves the real world alone

        Assert.True(plan.Solved, plan.Reason);
        Assert.Equal(2, plan.Steps!.Count);
        Assert.Equal("agent_1: enter(hall)", plan.Actions[0]); // agent_1 leaves the kitchen first...
        Assert.Equal(RoomsAction.Enter("hall"), env.ActionTable[plan.Steps[0].Action]);
        Assert.Equal("agent_0: move(key, blue_box)", plan.Actions[1]); // ...then agent_0 moves the key
        Assert.Equal(1.0 / 3, plan.Quality, 6);
        var predicted = plan.BeliefTrajectory[^1].Single(b => b.Agent == "agent_1");
        Assert.Contains(Term.Parse("at(key, red_box)"), predicted.BelievedTrue);
        Assert.Contains(Term.Parse("at(key, blue_box)"), predicted.BelievedFalse);

        // The steps are the environment's own actions: run them with Act and read the env's ground truth.
        foreach (var s in plan.Steps) env.Act(s.Agent, env.ActionTable[s.Action]);
        int key = env.AtFluent("key");
        Assert.Equal("blue_box", env.ContainerOf("key"));
        Assert.NotEqual("kitchen", env.RoomOf("agent_1"));
        Assert.Equal("red_box", Believed(env, ["agent_1"], key));
        Assert.Equal("blue_box", Believed(env, ["agent_0"], key));
        Assert.Equal("red_box", Believed(env, ["agent_0", "agent_1"], key));
        Assert.Equal("blue_box", Believed(env, ["agent_2"], key)); // agent_2 stayed and saw the move
    }

    [Fact]
    public void WithoutAskingAgent0ToKnowTheTruthTheShortestDeceptionIsALie()
    {
        var env = Kitchen();
        var plan = new EnvironmentPlanner(env, 4).Plan(Goal.Parse("at(key, blue_box) AND believes(agent_1, at(key, red_box))"), Timeout);
        Assert.Equal(["agent_0: move(key, blue_box)", "agent_0: tell(agent_1, key, red_box)"], plan.Actions);
        plan.ExecuteIn(env);
        Assert.Equal("blue_box", env.ContainerOf("key"));
        Assert.Equal("red_box", Believed(env, ["agent_1"], env.AtFluent("key")));
    }

    [Fact]
    public void MaintenanceGoalIsRespectedAlongThePlan()
    {
        var env = Kitchen();
        var plain = new EnvironmentPlanner(env, 4).Plan(Goal.Parse("at(key, blue_box)"), Timeout);
        Assert.Equal(["agent_0: move(key, blue_box)"], plain.Actions);

        // agent_1 must keep believing the key is in the red box in every state: it has to leave before the move.
        var goal = Goal.Parse("at(key, blue_box)", maintenance: ["believes(agent_1, at(key, red_box))"]);
        var plan = new EnvironmentPlanner(env, 4).Plan(goal, Timeout);
        Assert.True(plan.Solved, plan.Reason);
        Assert.Equal(2, plan.Steps!.Count);
        Assert.All(plan.BeliefTrajectory, state =>
            Assert.Contains(Term.Parse("at(key, red_box)"), state.Single(b => b.Agent == "agent_1").BelievedTrue));

        var key = env.AtFluent("key");
        foreach (var s in plan.Steps)
        {
            (plan with { Steps = [s] }).ExecuteIn(env);
            Assert.Equal("red_box", Believed(env, ["agent_1"], key));
        }
        Assert.Equal("blue_box", env.ContainerOf("key"));
    }

    [Fact]
    public void ImpossibleGoalsEndAtTheirBoundWithTheReason()
    {
        var env = Kitchen();
        var deception = Goal.Parse("at(key, blue_box) AND believes(agent_1, at(key, red_box)) AND believes(agent_0, at(key, blue_box))");
        var shallow = new EnvironmentPlanner(env, searchDepth: 1).Plan(deception, Timeout);
        Assert.False(shallow.Solved);
        Assert.Equal("no plan within depth 1", shallow.Reason);
        Assert.Empty(shallow.Steps!);
        Assert.Empty(shallow.BeliefTrajectory);
        Assert.Equal(0, shallow.Quality);

        // agent_1 never leaves the kitchen, so it sees any move: no plan at any depth.
        var watched = Goal.Parse("at(key, blue_box)", maintenance: ["in(agent_1, kitchen) AND believes(agent_1, at(key, red_box))"]);
        var never = new EnvironmentPlanner(env, searchDepth: 50).Plan(watched, Timeout);
        Assert.False(never.Solved);
        Assert.Equal("search space exhausted", never.Reason);

        var small = new EnvironmentPlanner(env, searchDepth: 50).Plan(watched, Timeout, maxNodes: 20);
        Assert.Equal("node limit", small.Reason);
        Assert.True(small.Expanded < 20);
    }

    [Fact]
    public void GoalsInTheEnvironmentsVocabularyWithSugarAndClearErrors()
    {
        var env = Kitchen(beliefDepth: 2);
        var planner = new EnvironmentPlanner(env, 3);
        // OR and NOT, nested NOT inside a belief (agent_1 believes the key is elsewhere than the red box).
        var plan = planner.Plan(Goal.Parse("(at(key, red_box) OR in(agent_2, hall)) AND believes(agent_1, NOT at(key, red_box))"), Timeout);
        Assert.True(plan.Solved, plan.Reason);
        plan.ExecuteIn(env);
        Assert.Equal("blue_box", Believed(env, ["agent_1"], env.AtFluent("key")));

        var unknown = Assert.Throws<ArgumentException>(() => planner.Plan(Goal.Parse("has(agent_0, treasure)"), Timeout));
        Assert.Contains("unknown fact has(agent_0,treasure)", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("at(key,", unknown.Message, StringComparison.Ordinal); // shows what facts look like
        var agent = Assert.Throws<ArgumentException>(() => planner.Plan(Goal.Parse("believes(bob, at(key, red_box))"), Timeout));
        Assert.Contains("unknown agent bob", agent.Message, StringComparison.Ordinal);
        var deep = Assert.Throws<ArgumentException>(() => planner.Plan(
            Goal.Parse("believes(agent_0, believes(agent_1, believes(agent_2, at(key, red_box))))"), Timeout));
        Assert.Contains("tracks beliefs 2 deep", deep.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEnvironmentWithoutASimulatorIsAClearError()
    {
        var lamp = new Pwmk.Core.Tests.Environments.LampEnv();
        lamp.Reset(0);
        var e = Assert.Throws<NotSupportedException>(() => new EnvironmentPlanner(lamp, 3).Plan(Goal.Parse("lit(lamp, true)"), Timeout));
        Assert.Contains("LampEnv does not support planning", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluatePlanReplaysUnderTrueDynamics()
    {
        var env = Kitchen();
        var goal = Goal.Parse("at(key, blue_box) AND believes(agent_1, at(key, red_box)) AND believes(agent_0, at(key, blue_box))");
        var plan = new EnvironmentPlanner(env, 4).Plan(goal, Timeout);
        Assert.True(EnvironmentPlanner.EvaluatePlan(plan, env, goal).GoalAchieved);

        // In a world where agent_1 already stands in the hall, its leaving step changes nothing
        // that matters, but where agent_1 is in the kitchen and agent_0 is not, the move cannot happen.
        var other = Kitchen();
        other.Act("agent_0", RoomsAction.Exit);
        var replay = EnvironmentPlanner.EvaluatePlan(plan, other, goal);
        Assert.True(replay.Executable);
        Assert.False(replay.GoalAchieved);
        Assert.Equal("the goal does not hold at the end", replay.Failure);
    }
}

public class EnvironmentPlannerGridTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static int KeyFluent(PerspectiveEnv env) => env.Vocabulary.FindFluent("pos", new Atom("key"));

    /// <summary>Agent 0 picks the key up without agent 1 seeing it (view radius and walls), checked in the real world.</summary>
    [Fact]
    public void BoxWorldSecretPickupExecutesAsPredicted()
    {
        var goal = Goal.Parse("pos(key, agent_0) AND NOT believes(agent_1, pos(key, agent_0))",
            ["believes(agent_0, pos(key, agent_0))"]);
        int solved = 0;
        for (int seed = 0; seed < 6; seed++)
        {
            var env = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 1, viewRadius: 2);
            env.Reset(seed);
            var plan = new EnvironmentPlanner(env, searchDepth: 10, actingAgents: ["agent_0"]).Plan(goal, Timeout);
            if (!plan.Solved) continue;
            solved++;
            Assert.All(plan.Steps!, s => Assert.Equal("agent_0", s.Agent));
            Assert.Equal("agent_0: interact", plan.Actions[^1]);
            plan.ExecuteIn(env);
            var truth = env.GetBeliefGroundTruth();
            int key = KeyFluent(env);
            Assert.Equal(env.Vocabulary.Value("agent_0"), env.TrueValue(key));
            Assert.Equal("agent_0", truth.Belief(["agent_0"], key));
            Assert.NotEqual("agent_0", truth.Belief(["agent_1"], key));
        }
        Assert.True(solved >= 2, $"only {solved} of 6 worlds had a secret pickup");
    }

    /// <summary>Agent 0 shows agent 1 that it holds the key, so that agent 1 knows it and agent 0 knows agent 1 knows.</summary>
    [Fact]
    public void BoxWorldNestedBeliefThroughMutualSight()
    {
        var env = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 0, viewRadius: 2);
        env.Reset(3);
        var goal = Goal.Parse("knows(agent_1, pos(key, agent_0)) AND believes(agent_0, believes(agent_1, pos(key, agent_0)))");
        var plan = new EnvironmentPlanner(env, searchDepth: 12, strategy: SearchStrategy.Bfs).Plan(goal, Timeout);
        Assert.True(plan.Solved, plan.Reason);
        plan.ExecuteIn(env);
        var truth = env.GetBeliefGroundTruth();
        int key = KeyFluent(env);
        Assert.Equal("agent_0", truth.Belief(["agent_1"], key));
        Assert.Equal("agent_0", truth.Belief(["agent_0", "agent_1"], key));
        // Greedy best-first finds a plan too (maybe longer), also right when executed.
        var env2 = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 0, viewRadius: 2);
        env2.Reset(3);
        var greedy = new EnvironmentPlanner(env2, 30, SearchStrategy.Gbfs).Plan(goal, Timeout);
        Assert.True(greedy.Solved, greedy.Reason);
        Assert.True(greedy.Steps!.Count >= plan.Steps!.Count);
        greedy.ExecuteIn(env2);
        Assert.Equal("agent_0", env2.GetBeliefGroundTruth().Belief(["agent_0", "agent_1"], key));
    }

    /// <summary>A plan made for a short view radius fails against the true dynamics of a longer one.</summary>
    [Fact]
    public void BoxWorldEvaluatePlanAgainstAWiderViewRadius()
    {
        var goal = Goal.Parse("pos(key, agent_0) AND NOT believes(agent_1, pos(key, agent_0))");
        int differing = 0;
        for (int seed = 0; seed < 8; seed++)
        {
            var narrow = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 0, viewRadius: 1);
            narrow.Reset(seed);
            var plan = new EnvironmentPlanner(narrow, 10, actingAgents: ["agent_0"]).Plan(goal, Timeout);
            if (!plan.Solved) continue;
            Assert.True(EnvironmentPlanner.EvaluatePlan(plan, narrow, goal).GoalAchieved);
            var wide = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 0, viewRadius: 6);
            wide.Reset(seed);
            var replay = EnvironmentPlanner.EvaluatePlan(plan, wide, goal);
            if (replay.GoalAchieved) continue;
            differing++;
            // The real wide world agrees with the evaluation: agent_1 saw the pickup.
            plan.ExecuteIn(wide);
            Assert.Equal("agent_0", wide.GetBeliefGroundTruth().Belief(["agent_1"], KeyFluent(wide)));
        }
        Assert.True(differing > 0, "no world where the wider view radius gives the plan away");
    }

    /// <summary>The hider sneaks out of the seeker's line of sight: the seeker keeps a stale belief, and the hider knows it.</summary>
    [Fact]
    public void HideAndSeekHiderSneaksAwayUnseen()
    {
        int checkedWorlds = 0, sneaked = 0;
        var reasons = new List<string>();
        for (int seed = 0; seed < 40 && sneaked < 2; seed++)
        {
            var env = new HideAndSeek(arenaSize: 12, numHiders: 1, numSeekers: 1);
            env.Reset(seed);
            int hider = env.AgentCell(0);
            string cell = $"cell({hider % 12}, {hider / 12})";
            var truth = env.GetBeliefGroundTruth();
            int pos = env.Vocabulary.FindFluent("pos", new Atom("hider_0"));
            if (truth.Belief(["hider_0", "seeker_0"], pos) is null) continue; // the two do not see each other
            checkedWorlds++;
            var goal = Goal.Parse($"NOT pos(hider_0, {cell}) AND believes(seeker_0, pos(hider_0, {cell}))",
                [$"believes(hider_0, believes(seeker_0, pos(hider_0, {cell})))"]);
            var plan = new EnvironmentPlanner(env, searchDepth: 6, actingAgents: ["hider_0"]).Plan(goal, Timeout);
            reasons.Add($"seed {seed}: {plan.Reason}");
            if (!plan.Solved)
            {
                Assert.Contains(plan.Reason, new[] { "no plan within depth 6", "search space exhausted" });
                continue;
            }
            sneaked++;
            plan.ExecuteIn(env);
            var after = env.GetBeliefGroundTruth();
            Assert.NotEqual(hider, env.AgentCell(0));
            Assert.Equal(cell.Replace(" ", "", StringComparison.Ordinal), after.Belief(["seeker_0"], pos));
            Assert.Equal(cell.Replace(" ", "", StringComparison.Ordinal), after.Belief(["hider_0", "seeker_0"], pos));
        }
        Assert.True(sneaked == 2, $"the hider could sneak away in only {sneaked} of {checkedWorlds} worlds: {string.Join("; ", reasons)}");
    }
}
