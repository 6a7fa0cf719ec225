using System.Collections.Concurrent;
using Prometheus;

namespace Pwmk.Observability.Metrics;

/// <summary>
/// The two-label children of one metric with a bound on their number: once <c>maxSeries</c> series exist,
/// a new combination has its user-supplied label values folded into <c>other</c>, and the overflow counter
/// (labelled with the metric name) counts each fold.
/// </summary>
internal sealed class BoundedFamily<TChild> where TChild : class
{
    public const string Other = "other";

    private readonly ConcurrentDictionary<(string, string), TChild> _children = new();
    private readonly Func<string, string, TChild> _create;
    private readonly Action<string, string>? _remove;
    private readonly bool _fold0, _fold1;
    private readonly int _maxSeries;
    private readonly Counter.Child _overflow;
    private readonly object _gate = new();

    public BoundedFamily(MetricSpec spec, int maxSeries, Counter overflow, Func<string, string, TChild> create, Action<string, string>? remove = null)
    {
        _create = create;
        _remove = remove;
        _fold0 = !MetricCatalog.IsFixedLabel(spec.Label0);
        _fold1 = !MetricCatalog.IsFixedLabel(spec.Label1);
        _maxSeries = maxSeries;
        _overflow = overflow.WithLabels(spec.Name);
    }

    /// <summary>Series currently held.</summary>
    public int Count => _children.Count;

    public TChild Get(string a, string b)
    {
        if (_children.TryGetValue((a, b), out var c)) return c;
        return GetSlow(Clean(a), Clean(b));
    }

    public void Remove(string a, string b)
    {
        lock (_gate)
        {
            if (_children.TryRemove((a, b), out _)) _remove?.Invoke(a, b);
        }
    }

    public IEnumerable<(string, string)> Keys => _children.Keys;

    private TChild GetSlow(string a, string b)
    {
        lock (_gate)
        {
            if (_children.TryGetValue((a, b), out var c)) return c;
            if (_children.Count >= _maxSeries)
            {
                _overflow.Inc();
                if (_fold0) a = Other;
                if (_fold1) b = Other;
                if (_children.TryGetValue((a, b), out c)) return c;
            }
            c = _create(a, b);
            _children[(a, b)] = c;
            return c;
        }
    }

    private static string Clean(string s) => string.IsNullOrEmpty(s) ? "unknown" : s;
}
