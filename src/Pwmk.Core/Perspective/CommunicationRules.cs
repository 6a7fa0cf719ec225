namespace Pwmk.Core.Perspective;

/// <summary>
/// Which belief chains take a claim (<see cref="ClaimEvent"/>). A chain is written outermost believer first:
/// (a, b) is "a thinks b believes". Only chains of distinct hearers can take a claim; a chain that does not take it
/// keeps what it had.
/// <para><see cref="Faithful"/> (the default) is the rules as stated by Hi-ToM (R3, R4 of the data set's README):</para>
/// <list type="bullet">
/// <item>R3, private tell S -> L: when L trusts S, the chains (L), (L, S) and (S, L) take the claim; nothing else changes.</item>
/// <item>R4, public claim by S: with B the hearers who trust S, every chain of hearers whose last agent is in B, or whose
/// last two agents are (b, S) with b in B, takes the claim. The speaker's own belief never changes, nor does any
/// untrusting listener's.</item>
/// </list>
/// <para><see cref="HitomGenerator"/> reproduces the Hi-ToM generator's published labels (quirks Q2, Q3): after any
/// claim (S, L) takes it for every listener L, trusting or not (Q2), and a public claim sets only (b), (b, S) and (S, b)
/// for each trusting b (Q3). It exists to compare with those labels, never as a default.</para>
/// </summary>
public abstract class CommunicationRules
{
    /// <summary>R3 and R4: the rules as stated.</summary>
    public static CommunicationRules Faithful { get; } = new FaithfulRules();

    /// <summary>R3 with Q2, and Q2 with Q3 for public claims: what the Hi-ToM generator did.</summary>
    public static CommunicationRules HitomGenerator { get; } = new GeneratorRules();

    /// <summary>Name of the rule set (<c>faithful</c>, <c>generator</c>).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The rule by which <paramref name="chain"/> (distinct agents, outermost first) takes the claim (<c>R3</c>,
    /// <c>R4</c>, <c>Q2</c>, <c>Q3</c>), or null when it keeps what it had.
    /// </summary>
    public abstract string? Rule(in ClaimEvent claim, ReadOnlySpan<int> chain);

    /// <summary>True when the chain takes the claim.</summary>
    public bool Takes(in ClaimEvent claim, ReadOnlySpan<int> chain) => Rule(claim, chain) is not null;

    public override string ToString() => Name;

    private protected static bool In(ulong mask, int agent) => (mask & (1UL << agent)) != 0;

    private protected static bool AllHeard(in ClaimEvent claim, ReadOnlySpan<int> chain)
    {
        foreach (int a in chain) if (!In(claim.Hearers, a)) return false;
        return chain.Length > 0;
    }

    /// <summary>R3: (L), (L, S), (S, L) for a trusting listener L.</summary>
    private protected static bool PrivateTrusted(in ClaimEvent claim, ReadOnlySpan<int> chain)
    {
        ulong trusting = claim.TrustingListeners;
        int s = claim.Speaker;
        return chain.Length switch
        {
            1 => In(trusting, chain[0]),
            2 => (In(trusting, chain[0]) && chain[1] == s) || (chain[0] == s && In(trusting, chain[1])),
            _ => false,
        };
    }

    private sealed class FaithfulRules : CommunicationRules
    {
        public override string Name => "faithful";

        public override string? Rule(in ClaimEvent claim, ReadOnlySpan<int> chain)
        {
            if (!AllHeard(claim, chain)) return null;
            if (!claim.Public) return PrivateTrusted(claim, chain) ? "R3" : null;
            ulong b = claim.TrustingListeners;
            int last = chain[^1];
            if (In(b, last)) return "R4";
            return chain.Length >= 2 && last == claim.Speaker && In(b, chain[^2]) ? "R4" : null;
        }
    }

    private sealed class GeneratorRules : CommunicationRules
    {
        public override string Name => "generator";

        public override string? Rule(in ClaimEvent claim, ReadOnlySpan<int> chain)
        {
            if (!AllHeard(claim, chain)) return null;
            bool speakerThinksListener = chain.Length == 2 && chain[0] == claim.Speaker && In(claim.Listeners, chain[1]);
            if (!claim.Public)
            {
                if (PrivateTrusted(claim, chain)) return "R3";
                return speakerThinksListener ? "Q2" : null;
            }
            if (PrivateTrusted(claim, chain)) return "Q3"; // (b), (b, S), (S, b) for each trusting b: the same shape as R3
            return speakerThinksListener ? "Q2" : null;
        }
    }
}
