namespace Pwmk.Core.Planning.Mastar;

/// <summary>The type of an mA* action (an action has one type).</summary>
internal enum ActionType
{
    /// <summary>No effect line: the action changes nothing.</summary>
    None,

    /// <summary><c>causes</c>: changes fluents.</summary>
    Ontic,

    /// <summary><c>determines</c>: full observers learn the value of the sensed formula.</summary>
    Sensing,

    /// <summary><c>announces</c>: full observers learn the announced formula's actual value.</summary>
    Announcement,
}

/// <summary>A conditional ontic effect: when <see cref="Condition"/> holds in the actual world, set and clear fluents.</summary>
internal sealed record OnticEffect(MastarFormula Condition, ulong Set, ulong Clear);

/// <summary>A conditional sensing or announcement effect.</summary>
internal sealed record EpistemicEffect(MastarFormula Condition, MastarFormula Formula);

/// <summary>One mA* action with its executability, effects and observability conditions.</summary>
internal sealed class MastarAction(string name, int agentCount)
{
    public string Name { get; } = name;
    public ActionType Type { get; set; } = ActionType.None;
    public List<MastarFormula> Preconditions { get; } = [];
    public List<OnticEffect> OnticEffects { get; } = [];
    public List<EpistemicEffect> EpistemicEffects { get; } = [];

    /// <summary>Per agent: conditions under which the agent fully observes the action (any holds).</summary>
    public List<MastarFormula>[] Observes { get; } = [.. Enumerable.Range(0, agentCount).Select(_ => new List<MastarFormula>())];

    /// <summary>Per agent: conditions under which the agent is partially observant (aware_of).</summary>
    public List<MastarFormula>[] Aware { get; } = [.. Enumerable.Range(0, agentCount).Select(_ => new List<MastarFormula>())];

    /// <summary>Fluents the effects change (ontic) or read (sensed or announced formulas); fixed once the action is complete.</summary>
    public ulong EffectFluents { get; private set; }

    /// <summary>Computes <see cref="EffectFluents"/>; called when the problem is built.</summary>
    public void Complete()
    {
        ulong mask = 0;
        var distributed = false;
        foreach (var e in OnticEffects)
        {
            mask |= e.Set | e.Clear;
        }
        foreach (var e in EpistemicEffects)
        {
            mask |= FluentLayout.FluentsOf(e.Formula, ref distributed);
        }
        EffectFluents = mask;
    }
}
