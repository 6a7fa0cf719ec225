using Pwmk.Core.Environments;
using Pwmk.Core.Planning;
using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>How an agent chose its actions in <see cref="LearnedPlanning.Compare"/>.</summary>
public enum PlanningMode
{
    /// <summary><see cref="BeliefMcts{TState}"/> over <see cref="LearnedBeliefDynamics"/>, replanning after every real step.</summary>
    LearnedModel,

    /// <summary>The <see cref="EnvironmentPlanner"/> (breadth-first) on a copy of the true environment, which knows the hidden world.</summary>
    TrueSimulator,

    /// <summary>The environment's wandering expert policy (<see cref="IExpertPolicySource"/>), no planning.</summary>
    Heuristic,
}

/// <summary>Goal success of one way of choosing actions over the seeded episodes of <see cref="LearnedPlanning.Compare"/>.</summary>
/// <param name="Mode">How actions were chosen.</param>
/// <param name="Episodes">Episodes run.</param>
/// <param name="Successes">Episodes in which the goal held within the step budget.</param>
/// <param name="MeanSteps">Mean real steps taken in the successful episodes (NaN when none).</param>
/// <param name="Seconds">Wall-clock seconds of the whole run (planning and acting).</param>
public sealed record PlanningOutcome(PlanningMode Mode, int Episodes, int Successes, double MeanSteps, double Seconds)
{
    /// <summary>Successes / Episodes.</summary>
    public double SuccessRate => Episodes == 0 ? double.NaN : (double)Successes / Episodes;
}

/// <summary>
/// Acting in the real environment with a learned world model: in every seeded episode of a
/// <see cref="PerspectiveEnvAdapter.Rooms"/> world (objects placed where nobody saw them, every agent outside the rooms)
/// agent_0 must come to believe the key is in a given container of the room that holds it (it has to find the key, then
/// move it there when it is elsewhere), while the other agents wait; an episode succeeds when the goal holds in the real
/// environment within the step budget. The same episodes are played by planning with the learned model, by planning on
/// the true simulator and by the heuristic, so the difference is what the learned dynamics cost.
/// </summary>
public static class LearnedPlanning
{
    /// <summary>The goal of episode <paramref name="seed"/> of <paramref name="env"/> (reset to that seed).</summary>
    public static Goal GoalFor(PerspectiveEnvAdapter env, int seed)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (env.Env is not RoomsWorld rooms)
        {
            throw new NotSupportedException($"planning goals are defined for rooms only, not {env.Name}");
        }
        string key = rooms.Layout.Objects[^1];
        string room = rooms.Layout.Containers.First(c => c.Name == rooms.ContainerOf(key)).Room;
        var choices = rooms.Layout.Containers.Where(c => c.Room == room).ToList();
        string target = choices[new SeededRandom((ulong)(uint)seed ^ 0x6A0A_1000UL).NextInt(choices.Count)].Name;
        return Goal.Parse($"believes({rooms.Agents[0]}, at({key}, {target}))");
    }

    /// <summary>
    /// Plays <paramref name="episodes"/> episodes (seeds <paramref name="seed"/>, <paramref name="seed"/>+1, ...) in
    /// <paramref name="mode"/> with at most <paramref name="budget"/> real steps each; the learned model searches with
    /// <paramref name="simulations"/> simulations per step.
    /// </summary>
    public static PlanningOutcome Compare(PerspectiveEnvAdapter env, PlanningMode mode, int episodes, int seed = 0, int budget = 6,
        PerspectiveWorldModel? model = null, int simulations = 200)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentOutOfRangeException.ThrowIfNegative(episodes);
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1);
        if (mode == PlanningMode.LearnedModel && model is null)
        {
            throw new ArgumentNullException(nameof(model), "planning with the learned model needs the model");
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int successes = 0;
        long steps = 0;
        var obs = new float[env.NumAgents * env.ObservationSize];
        var truth = new float[env.NumAgents * env.NumBeliefs];
        string agent = env.Env.Agents[0];
        for (int e = 0; e < episodes; e++)
        {
            env.Reset(seed + e, obs);
            var goal = GoalFor(env, seed + e);
            var learned = mode == PlanningMode.LearnedModel ? new LearnedBeliefDynamics(model!, env, goal, agent) : null;
            var judge = new BeliefGoal(env, goal);
            var state = learned?.Start(obs);
            int t = 0;
            bool reached = Reached(env, judge, truth);
            while (!reached && t < budget)
            {
                int[] joint;
                if (learned is not null)
                {
                    var search = new BeliefMcts<ImaginedState>(learned, numSimulations: simulations, maxDepth: budget - t, seed: seed + e * 131 + t);
                    joint = learned.JointAction(search.Search(state!).BestAction ?? learned.Actions(state!)[0]);
                }
                else if (mode == PlanningMode.TrueSimulator)
                {
                    var plan = new EnvironmentPlanner(env.Env, budget - t, actingAgents: [agent]).Plan(goal, TimeSpan.FromSeconds(30));
                    joint = new int[env.NumAgents];
                    Array.Fill(joint, env.Noop);
                    if (plan.Solved && plan.Steps is { Count: > 0 })
                    {
                        joint[0] = env.FromEnvironmentAction(plan.Steps[0].Action);
                    }
                }
                else
                {
                    joint = new int[env.NumAgents];
                    Array.Fill(joint, env.Noop);
                    joint[0] = env.ExpertAction(0);
                }
                bool done = env.Step(joint, obs);
                t++;
                if (learned is not null)
                {
                    state = learned.Observe(state!, joint, obs);
                }
                reached = Reached(env, judge, truth);
                if (done)
                {
                    break;
                }
            }
            if (reached)
            {
                successes++;
                steps += t;
            }
        }
        return new PlanningOutcome(mode, episodes, successes, successes == 0 ? double.NaN : (double)steps / successes, clock.Elapsed.TotalSeconds);
    }

    private static bool Reached(PerspectiveEnvAdapter env, BeliefGoal judge, float[] truth)
    {
        env.GetBeliefGroundTruth(truth);
        return judge.HoldsOn(truth);
    }
}
