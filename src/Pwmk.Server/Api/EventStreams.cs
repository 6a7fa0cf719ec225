using System.Net;

namespace Pwmk.Server.Api;

/// <summary>
/// The Server-Sent Events streams open now, capped in total and per client address, and the one snapshot they all send:
/// made at most once per interval however many streams there are (a snapshot renders the world and every agent's view).
/// </summary>
internal sealed class EventStreams(int maxTotal, int maxPerClient, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _total;
    private byte[]? _snapshot;
    private long _madeAt;
    private readonly SemaphoreSlim _making = new(1, 1);

    public int Open { get { lock (_lock) return _total; } }

    /// <summary>Opens a stream for <paramref name="client"/>; null when one of the caps is reached, else the reason in <paramref name="refusal"/>.</summary>
    public bool TryOpen(IPAddress? client, out string refusal)
    {
        string key = client?.ToString() ?? "unknown";
        lock (_lock)
        {
            if (_total >= maxTotal)
            {
                refusal = $"{maxTotal} event streams are open, as many as the server allows; retry later (or poll /api/snapshot).";
                return false;
            }
            _perClient.TryGetValue(key, out int n);
            if (n >= maxPerClient)
            {
                refusal = $"This client already holds {maxPerClient} event streams, as many as one client may; close one first.";
                return false;
            }
            _perClient[key] = n + 1;
            _total++;
        }
        refusal = "";
        return true;
    }

    public void Close(IPAddress? client)
    {
        string key = client?.ToString() ?? "unknown";
        lock (_lock)
        {
            _total--;
            if (_perClient.TryGetValue(key, out int n) && n > 1) _perClient[key] = n - 1;
            else _perClient.Remove(key);
        }
    }

    /// <summary>The current snapshot as SSE bytes, made anew by <paramref name="make"/> when the last one is older than <paramref name="maxAge"/>.</summary>
    public ValueTask<byte[]> SnapshotAsync(Func<byte[]> make, TimeSpan maxAge, CancellationToken cancel) =>
        SnapshotAsync(() => new ValueTask<byte[]>(make()), maxAge, cancel);

    /// <summary>The current snapshot as SSE bytes, made anew by <paramref name="make"/> when the last one is older than <paramref name="maxAge"/>.</summary>
    public async ValueTask<byte[]> SnapshotAsync(Func<ValueTask<byte[]>> make, TimeSpan maxAge, CancellationToken cancel)
    {
        var s = Volatile.Read(ref _snapshot);
        if (s is not null && _time.GetElapsedTime(Volatile.Read(ref _madeAt)) < maxAge) return s;
        await _making.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            s = _snapshot;
            if (s is not null && _time.GetElapsedTime(_madeAt) < maxAge) return s;
            s = await make().ConfigureAwait(false);
            Volatile.Write(ref _madeAt, _time.GetTimestamp());
            Volatile.Write(ref _snapshot, s);
            return s;
        }
        finally
        {
            _making.Release();
        }
    }
}
