namespace Pwmk.Core.Perspective;

/// <summary>
/// Something an agent said, true or not: <see cref="Speaker"/> claims that fluent <see cref="Fluent"/> has value
/// <see cref="Value"/>. <see cref="Hearers"/> (a mask of agent ids, the speaker included) heard it;
/// <see cref="Trusting"/> are the hearers who trust the speaker at that moment, which every hearer knows. A public
/// claim is heard by every hearer, each knowing who heard it and who trusts the speaker; a private one (a tell) reaches
/// its listeners only, and nobody else learns of it. Which belief chains take the claim is decided by
/// <see cref="CommunicationRules"/>.
/// </summary>
public readonly record struct ClaimEvent(int Speaker, int Fluent, int Value, ulong Hearers, ulong Trusting, bool Public)
{
    /// <summary>The hearers other than the speaker.</summary>
    public ulong Listeners => Hearers & ~(1UL << Speaker);

    /// <summary>The listeners who trust the speaker.</summary>
    public ulong TrustingListeners => Trusting & Listeners;
}
