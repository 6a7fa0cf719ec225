using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;
using Pwmk.Observability.Health;
using Pwmk.Observability.Logging;
using Pwmk.Observability.Metrics;
using Pwmk.Observability.Tracing;

namespace Pwmk.Observability.Hosting;

/// <summary>
/// Wiring for an ASP.NET Core host:
/// <code>
/// builder.Services.AddPwmkObservability(builder.Configuration);   // metrics, traces, logs, health
/// var app = builder.Build();
/// app.UsePwmkObservability();                                      // request context for logs
/// app.MapPwmkObservability();                                      // /metrics, /health, /ready, /live
/// </code>
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>
    /// Registers <see cref="PwmkMetrics"/> (singleton, bridging Meter "Pwmk"), <see cref="PwmkHealth"/>, structured
    /// logging and OpenTelemetry tracing of ActivitySource "Pwmk" and ASP.NET Core requests (OTLP when an endpoint is
    /// configured, console when asked; parent-based ratio sampling; the batch exporter's bounded queue drops spans
    /// rather than blocking when the collector is slow or unreachable, and counts what it drops on
    /// <c>pwmk_otel_spans_dropped_total</c>).
    /// </summary>
    public static IServiceCollection AddPwmkObservability(this IServiceCollection services, IConfiguration? configuration = null,
        Action<PwmkObservabilityOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var o = new PwmkObservabilityOptions();
        configuration?.GetSection("Observability").Bind(o);
        configure?.Invoke(o);
        services.AddSingleton(o);
        services.AddSingleton(_ => new PwmkMetrics(options: new PwmkMetricsOptions { MaxSeriesPerMetric = o.MaxSeriesPerMetric }));
        services.AddSingleton(_ => new PwmkHealth(TimeSpan.FromSeconds(o.HealthTimeoutSeconds), o.StateDirectory));
        services.AddLogging(b =>
        {
            b.ClearProviders();
            b.SetMinimumLevel(o.LogLevel);
            b.AddProvider(new PwmkLoggerProvider(o.LogFormat, o.LogLevel));
        });

        string? endpoint = o.OtlpEndpoint ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        string protocol = o.OtlpProtocol ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "grpc";
        double ratio = o.SamplingRatio ?? (double.TryParse(Environment.GetEnvironmentVariable("OTEL_TRACES_SAMPLER_ARG"), NumberStyles.Float,
            CultureInfo.InvariantCulture, out var r) ? r : 1.0);
        string service = o.ServiceName ?? Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "pwmk";
        services.AddOpenTelemetry()
            .ConfigureResource(res => res.AddService(service))
            .WithTracing(t =>
            {
                t.AddSource(PwmkTracing.SourceName)
                    .AddAspNetCoreInstrumentation(a => a.Filter = ctx => ctx.Request.Path != "/metrics")
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(ratio, 0, 1))));
                if (!string.IsNullOrEmpty(endpoint))
                {
                    var exporterOptions = OtlpOptions(endpoint, protocol, o.OtlpTimeoutMs);
                    t.AddProcessor(sp => new CountingSpanExportProcessor(new OtlpTraceExporter(exporterOptions),
                        sp.GetRequiredService<PwmkMetrics>().SpanExport, o.SpanQueueSize, o.SpanBatchSize, TimeSpan.FromMilliseconds(o.SpanExportDelayMs)));
                }
                if (o.ConsoleExporter) t.AddConsoleExporter();
            });
        return services;
    }

    /// <summary>
    /// The OTLP exporter's settings; for <c>http/protobuf</c> an endpoint without a path gets the traces path
    /// <c>/v1/traces</c>, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> does.
    /// </summary>
    internal static OtlpExporterOptions OtlpOptions(string endpoint, string protocol, int timeoutMs)
    {
        bool http = protocol.StartsWith("http", StringComparison.OrdinalIgnoreCase);
        var uri = new Uri(endpoint);
        if (http && uri.AbsolutePath is "" or "/") uri = new Uri(uri, "/v1/traces");
        return new OtlpExporterOptions
        {
            Endpoint = uri,
            Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc,
            TimeoutMilliseconds = Math.Max(1, timeoutMs),
        };
    }

    /// <summary>Sets <c>request_id</c> (the <c>X-Request-Id</c> header or the trace identifier) on every log line of a request.</summary>
    public static IApplicationBuilder UsePwmkObservability(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (ctx, next) =>
        {
            string id = ctx.Request.Headers.TryGetValue("X-Request-Id", out var h) && h.Count > 0 && h[0]!.Length <= 128 ? h[0]! : ctx.TraceIdentifier;
            using (LogContext.Push(requestId: id))
            {
                await next(ctx).ConfigureAwait(false);
            }
        });
    }

    /// <summary>
    /// Maps <c>/metrics</c> (Prometheus text, or OpenMetrics with exemplars when the scraper asks for it),
    /// <c>/health</c> (200 or 503 with the checks), <c>/ready</c> (200 or 503) and <c>/live</c> (always 200).
    /// </summary>
    public static IEndpointRouteBuilder MapPwmkObservability(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var metrics = endpoints.ServiceProvider.GetRequiredService<PwmkMetrics>();
        endpoints.MapMetrics(s =>
        {
            s.Registry = metrics.Registry;
            s.EnableOpenMetrics = true;
        }, "/metrics");
        endpoints.MapGet("/health", async (PwmkHealth health, CancellationToken ct) =>
        {
            var (ok, body) = await health.CheckAsync(ct).ConfigureAwait(false);
            return Json(body, ok ? 200 : 503);
        });
        endpoints.MapGet("/ready", async (PwmkHealth health, CancellationToken ct) =>
        {
            var (ok, body) = await health.ReadyAsync(ct).ConfigureAwait(false);
            return Json(body, ok ? 200 : 503);
        });
        endpoints.MapGet("/live", () => Json(new JsonObject { ["status"] = "alive" }, 200));
        return endpoints;
    }

    private static IResult Json(JsonObject body, int status) =>
        Results.Text(body.ToJsonString(), "application/json", System.Text.Encoding.UTF8, status);
}
