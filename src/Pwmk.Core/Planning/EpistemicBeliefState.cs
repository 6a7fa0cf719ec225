using Pwmk.Core.Planning.Mastar;

namespace Pwmk.Core.Planning;

/// <summary>
/// An opaque belief state of the epistemic planner (a bisimulation-contracted pointed Kripke model):
/// what is true and what every agent believes, nested. Equal when bisimilar.
/// </summary>
public sealed class EpistemicBeliefState : IEquatable<EpistemicBeliefState>
{
    internal EpistemicBeliefState(KripkeModel model) => Model = model;

    internal KripkeModel Model { get; }

    /// <summary>Number of possible worlds of the contracted model.</summary>
    public int WorldCount => Model.WorldCount;

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
        var ev = new ModelEvaluator(state.Model, problem.Table.Count);
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
        if (invariant is not null && !new ModelEvaluator(next, problem.Table.Count).HoldsAtActual(invariant))
        {
            return []; // breaks the maintenance goal: a dead end
        }
        return [(new EpistemicBeliefState(next), 1.0)];
    }

    public bool IsGoal(EpistemicBeliefState state) => new ModelEvaluator(state.Model, problem.Table.Count).HoldsAtActual(problem.Goal);
}
