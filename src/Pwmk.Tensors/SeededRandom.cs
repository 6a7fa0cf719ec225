namespace Pwmk.Tensors;

/// <summary>
/// A small deterministic generator (SplitMix64 seeding, xoshiro256** stream): the same seed gives the same
/// numbers on every machine and runtime, so initial weights and shuffles are reproducible.
/// </summary>
public sealed class SeededRandom
{
    private ulong s0, s1, s2, s3;
    private double spareNormal = double.NaN;

    /// <summary>Creates a generator from <paramref name="seed"/>.</summary>
    public SeededRandom(ulong seed)
    {
        ulong x = seed;
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    /// <summary>The generator's whole state (four words and the cached normal deviate's bits), to save and restore it exactly.</summary>
    public ulong[] GetState() => [s0, s1, s2, s3, (ulong)BitConverter.DoubleToInt64Bits(spareNormal)];

    /// <summary>Restores a state taken by <see cref="GetState"/>.</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 5 || (state[0] | state[1] | state[2] | state[3]) == 0) throw new ArgumentException("expected 5 words, not all of the first four zero", nameof(state));
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3]);
        spareNormal = BitConverter.Int64BitsToDouble((long)state[4]);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)((NextUInt64() >> 33) % (ulong)maxExclusive);
    }

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public float Uniform(float low, float high) => (float)(low + (high - low) * NextDouble());

    /// <summary>Standard normal (Box-Muller).</summary>
    public double NextNormal()
    {
        if (!double.IsNaN(spareNormal))
        {
            double s = spareNormal;
            spareNormal = double.NaN;
            return s;
        }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
