using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Pwmk.Observability.Metrics;

/// <summary>
/// Exports every instrument of another library's meter (such as Orleans' <c>Microsoft.Orleans</c>) as it is, beside PWMK's
/// own metrics: the instrument's name with <c>.</c> and <c>-</c> made <c>_</c> (<c>orleans-catalog-activations</c> becomes
/// <c>orleans_catalog_activations</c>; counters end in <c>_total</c>), its tags as labels. Counters are counters, gauges and
/// up-down counters gauges, histograms histograms (exponential buckets from 0.25, in the instrument's unit). Observable
/// instruments are read before each scrape. A measurement whose tag names differ from the first one's is not exported.
/// </summary>
internal sealed class ForeignMeterExport : IDisposable
{
    private static readonly double[] s_buckets = Histogram.ExponentialBuckets(0.25, 2, 18);
    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly ConcurrentDictionary<Instrument, Series?> _series = new();
    private volatile bool _disposed;

    public ForeignMeterExport(CollectorRegistry registry, string meterName)
    {
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == meterName) l.EnableMeasurementEvents(i);
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<short>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<byte>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
        registry.AddBeforeCollectCallback(() =>
        {
            if (!_disposed) _listener.RecordObservableInstruments();
        });
    }

    /// <summary><c>orleans-catalog-activations</c> becomes <c>orleans_catalog_activations</c>.</summary>
    internal static string Name(string instrument) => string.Create(instrument.Length, instrument, (span, s) =>
    {
        for (int i = 0; i < s.Length; i++) span[i] = char.IsAsciiLetterOrDigit(s[i]) ? char.ToLowerInvariant(s[i]) : '_';
    });

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string[] names = new string[tags.Length];
        for (int i = 0; i < tags.Length; i++) names[i] = tags[i].Key;
        var series = _series.GetOrAdd(instrument, i => Create(i, names));
        if (series is null || !series.Matches(tags)) return;
        string[] values = series.Values(tags);
        switch (series.Metric)
        {
            case Counter c when instrument.IsObservable: c.WithLabels(values).IncTo(value); break;
            case Counter c: c.WithLabels(values).Inc(Math.Max(0, value)); break;
            case Gauge g when instrument.IsObservable: g.WithLabels(values).Set(value); break;
            case Gauge g: g.WithLabels(values).Inc(value); break;
            case Histogram h: h.WithLabels(values).Observe(value); break;
        }
    }

    private Series? Create(Instrument instrument, string[] tagNames)
    {
        string name = Name(instrument.Name);
        string[] labels = [.. tagNames.Select(Name)];
        if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Length) return null;
        string help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        if (!string.IsNullOrEmpty(instrument.Unit)) help += $" ({instrument.Unit})";
        try
        {
            Collector metric = instrument switch
            {
                Counter<long> or Counter<int> or Counter<double> or Counter<float> or Counter<short> or Counter<byte>
                    or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> or ObservableCounter<float>
                    => _factory.CreateCounter(name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total", help, labels),
                Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float>
                    => _factory.CreateHistogram(name, help, labels, new HistogramConfiguration { Buckets = s_buckets }),
                _ => _factory.CreateGauge(name, help, labels),
            };
            return new Series(metric, tagNames);
        }
        catch (InvalidOperationException)
        {
            return null; // a name already used with other labels or another type: left out rather than failing the scrape
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private sealed record Series(Collector Metric, string[] TagNames)
    {
        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != TagNames.Length) return false;
            for (int i = 0; i < tags.Length; i++)
                if (tags[i].Key != TagNames[i]) return false;
            return true;
        }

        public string[] Values(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var values = new string[tags.Length];
            for (int i = 0; i < tags.Length; i++) values[i] = tags[i].Value?.ToString() ?? "";
            return values;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }
}
