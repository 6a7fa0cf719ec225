namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// A planning state (an e-state): one canonical contracted pointed Kripke model per part of the problem's
/// <see cref="FluentLayout"/>, the state being their product. Kept this way while every part is serial
/// (no agent believes a contradiction anywhere): then a formula over one part's fluents has the same truth
/// in the part as in the product, and an action whose effects touch one part changes only that part.
/// When an update leaves a part non-serial, the parts are merged into one model (<see cref="ModelProduct"/>)
/// and the state stays whole from then on. Two states are equal when their parts are equal, which
/// implies they are bisimilar.
/// </summary>
internal sealed class MastarState
{
    /// <summary>A state of the parts <paramref name="parts"/> (not copied); <paramref name="ownBytes"/> is the memory it adds to its parent's.</summary>
    public MastarState(KripkeModel[] parts, long ownBytes)
    {
        Parts = parts;
        OwnBytes = ownBytes;
        var h = new HashCode();
        ulong actual = 0;
        foreach (var p in parts)
        {
            h.Add(p.Hash);
            actual |= p.Valuations[p.Actual];
        }
        Hash = h.ToHashCode();
        ActualValuation = actual;
    }

    /// <summary>A state of one model (a whole state, or a problem with one part).</summary>
    public MastarState(KripkeModel whole)
        : this([whole], whole.Bytes)
    {
    }

    /// <summary>The parts (one per layout part), or a single model holding every fluent.</summary>
    public KripkeModel[] Parts { get; }

    /// <summary>The valuation of the actual world.</summary>
    public ulong ActualValuation { get; }

    public int Hash { get; }

    /// <summary>Memory this state adds to the search beyond the parts it shares with its parent.</summary>
    public long OwnBytes { get; }

    /// <summary>Worlds of the product of the parts (saturating at <see cref="long.MaxValue"/>).</summary>
    public long WorldCount
    {
        get
        {
            long n = 1;
            foreach (var p in Parts)
            {
                n = n > long.MaxValue / Math.Max(p.WorldCount, 1) ? long.MaxValue : n * p.WorldCount;
            }
            return n;
        }
    }

    /// <summary>Equal parts (so bisimilar states).</summary>
    public bool SameAs(MastarState other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (Hash != other.Hash || Parts.Length != other.Parts.Length)
        {
            return false;
        }
        for (var i = 0; i < Parts.Length; i++)
        {
            if (!ReferenceEquals(Parts[i], other.Parts[i]) && !Parts[i].SameAs(other.Parts[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// This state with part <paramref name="index"/> replaced by <paramref name="model"/>; merged into one
    /// model when the new part is not serial and there are other parts.
    /// </summary>
    public MastarState With(int index, KripkeModel model, long maxWorlds)
    {
        var parts = (KripkeModel[])Parts.Clone();
        parts[index] = model;
        if (parts.Length > 1 && !model.IsSerial)
        {
            var whole = ModelProduct.Of(parts, maxWorlds);
            return new MastarState([whole], whole.Bytes + 32);
        }
        return new MastarState(parts, model.Bytes + 32 + (8L * parts.Length));
    }

    /// <summary>One model bisimilar to the state (the product of its parts).</summary>
    public KripkeModel Whole(long maxWorlds) => ModelProduct.Of(Parts, maxWorlds);
}
