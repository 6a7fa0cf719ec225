using Pwmk.Core.Agents;
using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Agents;

public class PlanningPolicyTests
{
    private static bool Holds(MultiAgentBoxWorld env, string agent) =>
        env.GetBeliefGroundTruth().Belief([env.AgentId(agent)], env.Vocabulary.FindFluent("pos", new Atom("key"))) is var v && v >= 0
        && env.Vocabulary.ValueTerm(v) is Atom { Name: var holder } && holder == agent;

    [Fact]
    public void A_planning_agent_walks_to_the_key_and_picks_it_up_then_leaves_the_rest_to_its_heuristic()
    {
        int fetched = 0, worlds = 0;
        for (int seed = 0; seed < 8; seed++)
        {
            var env = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 2, viewRadius: 2, maxSteps: 60);
            var policy = new PlanningPolicy(PlanningPolicy.SimulationGoal, searchDepth: 14, budget: TimeSpan.FromSeconds(2), maxNodes: 20_000);
            var agent = new ToMAgent(env, "agent_0", tomDepth: 2, policy: policy, seed: seed);
            var result = env.Reset(seed);
            agent.UpdateBeliefs(result.Observations[0]);
            if (PlanningPolicy.SimulationGoal(agent) is null) continue; // key not where it can be planned for
            worlds++;
            for (int step = 0; step < 30 && !result.Done && !Holds(env, "agent_0"); step++)
            {
                result = env.Step([agent.ActWithTom(), 0]);
                agent.UpdateBeliefs(result.Observations[0]);
            }
            if (Holds(env, "agent_0"))
            {
                fetched++;
                Assert.True(policy.Planned > 0);
                // holding the key, the agent has no goal to plan for: the policy defers (-1) to the built-in behaviour
                Assert.Null(PlanningPolicy.SimulationGoal(agent));
                Assert.Equal(-1, policy.ChooseAction(agent));
            }
        }
        Assert.True(worlds >= 4, $"only {worlds} worlds with a key to fetch");
        Assert.True(fetched >= worlds - 1, $"fetched the key in {fetched} of {worlds} worlds");
    }

    [Fact]
    public void In_the_rooms_a_planning_agent_corrects_a_false_belief_it_sees()
    {
        var layout = new RoomsLayout().AddContainer("red_box", "kitchen").AddContainer("blue_box", "kitchen").AddRoom("hall").AddObject("key", "red_box");
        var env = new RoomsWorld(["agent_0", "agent_1"], layout, beliefDepth: 2);
        env.Reset(0);
        foreach (var a in env.Agents) env.Act(a, RoomsAction.Enter("kitchen"));
        env.Act("agent_1", RoomsAction.Enter("hall"));
        env.Act("agent_0", RoomsAction.Move("key", "blue_box"));
        env.Act("agent_0", RoomsAction.Enter("hall"));
        var policy = new PlanningPolicy(PlanningPolicy.SimulationGoal, searchDepth: 3);
        // the agent reads its beliefs through a store: here one holding every chain the environment tracked
        var store = new InMemoryBeliefStore();
        foreach (var (chain, fluent, value) in env.Tracker!.Beliefs()) store.Assert(env.Vocabulary.BeliefFact(chain, fluent, value));
        var agent = new ToMAgent(env, "agent_0", tomDepth: 2, policy: policy, beliefs: store);
        int key = env.AtFluent("key");
        // agent_0 moved the key while agent_1 was in the hall, then joined it there: agent_0 thinks agent_1 is wrong
        var goal = PlanningPolicy.SimulationGoal(agent);
        Assert.NotNull(goal);
        int action = agent.ActWithTom();
        Assert.Equal(1, policy.Planned);
        env.Step(new Dictionary<string, int> { ["agent_0"] = action, ["agent_1"] = 0 });
        Assert.Equal("blue_box", env.Vocabulary.ValueTerm(env.GetBeliefGroundTruth().Belief([env.AgentId("agent_1")], key)).ToString());
    }

    [Fact]
    public void A_hider_that_knows_it_is_seen_plans_to_slip_away_unseen()
    {
        int planned = 0;
        for (int seed = 0; seed < 40 && planned < 2; seed++)
        {
            var env = new HideAndSeek(arenaSize: 12, numHiders: 1, numSeekers: 1);
            var first = env.Reset(seed);
            var policy = new PlanningPolicy(PlanningPolicy.SimulationGoal, searchDepth: 6, budget: TimeSpan.FromSeconds(5), maxNodes: 50_000);
            var hider = new ToMAgent(env, "hider_0", tomDepth: 2, policy: policy);
            hider.UpdateBeliefs(first.Observations[0]);
            if (PlanningPolicy.SimulationGoal(hider) is null) continue; // the seeker does not see it
            int before = env.AgentCell(0);
            int action = hider.ActWithTom();
            if (policy.Planned == 0) continue; // no way out unseen within the depth
            planned++;
            env.Step([action, 0]);
            Assert.NotEqual(before, env.AgentCell(0));
        }
        Assert.True(planned >= 1, "no world where the hider planned a move");
    }

    [Fact]
    public void A_seeker_that_lost_sight_of_the_hider_walks_to_where_it_last_saw_it()
    {
        int chased = 0;
        for (int seed = 0; seed < 60 && chased < 2; seed++)
        {
            var env = new HideAndSeek(arenaSize: 10, numHiders: 1, numSeekers: 1);
            var result = env.Reset(seed);
            var policy = new PlanningPolicy(PlanningPolicy.SimulationGoal, searchDepth: 12, budget: TimeSpan.FromSeconds(5), maxNodes: 50_000);
            var seeker = new ToMAgent(env, "seeker_0", tomDepth: 1, policy: policy);
            seeker.UpdateBeliefs(result.Observations[1]);
            // the hider walks until the seeker no longer sees it (it then stands still)
            var rng = new Random(seed);
            for (int i = 0; i < 30 && PlanningPolicy.SimulationGoal(seeker) is null; i++)
            {
                result = env.Step([rng.Next(1, 5), 0]);
                seeker.UpdateBeliefs(result.Observations[1]);
            }
            if (PlanningPolicy.SimulationGoal(seeker) is not { } goal) continue;
            int pos = env.Vocabulary.FindFluent("pos", new Atom("hider_0"));
            string target = seeker.Believes(pos)!.ToString();
            Assert.NotEqual(target, Cell(env, 1));
            for (int i = 0; i < 14 && !result.Done && Cell(env, 1) != target && PlanningPolicy.SimulationGoal(seeker) is not null; i++)
            {
                result = env.Step([0, seeker.ActWithTom()]);
                seeker.UpdateBeliefs(result.Observations[1]);
            }
            if (policy.Planned == 0) continue; // the last sighting is farther than the search depth
            chased++;
            // it got there, or on the way it saw the hider again (then there is nothing left to chase)
            Assert.True(Cell(env, 1) == target || PlanningPolicy.SimulationGoal(seeker) is null, $"seed {seed}: seeker at {Cell(env, 1)}, target {target}");
        }
        Assert.True(chased >= 1, "no world where the seeker chased a last sighting");
    }

    private static string Cell(HideAndSeek env, int agent) =>
        $"cell({env.AgentCell(agent) % env.ArenaSize},{env.AgentCell(agent) / env.ArenaSize})";
}
