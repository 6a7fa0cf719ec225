using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>
/// A store of ground belief facts such as <c>believes(a, believes(b, at(x, y)))</c> that can be read: changes arrive
/// through <see cref="IBeliefSink.ApplyAsync"/>, agents and the planner read what is believed through
/// <see cref="Contains"/> and <see cref="Query"/> (see <see cref="BeliefQueries"/>). Built in:
/// <see cref="InMemoryBeliefStore"/> (a hash set) and the Prolog-backed <see cref="BeliefStore"/>.
/// </summary>
public interface IBeliefStore : IBeliefSink
{
    /// <summary>True when the ground fact is stored.</summary>
    bool Contains(Term fact);

    /// <summary>Every stored fact that matches <paramref name="pattern"/> (variables match anything, consistently).</summary>
    IEnumerable<Term> Query(Term pattern);

    /// <summary>Number of stored facts.</summary>
    int Count { get; }
}
