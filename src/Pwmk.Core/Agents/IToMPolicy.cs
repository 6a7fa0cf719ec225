namespace Pwmk.Core.Agents;

/// <summary>Chooses a <see cref="ToMAgent"/>'s next action from its beliefs; the epistemic planner plugs in here.</summary>
public interface IToMPolicy
{
    /// <summary>An action index in the agent's action space, or -1 to leave this decision to the agent's built-in behaviour.</summary>
    int ChooseAction(ToMAgent agent);
}
