using Pwmk.Core.Agents;
using Pwmk.Core.Planning;

namespace Pwmk.Core.Simulation;

/// <summary>
/// A simulation agent's policy under <see cref="SimulationSettings.LearnedPlanner"/>: the agent's goal is the one it has
/// under the true-simulator planner (<see cref="PlanningPolicy.SimulationGoal"/>), read on what the agent believes
/// (<c>believes(me, goal)</c>: the model predicts beliefs, not the world), and the plan comes from a tree search through
/// the online world model (<see cref="OnlineWorldModel.Plan"/>), never from a copy of the environment. With no goal, or
/// no plan (the model not trained yet, or a goal it does not predict), it leaves the decision to the heuristic.
/// </summary>
internal sealed class LearnedPlanningPolicy(OnlineWorldModel model, int seed) : IToMPolicy, IPlanningRecord
{
    private int _decisions;

    public int Planned { get; private set; }

    public int FellBack { get; private set; }

    public string? LastGoal { get; private set; }

    public Goal? Goal { get; private set; }

    public IReadOnlyList<string> LastPlan { get; private set; } = [];

    public int ChooseAction(ToMAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var text = agent.Environment.AgentGoal(agent.AgentId, agent);
        Goal = text is null ? null : Goal.Parse(text);
        LastGoal = Goal is null ? null : PlanningPolicy.Describe(Goal);
        LastPlan = [];
        if (text is not null && model.Plan(agent.AgentId, Goal.Parse($"believes({agent.Id}, {text})"), seed * 7_919 + _decisions++) is var (action, line))
        {
            LastPlan = line;
            Planned++;
            return action;
        }
        FellBack++;
        return -1;
    }
}
