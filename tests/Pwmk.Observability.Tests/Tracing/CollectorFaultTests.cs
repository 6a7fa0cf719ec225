using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Pwmk.Observability.Hosting;

namespace Pwmk.Observability.Tests.Tracing;

/// <summary>An OTLP collector that is down, or accepts connections and never answers, must not block the application.</summary>
public sealed class CollectorFaultTests : IDisposable
{
    private readonly SilentCollector _silent = new();

    [Theory]
    [InlineData("down", "grpc")]
    [InlineData("down", "http/protobuf")]
    [InlineData("silent", "grpc")]
    [InlineData("silent", "http/protobuf")]
    public void Spans_keep_flowing_and_memory_stays_bounded_when_the_collector_is_down_or_silent(string fault, string protocol)
    {
        int port = fault == "down" ? Loopback.FreePort() : _silent.Port;
        var services = new ServiceCollection();
        services.AddPwmkObservability(null, o =>
        {
            o.OtlpEndpoint = $"http://127.0.0.1:{port}";
            o.OtlpProtocol = protocol;
            o.LogLevel = Microsoft.Extensions.Logging.LogLevel.Critical;
        });
        using var provider = services.BuildServiceProvider();
        var tracer = provider.GetRequiredService<TracerProvider>();
        using var source = new ActivitySource(Pwmk.Observability.Tracing.PwmkTracing.SourceName);
        var store = Workload.Beliefs();

        // warm up, then 40 rounds of 5,000 spans each: far more than the exporter's queue (2,048) can hold
        for (int i = 0; i < 1000; i++) store.Holds("believes(sally, at(marble, basket))");
        GC.Collect();
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        var slowest = TimeSpan.Zero;
        for (int round = 0; round < 40; round++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 5000; i++)
            {
                using var a = source.StartActivity("belief_query");
                a?.SetTag("round", round);
            }
            if (sw.Elapsed > slowest) slowest = sw.Elapsed;
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);

        // 5,000 spans take milliseconds; an exporter that blocked producers would hold a round for its 5 s timeout
        Assert.True(slowest < TimeSpan.FromSeconds(3), $"a round of 5,000 spans took {slowest.TotalMilliseconds:F0} ms: the exporter blocks");
        // 200,000 spans are produced; a bounded queue keeps at most a few thousand alive
        Assert.True(after - baseline < 64L * 1024 * 1024, $"managed memory grew by {(after - baseline) / 1048576} MiB");
        var shutdown = Stopwatch.StartNew();
        tracer.Shutdown(timeoutMilliseconds: 2000);
        Assert.True(shutdown.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {shutdown.Elapsed.TotalSeconds:F1} s");
        GC.KeepAlive(store);
    }

    public void Dispose() => _silent.Dispose();
}
