using Pwmk.Logic.Terms;

namespace Pwmk.Core.Perspective;

/// <summary>
/// A store of ground belief facts such as <c>believes(a, believes(b, at(x, y)))</c>.
/// The in-memory implementation is <see cref="InMemoryBeliefStore"/>; a Prolog-backed
/// store can implement the same contract.
/// </summary>
public interface IBeliefStore
{
    /// <summary>Adds a ground fact; returns false when it was already present.</summary>
    bool Assert(Term fact);

    /// <summary>Removes a ground fact; returns false when it was absent.</summary>
    bool Retract(Term fact);

    /// <summary>True when the ground fact is stored.</summary>
    bool Contains(Term fact);

    /// <summary>Every stored fact that matches <paramref name="pattern"/> (variables match anything, consistently).</summary>
    IEnumerable<Term> Query(Term pattern);

    /// <summary>Number of stored facts.</summary>
    int Count { get; }
}
