namespace Pwmk.Core.Perspective;

/// <summary>
/// One observed change (or sighting) of a fluent's value, with the agents who witnessed it.
/// <see cref="Sight"/>[a] is the set of agents that agent a could see at that moment; it decides the
/// nested beliefs (a believes b believes P only if a saw b witness P). Agent sets are bit masks over
/// agent ids of a <see cref="BeliefVocabulary"/>.
/// <para>An event can also be something said (<see cref="Of"/>): then <see cref="Spoken"/> holds the claim and the
/// rules deciding which chains take it, <see cref="Witnesses"/> are its hearers and <see cref="Sight"/> is unused.</para>
/// </summary>
public readonly record struct BeliefEvent(int Fluent, int Value, ulong Witnesses, ulong[] Sight)
{
    /// <summary>The claim this event is, with its rules; null for a witnessed event.</summary>
    public SpokenClaim? Spoken { get; init; }

    /// <summary>The event of a claim: heard by <see cref="ClaimEvent.Hearers"/>, taken by the chains <paramref name="rules"/> name.</summary>
    public static BeliefEvent Of(in ClaimEvent claim, CommunicationRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new(claim.Fluent, claim.Value, claim.Hearers, []) { Spoken = new SpokenClaim(claim, rules) };
    }
}

/// <summary>A claim as an event carries it: what was said, and the rules that decide which belief chains take it.</summary>
public sealed record SpokenClaim(ClaimEvent Claim, CommunicationRules Rules);
