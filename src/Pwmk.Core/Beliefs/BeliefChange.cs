using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>Whether a belief change adds or removes its fact (the values are the journal's record codes).</summary>
public enum BeliefChangeKind : byte
{
    /// <summary>The fact is now held.</summary>
    Assert = 1,

    /// <summary>The fact is no longer held.</summary>
    Retract = 2,
}

/// <summary>
/// One change of what is believed: a ground fact such as <c>believes(a, believes(b, at(key, room_2)))</c> asserted or
/// retracted. A perspective tracker reports every change of a chain's belief as the retraction of the old value's fact
/// followed by the assertion of the new one.
/// </summary>
public readonly record struct BeliefChange(BeliefChangeKind Kind, Term Fact)
{
    /// <summary>An assertion of <paramref name="fact"/>.</summary>
    public static BeliefChange Assert(Term fact) => new(BeliefChangeKind.Assert, fact);

    /// <summary>A retraction of <paramref name="fact"/>.</summary>
    public static BeliefChange Retract(Term fact) => new(BeliefChangeKind.Retract, fact);
}
