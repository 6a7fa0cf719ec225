namespace Pwmk.Core.Perspective;

/// <summary>
/// Who believes whom: decides, when a claim is made, which hearers trust its speaker. The answer is common knowledge
/// among the hearers (everyone knows who trusts whom). <see cref="ExitOrderTrust"/> is Hi-ToM's rule.
/// </summary>
public interface ITrustPolicy
{
    /// <summary>Every listener trusts every speaker.</summary>
    static ITrustPolicy Everyone { get; } = new TrustAll();

    /// <summary>Nobody believes what others say: only what agents witness changes their beliefs.</summary>
    static ITrustPolicy Nobody { get; } = new TrustNone();

    /// <summary>The agents of <paramref name="hearers"/> (a mask of agent ids) that trust <paramref name="speaker"/>; never the speaker.</summary>
    ulong Trusting(int speaker, ulong hearers);

    private sealed class TrustAll : ITrustPolicy
    {
        public ulong Trusting(int speaker, ulong hearers) => hearers & ~(1UL << speaker);
    }

    private sealed class TrustNone : ITrustPolicy
    {
        public ulong Trusting(int speaker, ulong hearers) => 0;
    }
}
