using System.Diagnostics;
using Prometheus;

namespace Pwmk.Observability.Metrics;

/// <summary>
/// The hot-path front of one histogram series: an observation made outside a span adds its value to its bucket's
/// count and sum (two interlocked operations, no prometheus-net call), and <see cref="Drain"/> moves what piled up
/// into the series before each scrape as one pre-aggregated observation per bucket: the mean of the bucket's values,
/// which lies in the bucket, times their count. Counts per bucket are exact and the sum is the sum of the values.
/// </summary>
/// <remarks>
/// A writer adds the value to the sum before it counts it, and a drain takes the count before the sum; a drain that
/// meets an observation half made sees its value without its count, keeps that value as a carry and adds it to the
/// next drain of the same bucket, where its count arrives. Values that are not finite go to the series directly.
/// </remarks>
internal sealed class BucketBuffer
{
    private readonly Histogram.Child _series;
    private readonly double[] _bounds;   // upper bounds as prometheus-net uses them (value <= bound), +Inf last
    private readonly long[] _counts;
    private readonly double[] _sums;
    private readonly double[] _carry;    // touched by drains only, under the lock

    public BucketBuffer(Histogram.Child series, double[] upperBounds)
    {
        _series = series;
        _bounds = [.. upperBounds.Where(double.IsFinite), double.PositiveInfinity];
        _counts = new long[_bounds.Length];
        _sums = new double[_bounds.Length];
        _carry = new double[_bounds.Length];
    }

    /// <summary>Records one observation.</summary>
    public void Observe(double value)
    {
        if (!double.IsFinite(value))
        {
            _series.Observe(value, Exemplar.None);
            return;
        }
        var bounds = _bounds;
        int i = 0;
        while (value > bounds[i]) i++;   // the last bound is +Inf, so this stops
        double seen = Volatile.Read(ref _sums[i]);
        while (true)
        {
            double before = Interlocked.CompareExchange(ref _sums[i], seen + value, seen);
            if (before.Equals(seen)) break;
            seen = before;
        }
        Interlocked.Increment(ref _counts[i]);
    }

    /// <summary>Moves the observations made since the last drain into the series.</summary>
    public void Drain()
    {
        lock (_carry)
        {
            // the pre-aggregated observations are not the scrape's: keep its span (if any) out of their exemplars
            var scrape = Activity.Current;
            Activity.Current = null;
            try
            {
                for (int i = 0; i < _bounds.Length; i++)
                {
                    long count = Interlocked.Exchange(ref _counts[i], 0);
                    double sum = Interlocked.Exchange(ref _sums[i], 0) + _carry[i];
                    if (count == 0)
                    {
                        _carry[i] = sum;
                        continue;
                    }
                    double lower = i == 0 ? double.NegativeInfinity : _bounds[i - 1];
                    double mean = Math.Clamp(sum / count, Math.BitIncrement(lower), _bounds[i]);
                    _series.Observe(mean, count);
                    _carry[i] = sum - mean * count;
                }
            }
            finally
            {
                Activity.Current = scrape;
            }
        }
    }
}
