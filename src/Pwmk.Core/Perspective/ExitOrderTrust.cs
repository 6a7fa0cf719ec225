namespace Pwmk.Core.Perspective;

/// <summary>
/// Hi-ToM's trust rule (R2 of the data set's README): agents trust those who saw more than they did. A chapter is
/// the group that last entered a room together, with the order in which its members leave (known to all in
/// advance). Listener L trusts speaker S (L != S) when L is not in the current chapter, or when both are and L
/// exits before S; a listener in the chapter never trusts a speaker outside it. Before any chapter everyone trusts
/// everyone.
/// </summary>
public sealed class ExitOrderTrust : ITrustPolicy
{
    private int[] _position = [];
    private bool _started;

    /// <summary>A new chapter: <paramref name="exitOrder"/> are its members (agent ids) in the order they will leave.</summary>
    public void BeginChapter(ReadOnlySpan<int> exitOrder)
    {
        int max = -1;
        foreach (int a in exitOrder)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(a, nameof(exitOrder));
            max = Math.Max(max, a);
        }
        if (_position.Length <= max) Array.Resize(ref _position, max + 1);
        Array.Fill(_position, -1);
        for (int i = 0; i < exitOrder.Length; i++)
        {
            if (_position[exitOrder[i]] >= 0) throw new ArgumentException($"agent {exitOrder[i]} appears twice in the exit order", nameof(exitOrder));
            _position[exitOrder[i]] = i;
        }
        _started = true;
    }

    /// <summary>Where the agent leaves in the current chapter (0 first), or -1 when it is not in it.</summary>
    public int ExitPosition(int agent) => (uint)agent < (uint)_position.Length ? _position[agent] : -1;

    /// <summary>True when <paramref name="listener"/> trusts <paramref name="speaker"/>.</summary>
    public bool Trusts(int listener, int speaker)
    {
        if (listener == speaker) return false;
        if (!_started) return true;
        int l = ExitPosition(listener), s = ExitPosition(speaker);
        if (l < 0) return true;
        return s >= 0 && l < s;
    }

    public ulong Trusting(int speaker, ulong hearers)
    {
        ulong result = 0;
        for (ulong rest = hearers; rest != 0; rest &= rest - 1)
        {
            int l = System.Numerics.BitOperations.TrailingZeroCount(rest);
            if (Trusts(l, speaker)) result |= 1UL << l;
        }
        return result;
    }
}
