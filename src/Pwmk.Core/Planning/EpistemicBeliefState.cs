using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Planning;

/// <summary>
/// An opaque belief state of the epistemic planner (bisimulation-contracted pointed Kripke models, one per independent part):
/// what is true and what every agent believes, nested. Equal when bisimilar.
/// </summary>
public sealed class EpistemicBeliefState : IEquatable<EpistemicBeliefState>
{
    internal EpistemicBeliefState(MastarState model) => Model = model;

    internal MastarState Model { get; }

    /// <summary>Number of possible worlds (of the product of the contracted parts).</summary>
    public long WorldCount => Model.WorldCount;

    /// <inheritdoc/>
    public bool Equals(EpistemicBeliefState? other) =>
        other is not null && Model.SameAs(other.Model);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EpistemicBeliefState s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode() => Model.Hash;
}

/// <summary>Deterministic dynamics of a compiled epistemic problem, for <see cref="BeliefMcts{TState}"/>.</summary>
internal sealed class EpistemicDynamics(MastarProblem problem, MastarFormula? invariant) : IBeliefDynamics<EpistemicBeliefState>
{
    public IReadOnlyList<string> Actions(EpistemicBeliefState state)
    {
        var ev = problem.Evaluate(state.Model);
        var result = new List<string>();
        foreach (var a in problem.SearchOrder)
        {
            if (MastarSemantics.IsExecutable(ev, a))
            {
                result.Add(a.Name);
            }
        }
        return result;
    }

    public IReadOnlyList<(EpistemicBeliefState Next, double Probability)> Outcomes(EpistemicBeliefState state, string action)
    {
        var next = problem.Apply(state.Model, action);
        if (next is null)
        {
            return [];
        }
        if (invariant is not null && !problem.Evaluate(next).HoldsAtActual(invariant))
        {
            return []; // breaks the maintenance goal: a dead end
        }
        return [(new EpistemicBeliefState(next), 1.0)];
    }

    public bool IsGoal(EpistemicBeliefState state) => problem.Evaluate(state.Model).HoldsAtActual(problem.Goal);
}
