using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;

namespace Pwmk.Observability.Metrics;

/// <summary>
/// The BCL seam: listens to the instruments of Meter "Pwmk" (the domain's telemetry, see DESIGN.md; and the meters of
/// this host's <see cref="IMeterFactory"/>, not those of other hosts in the process) and records their measurements into
/// <see cref="PwmkMetrics"/>, except those made inside a <see cref="Health.ProbeScope"/>. Instruments named as a metric of <see cref="MetricCatalog"/> land
/// in that metric (labels taken from the tags of the same names; counts rounded to powers of two); other counters
/// become <c>pwmk_..._total</c> counters without labels. Observable gauges are read before each scrape, and series
/// they no longer report are removed.
/// </summary>
internal sealed class PwmkMeterBridge : IDisposable
{
    public const string MeterName = "Pwmk";

    private readonly MeterListener _listener = new();
    private readonly PwmkMetrics _metrics;
    private readonly IMetricFactory _factory;
    private readonly IMeterFactory? _scope;
    private readonly List<GaugeHandler> _observed = [];
    private readonly List<BucketBuffer> _buffers = [];
    private readonly ConcurrentDictionary<string, Counter> _extraCounters = new();
    private int _generation;
    private volatile bool _disposed;

    /// <param name="metrics">Where the measurements go.</param>
    /// <param name="factory">Makes the extra counters (instruments not in the catalog).</param>
    /// <param name="scope">The host's meter factory: its meters are bridged (besides the domain's own meter, which has no
    /// factory); meters of other factories (other hosts in the same process) are not.</param>
    public PwmkMeterBridge(PwmkMetrics metrics, IMetricFactory factory, IMeterFactory? scope = null)
    {
        _metrics = metrics;
        _factory = factory;
        _scope = scope;
        _listener.InstrumentPublished = OnPublished;
        _listener.SetMeasurementEventCallback<double>((i, v, tags, state) => Record((Handler)state!, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, state) => Record((Handler)state!, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, state) => Record((Handler)state!, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, state) => Record((Handler)state!, v, tags));
        _listener.Start();
        metrics.Registry.AddBeforeCollectCallback(CollectObservables);
    }

