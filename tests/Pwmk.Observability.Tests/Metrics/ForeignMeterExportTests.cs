using System.Diagnostics.Metrics;
using Pwmk.Observability.Metrics;

namespace Pwmk.Observability.Tests.Metrics;

/// <summary>Another library's meter (as Orleans' Microsoft.Orleans) on /metrics, named and labelled as its instruments are.</summary>
public class ForeignMeterExportTests
{
    [Fact]
    public async Task Counters_gauges_and_histograms_of_the_meter_are_scraped_with_their_tags_and_others_are_not()
    {
        string meterName = "Test.Foreign." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName);
        using var other = new Meter("Test.Other." + Guid.NewGuid().ToString("N"));
        var sent = meter.CreateCounter<long>("orleans-messaging-sent");
        int activations = 3;
        meter.CreateObservableGauge("orleans-catalog-activations", () => new Measurement<int>(activations, new KeyValuePair<string, object?>("type", "belief")));
        var latency = meter.CreateHistogram<double>("orleans-app-requests-latency", unit: "ms");
        var unseen = other.CreateCounter<long>("not-exported");
        using var metrics = new PwmkMetrics();
        using (metrics.ExportMeter(meterName))
        {
            sent.Add(2, new KeyValuePair<string, object?>("direction", "out"));
            sent.Add(5, new KeyValuePair<string, object?>("direction", "out"));
            latency.Record(3.0);
            unseen.Add(1);
            var scrape = await metrics.ScrapeAsync();
            Assert.Equal(7, PwmkMetricsTests.Value(scrape, "orleans_messaging_sent_total{direction=\"out\"}"));
            Assert.Equal(3, PwmkMetricsTests.Value(scrape, "orleans_catalog_activations{type=\"belief\"}"));
            Assert.Equal(1, PwmkMetricsTests.Value(scrape, "orleans_app_requests_latency_count"));
            Assert.DoesNotContain("not_exported", scrape, StringComparison.Ordinal);
            activations = 4; // an observable instrument is read at each scrape
            Assert.Equal(4, PwmkMetricsTests.Value(await metrics.ScrapeAsync(), "orleans_catalog_activations{type=\"belief\"}"));
        }
        sent.Add(100, new KeyValuePair<string, object?>("direction", "out"));
        Assert.Equal(7, PwmkMetricsTests.Value(await metrics.ScrapeAsync(), "orleans_messaging_sent_total{direction=\"out\"}"));
    }
}
