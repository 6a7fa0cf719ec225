namespace Pwmk.Core.Agents;

/// <summary>Chooses a <see cref="ToMAgent"/>'s next action from its beliefs; the epistemic planner plugs in here.</summary>
public interface IToMPolicy
{
    /// <summary>An action index in the agent's action space.</summary>
    int ChooseAction(ToMAgent agent);
}