    private static void Record(Handler handler, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Health.ProbeScope.Active) return; // health probes do not feed the business families
        handler.Record(value, tags);
    }

    private void OnPublished(Instrument instrument, MeterListener listener)
    {
        if (instrument.Meter.Name != MeterName) return;
        if (instrument.Meter.Scope is not null && !ReferenceEquals(instrument.Meter.Scope, _scope)) return;
        var spec = MetricCatalog.All.FirstOrDefault(s => s.Name == instrument.Name);
        Handler? h = spec is not null
            ? spec.Kind switch
            {
                MetricKind.Histogram when FixedLabels(spec, instrument) is var (a, b) => FixedHistogram(spec, _metrics.Histograms(spec.Name).Get(a, b)),
                MetricKind.Histogram => new HistogramHandler(spec, _metrics.Histograms(spec.Name)),
                MetricKind.Counter => new CounterHandler(spec, _metrics.Counters(spec.Name)),
                _ => new GaugeHandler(spec, _metrics.Gauges(spec.Name), instrument.IsObservable),
            }
            : instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long>
                ? new ExtraCounterHandler(_extraCounters.GetOrAdd(instrument.Name, n =>
                    _factory.CreateCounter(CounterName(n), instrument.Description ?? n)), instrument.IsObservable)
                : null;
        if (h is null) return;
        if (h is GaugeHandler { Observable: true } g)
        {
            lock (_observed) _observed.Add(g);
        }
        listener.EnableMeasurementEvents(instrument, h);
    }

    private FixedHistogramHandler FixedHistogram(MetricSpec spec, Histogram.Child series)
    {
        var buffer = new BucketBuffer(series, spec.Buckets!);
        lock (_buffers) _buffers.Add(buffer);
        return new FixedHistogramHandler(series, buffer);
    }

    /// <summary>Both labels of the metric when the instrument carries them as its own tags (then every measurement lands in one series).</summary>
    private static (string, string)? FixedLabels(MetricSpec spec, Instrument instrument)
    {
        if (instrument.Tags is null) return null;
        KeyValuePair<string, object?>[] tags = [.. instrument.Tags];
        if (!tags.Any(t => t.Key == spec.Label0) || !tags.Any(t => t.Key == spec.Label1)) return null;
        return Handler.LabelsFor(spec, tags);
    }

    /// <summary><c>pwmk.perspective.events</c> becomes <c>pwmk_perspective_events_total</c>.</summary>
    internal static string CounterName(string instrument)
    {
        var chars = instrument.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (!char.IsAsciiLetterOrDigit(chars[i])) chars[i] = '_';
        var name = new string(chars);
        return name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";
    }

    private void CollectObservables()
    {
        if (_disposed) return;
        lock (_buffers)
        {
            foreach (var b in _buffers) b.Drain();
        }
        lock (_observed)
        {
            int gen = ++_generation;
            foreach (var g in _observed) g.Generation = gen;
            _listener.RecordObservableInstruments();
            foreach (var g in _observed) g.Sweep(gen);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }

    private abstract class Handler(MetricSpec? spec)
    {
        public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        protected (string, string) Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags) => LabelsFor(spec!, tags);

        public static (string, string) LabelsFor(MetricSpec spec, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string a = "unknown", b = "unknown";
            foreach (var t in tags)
            {
                if (t.Key == spec.Label0) a = Text(spec.Label0, t.Value);
                else if (t.Key == spec.Label1) b = Text(spec.Label1, t.Value);
            }
            return (a, b);
        }

        private static string Text(string label, object? value) => value switch
        {
            null => "unknown",
            string s => s,
            bool x => x ? "true" : "false",
            int n when MetricCatalog.IsNumericLabel(label) => MetricCatalog.PowerOfTwoLabel(n),
            long n when MetricCatalog.IsNumericLabel(label) => MetricCatalog.PowerOfTwoLabel(n),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "unknown",
        };
    }

    /// <summary>
    /// The last child used and the tag value objects that chose it: a hot path that passes the same (interned or
    /// cached boxed) values each time skips label formatting and the family lookup. Children of histograms and
    /// counters are never removed, so a cached child stays valid.
    /// </summary>
    private sealed record LastChild<T>(object? Value0, object? Value1, T Child);

    private abstract class CachingHandler<T>(MetricSpec metric, BoundedFamily<T> family) : Handler(metric)
        where T : class
    {
        private readonly string _label0 = metric.Label0, _label1 = metric.Label1;
        private LastChild<T>? _last;

        protected T Child(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            object? v0 = null, v1 = null;
            foreach (var t in tags)
            {
                if (t.Key == _label0) v0 = t.Value;
                else if (t.Key == _label1) v1 = t.Value;
            }
            var last = _last;
            if (last is not null && ReferenceEquals(last.Value0, v0) && ReferenceEquals(last.Value1, v1)) return last.Child;
            var (a, b) = Labels(tags);
            var child = family.Get(a, b);
            _last = new LastChild<T>(v0, v1, child);
            return child;
        }
    }

    private sealed class HistogramHandler(MetricSpec spec, BoundedFamily<Histogram.Child> family) : CachingHandler<Histogram.Child>(spec, family)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Observe(Child(tags), value);
    }

    /// <summary>
    /// Observes with the trace-context exemplar when a span is active, and skips the exemplar provider otherwise (it
    /// would find no span and make no exemplar, at a third of an observation's cost).
    /// </summary>
    private static void Observe(Histogram.Child child, double value)
    {
        if (System.Diagnostics.Activity.Current is null) child.Observe(value, Exemplar.None);
        else child.Observe(value);
    }

    /// <summary>
    /// An instrument whose tags name its series (the domain's hot paths): a measurement made inside a span goes to the
    /// series with its exemplar, any other to the series' <see cref="BucketBuffer"/>, drained before each scrape.
    /// </summary>
    private sealed class FixedHistogramHandler(Histogram.Child series, BucketBuffer buffer) : Handler(null)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (System.Diagnostics.Activity.Current is null) buffer.Observe(value);
            else series.Observe(value);
        }
    }

    private sealed class CounterHandler(MetricSpec spec, BoundedFamily<Counter.Child> family) : CachingHandler<Counter.Child>(spec, family)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (value > 0) Child(tags).Inc(value);
        }
    }

    private sealed class GaugeHandler(MetricSpec spec, BoundedFamily<Gauge.Child> family, bool observable) : Handler(spec)
    {
        private readonly ConcurrentDictionary<(string, string), int> _seen = new();
        public bool Observable { get; } = observable;
        public int Generation { get; set; }

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var (a, b) = Labels(tags);
            family.Get(a, b).Set(value);
            if (Observable) _seen[(a, b)] = Generation;
        }

        /// <summary>Removes the series the instrument reported before but not in this collection.</summary>
        public void Sweep(int generation)
        {
            foreach (var (key, gen) in _seen)
            {
                if (gen == generation) continue;
                _seen.TryRemove(key, out _);
                family.Remove(key.Item1, key.Item2);
            }
        }
    }

    private sealed class ExtraCounterHandler(Counter counter, bool observable) : Handler(null)
    {
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (observable) counter.IncTo(value);
            else if (value > 0) counter.Inc(value);
        }
    }
}
