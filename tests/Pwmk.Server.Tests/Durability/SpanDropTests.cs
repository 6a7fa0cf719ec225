using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Pwmk.Server.Tests.Durability;

/// <summary>
/// The OTLP collector down (connection refused) or silent (accepts, never answers): the real server keeps answering
/// promptly, and the spans that never reach the collector are counted on <c>/metrics</c>.
/// </summary>
public sealed class SpanDropTests : IDisposable
{
    private readonly SilentCollector _silent = new();

    [Theory]
    [InlineData("silent", "grpc", "queue_full")]
    [InlineData("silent", "http/protobuf", "queue_full")]
    [InlineData("down", "grpc", "export_failed")]
    [InlineData("down", "http/protobuf", "export_failed")]
    public async Task Lost_spans_are_counted_on_metrics_and_requests_do_not_wait_for_the_collector(string fault, string protocol, string reason)
    {
        int port = fault == "silent" ? _silent.Port : Loopback.FreePort();
        await using var s = await ServerFixture.StartAsync(new()
        {
            ["Observability:OtlpEndpoint"] = $"http://127.0.0.1:{port}",
            ["Observability:OtlpProtocol"] = protocol,
            ["Observability:SpanQueueSize"] = "16",
            ["Observability:SpanBatchSize"] = "8",
            ["Observability:SpanExportDelayMs"] = "20",
            ["Observability:OtlpTimeoutMs"] = "3000",
            ["Observability:LogLevel"] = "Critical",
        });
        // the ActivitySource is process-wide: spans of tests running alongside may be counted too, so compare with a baseline
        double baseline = Counter(await Scrape(s), "pwmk_otel_spans_dropped_total", reason);

        var slowest = TimeSpan.Zero;
        var all = Stopwatch.StartNew();
        for (int i = 0; i < 200; i++)
        {
            var sw = Stopwatch.StartNew();
            var r = await s.PostJson("/api/beliefs/query", new { query = "believes(anne, X)" });
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            if (sw.Elapsed > slowest) slowest = sw.Elapsed;
        }
        // 200 spans-producing queries take well under a second; a request waiting on the 3 s export timeout would show
        Assert.True(slowest < TimeSpan.FromSeconds(1.5), $"slowest request {slowest.TotalMilliseconds:F0} ms: requests wait for the collector");
        Assert.True(all.Elapsed < TimeSpan.FromSeconds(8), $"200 requests took {all.Elapsed.TotalSeconds:F1} s");

        double dropped = 0;
        await ServerFixture.Eventually(async () => (dropped = Counter(await Scrape(s), "pwmk_otel_spans_dropped_total", reason) - baseline) > 0, seconds: 8);
        var text = await Scrape(s);
        Assert.Equal(0, Counter(text, "pwmk_otel_spans_exported_total", null));
        if (fault == "silent")
            Assert.True(dropped >= 200 - 16 - 8, $"only {dropped} spans counted dropped out of 400 with a queue of 16");
    }

    private static async Task<string> Scrape(ServerFixture s)
    {
        var r = await s.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return await r.Content.ReadAsStringAsync();
    }

    private static double Counter(string scrape, string name, string? reason)
    {
        string series = reason is null ? name : $"{name}{{reason=\"{reason}\"}}";
        foreach (var line in scrape.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..].Split(' ')[0], CultureInfo.InvariantCulture);
        return reason is null ? double.NaN : 0;
    }

    public void Dispose() => _silent.Dispose();
}
