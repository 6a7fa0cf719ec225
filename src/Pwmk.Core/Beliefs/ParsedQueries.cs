using System.Collections.Concurrent;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>
/// Query texts already read and checked, with their goal and reported variables: the same text (exactly) is not read
/// again. One per state of the store: its engine's operators, which the reading depends on, never change once the state
/// is published (a consult builds a new state). A parsed goal is never changed by running it (each run gives its variables
/// cells of its own), so one goal serves every run on every thread. Bounded: only short texts are kept, at most
/// <see cref="MaxEntries"/> at a time (a new table replaces a full one). A hit writes nothing shared: what a read
/// allocates is work for the collector every core shares, and point queries repeat.
/// </summary>
internal sealed class ParsedQueries
{
    /// <summary>Longest text kept (point queries are short; a long text costs more to run than to read).</summary>
    public const int MaxTextLength = 256;

    /// <summary>Texts kept at most at a time.</summary>
    public const int MaxEntries = 1024;

    internal sealed record Entry(Term Goal, IReadOnlyList<KeyValuePair<string, Variable>> Names);

    private volatile ConcurrentDictionary<string, Entry> _map = new(StringComparer.Ordinal);
    private int _added;

    /// <summary>The goal read from <paramref name="text"/>, when kept.</summary>
    public Entry? Find(string text) => text.Length <= MaxTextLength && _map.TryGetValue(text, out var e) ? e : null;

    /// <summary>Keeps a goal read and checked without error (texts too long are not kept).</summary>
    public void Keep(string text, Entry entry)
    {
        if (text.Length > MaxTextLength) return;
        if (Interlocked.Increment(ref _added) > MaxEntries)
        {
            _map = new ConcurrentDictionary<string, Entry>(StringComparer.Ordinal);
            Volatile.Write(ref _added, 1);
        }
        _map[text] = entry;
    }

    /// <summary>Texts kept now.</summary>
    internal int Count => _map.Count;
}
