using Pwmk.Core.Agents;
using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;
using Pwmk.Core.Planning;

namespace Pwmk.Core.Tests.Environments;

/// <summary>Agents that talk in a <see cref="RoomsWorld"/>: private tells, public claims, trust, and deception plans.</summary>
public class RoomsWorldCommunicationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Listeners trust only the speakers the table names (by agent id); common knowledge.</summary>
    private sealed class TrustTable(params (int Listener, int Speaker)[] pairs) : ITrustPolicy
    {
        public ulong Trusting(int speaker, ulong hearers)
        {
            ulong m = 0;
            foreach (var (l, s) in pairs) if (s == speaker) m |= 1UL << l;
            return m & hearers;
        }
    }

    /// <summary>room_2 holds box_2, room_3 holds box_3; the key is in box_3; agent_0 and agent_1 are in room_3 and saw it, agent_2 waits in room_2.</summary>
    private static RoomsWorld Rooms(ITrustPolicy? trust = null)
    {
        var layout = new RoomsLayout().AddContainer("box_2", "room_2").AddContainer("box_3", "room_3").AddObject("key", "box_3");
        var env = new RoomsWorld(["agent_0", "agent_1", "agent_2"], layout, beliefDepth: 3) { StrictActions = true };
        if (trust is not null) env.Trust = trust;
        env.Reset(0);
        env.Act("agent_2", RoomsAction.Enter("room_2"));
        env.Act("agent_0", RoomsAction.Enter("room_3"));
        env.Act("agent_1", RoomsAction.Enter("room_3"));
        return env;
    }

    private static string? Believed(RoomsWorld env, params string[] chain)
    {
        int v = env.Tracker!.Belief([.. chain.Select(env.AgentId)], env.AtFluent("key"));
        string? fromTruth = env.GetBeliefGroundTruth().Belief(chain, env.AtFluent("key"));
        Assert.Equal(fromTruth, v < 0 ? null : env.Vocabulary.ValueTerm(v).ToString()); // the tracker and the history replay agree
        return fromTruth;
    }

    [Fact]
    public void A_tell_is_private_and_a_lie_leaves_the_speaker_and_the_bystanders_alone()
    {
        var env = Rooms();
        env.Act("agent_2", RoomsAction.Enter("room_3"));
        env.Act("agent_0", RoomsAction.Tell("agent_1", "key", "box_2"));
        Assert.Equal("box_3", env.ContainerOf("key"));
        Assert.Equal("box_2", Believed(env, "agent_1"));
        Assert.Equal("box_2", Believed(env, "agent_0", "agent_1")); // the liar thinks it worked
        Assert.Equal("box_2", Believed(env, "agent_1", "agent_0")); // the listener thinks the speaker believes it
        Assert.Equal("box_3", Believed(env, "agent_0"));
        Assert.Equal("box_3", Believed(env, "agent_2")); // agent_2 stood there but heard nothing
        Assert.Equal("box_3", Believed(env, "agent_2", "agent_1"));
        Assert.Throws<InvalidOperationException>(() => env.Act("agent_0", RoomsAction.Tell("agent_0", "key", "box_2")));
        Assert.Throws<ArgumentNullException>(() => env.Trust = null!);
        Assert.Throws<ArgumentNullException>(() => env.Communication = null!);
    }

    [Fact]
    public void A_public_claim_reaches_the_room_as_common_knowledge_of_who_trusts_whom()
    {
        // agent_1 trusts agent_2; agent_0 trusts nobody
        var env = Rooms(new TrustTable((1, 2)));
        env.Act("agent_2", RoomsAction.Enter("room_3"));
        env.Act("agent_2", RoomsAction.Claim("key", "box_2"));
        Assert.Equal("box_2", Believed(env, "agent_1"));
        Assert.Equal("box_3", Believed(env, "agent_0"));
        Assert.Equal("box_2", Believed(env, "agent_0", "agent_1")); // everyone heard, and knows agent_1 trusts agent_2
        Assert.Equal("box_3", Believed(env, "agent_1", "agent_0"));
        Assert.Equal("box_2", Believed(env, "agent_0", "agent_1", "agent_2")); // (b, S): agent_1 thinks the speaker believes it
        Assert.Equal("box_3", Believed(env, "agent_2")); // the speaker's own belief never changes
    }

    [Fact]
    public void The_planner_finds_a_deception_plan_and_it_works_in_the_real_environment()
    {
        var env = Rooms();
        var goal = Goal.Parse("at(key, box_3) AND believes(agent_1, at(key, box_2)) AND believes(agent_0, believes(agent_1, at(key, box_2)))");
        var planner = new EpistemicPlanner(env, null, searchDepth: 3);
        var plan = planner.Plan(goal, Timeout);
        Assert.True(plan.Solved, plan.Reason);
        Assert.Equal(["agent_0: tell(agent_1, key, box_2)"], plan.Actions);
        var evaluation = planner.EvaluatePlan(plan, env);
        Assert.True(evaluation.GoalAchieved, evaluation.Failure);

        plan.ExecuteIn(env);
        Assert.Equal("box_3", env.ContainerOf("key"));
        Assert.Equal("box_2", Believed(env, "agent_1"));
        Assert.Equal("box_2", Believed(env, "agent_0", "agent_1"));
        Assert.Equal("box_3", Believed(env, "agent_0"));
    }

    [Fact]
    public void When_the_mark_trusts_only_another_agent_the_plan_has_that_agent_claim_it_in_public()
    {
        // agent_1 believes only agent_2, who waits in room_2 and never saw the key; agent_0 must learn that agent_1 took it
        var env = Rooms(new TrustTable((1, 2), (0, 2)));
        var goal = Goal.Parse("at(key, box_3) AND believes(agent_1, at(key, box_2)) AND believes(agent_0, believes(agent_1, at(key, box_2)))");
        var plan = new EnvironmentPlanner(env, searchDepth: 3).Plan(goal, Timeout);
        Assert.True(plan.Solved, plan.Reason);
        Assert.Equal(["agent_2: enter(room_3)", "agent_2: claim(key, box_2)"], plan.Actions);
        Assert.True(EnvironmentPlanner.EvaluatePlan(plan, env, goal).GoalAchieved);
        plan.ExecuteIn(env);
        Assert.Equal("box_2", Believed(env, "agent_1"));
        Assert.Equal("box_2", Believed(env, "agent_0", "agent_1"));
        Assert.Equal("box_2", Believed(env, "agent_0")); // agent_0 trusts agent_2 too: deceived along the way

        // if nobody is trusted, no lie works: the key cannot leave room_3, so there is no plan at all
        var sceptics = Rooms(new TrustTable());
        var none = new EnvironmentPlanner(sceptics, searchDepth: 3).Plan(goal, Timeout);
        Assert.False(none.Solved);
    }

    [Fact]
    public void A_planning_agent_lies_to_reach_its_goal()
    {
        var layout = new RoomsLayout().AddContainer("box_2", "room_2").AddContainer("box_3", "room_3").AddObject("key", "box_3");
        var env = new RoomsWorld(["agent_0", "agent_1", "agent_2"], layout, beliefDepth: 3) { StrictActions = true };
        var policy = new PlanningPolicy(_ => Goal.Parse("believes(agent_1, at(key, box_2))"), searchDepth: 2);
        var liar = new ToMAgent(env, "agent_0", tomDepth: 2, policy: policy); // a mind of its own, fed by what it witnesses
        liar.UpdateBeliefs(env.Reset(0).Observations["agent_0"]);
        foreach (var (who, room) in new[] { ("agent_2", "room_2"), ("agent_0", "room_3"), ("agent_1", "room_3") })
            liar.UpdateBeliefs(env.Act(who, RoomsAction.Enter(room)).Observations["agent_0"]);
        int action = liar.ActWithTom();
        Assert.Equal(1, policy.Planned);
        Assert.Contains(env.ActionTable[action], new[] { RoomsAction.Tell("agent_1", "key", "box_2"), RoomsAction.Claim("key", "box_2") });
        liar.UpdateBeliefs(env.Step(new Dictionary<string, int> { ["agent_0"] = action }).Observations["agent_0"]);
        Assert.Equal("box_2", Believed(env, "agent_1"));
        // the liar's own mind knows the truth and believes the lie worked
        int key = env.AtFluent("key");
        Assert.Equal("box_3", env.Vocabulary.ValueTerm(liar.BelievedValue([], key)).ToString());
        Assert.Equal("box_2", env.Vocabulary.ValueTerm(liar.BelievedValue([env.AgentId("agent_1")], key)).ToString());
    }
}
