using Pwmk.Core.Agents;
using Pwmk.Core.Environments;

namespace Pwmk.Core.Tests.Agents;

public class ToMAgentTests
{
    [Fact]
    public void Seed_loop_runs_and_each_mind_matches_the_environment_tracker()
    {
        var env = new MultiAgentBoxWorld(gridSize: 10, numAgents: 4, numBoxes: 3, viewRadius: 3, beliefDepth: 3);
        var agents = env.Agents.Select(id => new ToMAgent(id, tomDepth: 3, seed: 1)).ToList(); // bind on first observation
        var observations = env.Reset(42).Observations;
        var actions = new Dictionary<string, int>();
        for (int step = 0; step < 100; step++)
        {
            foreach (var agent in agents)
            {
                agent.UpdateBeliefs(observations[agent.Id]);
                actions[agent.Id] = agent.ActWithTom();
            }
            var result = env.Step(actions);
            observations = result.Observations;
            if (result.Done) break;
        }
        foreach (var agent in agents) agent.UpdateBeliefs(observations[agent.Id]);
        int compared = 0;
        foreach (var agent in agents)
            foreach (var (chain, fluent, value) in env.Tracker!.Beliefs())
            {
                if (chain[0] != agent.AgentId) continue;
                Assert.Equal(value, agent.Belief(chain, fluent));
                compared++;
            }
        Assert.True(compared > 50);
        Assert.Equal(env.Tracker!.Beliefs().Count(), agents.Sum(a => a.Store.Count));
        var other = new MultiAgentBoxWorld(10, 4, 3, 3);
        Assert.Throws<ArgumentException>(() => agents[0].UpdateBeliefs(other.Reset(1).Observations[0]));
        Assert.Throws<ArgumentException>(() => agents[0].UpdateBeliefs(observations[1]));
    }

    [Fact]
    public void Heuristic_agents_open_the_door_and_reach_the_treasure()
    {
        int found = 0;
        for (int seed = 0; seed < 5; seed++)
        {
            var env = new MultiAgentBoxWorld(gridSize: 8, numAgents: 2, numBoxes: 0, viewRadius: 8, maxSteps: 150);
            var agents = env.Agents.Select(id => new ToMAgent(env, id, seed: seed)).ToList();
            var r = env.Reset(seed);
            while (!r.Done)
            {
                foreach (var a in agents) a.UpdateBeliefs(r.Observations[a.Id]);
                r = env.Step(agents.Select(a => a.ActWithTom()).ToArray());
            }
            if (r.Terminations[0]) found++;
        }
        Assert.True(found >= 3, $"treasure found in {found} of 5 episodes");
    }

    [Fact]
    public void Agent_tells_a_companion_it_believes_to_be_mistaken()
    {
        var layout = new RoomsLayout().AddContainer("basket", "kitchen").AddContainer("box", "kitchen").AddRoom("hall").AddObject("marble");
        var env = new RoomsWorld(["anne", "sally"], layout, beliefDepth: 2);
        var anne = new ToMAgent(env, "anne");
        var sally = new ToMAgent(env, "sally");
        var r = env.Reset(0);
        void Feed() { anne.UpdateBeliefs(r.Observations["anne"]); sally.UpdateBeliefs(r.Observations["sally"]); }
        r = env.Act("anne", RoomsAction.Enter("kitchen")); Feed();
        r = env.Act("sally", RoomsAction.Enter("kitchen")); Feed();
        env.Place("marble", "basket");
        r = env.Step(new Dictionary<string, int>()); Feed(); // the narration reaches both at the next step
        Assert.Equal("basket", sally.Believes(env.AtFluent("marble"), "anne")!.ToString());
        r = env.Act("sally", RoomsAction.Enter("hall")); Feed();
        r = env.Act("anne", RoomsAction.Move("marble", "box")); Feed();
        Assert.Equal(0, anne.ActWithTom()); // sally is not here: nothing to say
        r = env.Act("anne", RoomsAction.Enter("hall")); Feed();
        int act = anne.ActWithTom();
        Assert.Equal(RoomsAction.Tell("sally", "marble", "box"), env.ActionTable[act]);
        r = env.Step(new Dictionary<string, int> { ["anne"] = act }); Feed();
        Assert.Equal("box", sally.Believes(env.AtFluent("marble"))!.ToString());
        Assert.Equal(0, anne.ActWithTom());
    }
}
