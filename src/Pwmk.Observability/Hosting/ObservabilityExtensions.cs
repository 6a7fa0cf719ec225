using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
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
/// app.UsePwmkObservability();                                      // request context and request lines in logs (first)
/// app.MapPwmkObservability();                                      // /metrics, /health, /ready, /live
/// </code>
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>
    /// Registers <see cref="PwmkMetrics"/> (singleton, bridging Meter "Pwmk" and the host's meters), the health checks
    /// <c>planning_engine</c> and <c>environments</c> and the readiness check <c>state_directory_writable</c> (hosts add
    /// their own with <see cref="PwmkHealthChecks.AddTimedCheck(IHealthChecksBuilder, string, Func{IServiceProvider, IHealthCheck}, TimeSpan?, bool)"/>),
    /// structured logging and, when spans are exported (an OTLP endpoint is configured, or the console exporter asked for),
    /// OpenTelemetry tracing of ActivitySource "Pwmk" and ASP.NET Core requests (parent-based ratio sampling; the batch exporter's bounded queue drops spans
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
        services.AddMetrics();
        services.AddSingleton(sp => new PwmkMetrics(options: new PwmkMetricsOptions { MaxSeriesPerMetric = o.MaxSeriesPerMetric },
            meters: sp.GetRequiredService<IMeterFactory>()));
        AddLogs(services, o);
        services.AddHealthChecks()
            .AddTimedCheck("planning_engine", _ => new PlanningEngineHealthCheck())
            .AddTimedCheck("environments", _ => new EnvironmentsHealthCheck())
            .AddTimedCheck("state_directory_writable", _ => new StateDirectoryHealthCheck(o.StateDirectory ?? Path.Combine(Path.GetTempPath(), "pwmk-state")),
                readinessOnly: true);

        string? endpoint = o.OtlpEndpoint ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        string protocol = o.OtlpProtocol ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "grpc";
        double ratio = o.SamplingRatio ?? (double.TryParse(Environment.GetEnvironmentVariable("OTEL_TRACES_SAMPLER_ARG"), NumberStyles.Float,
            CultureInfo.InvariantCulture, out var r) ? r : 1.0);
        string service = o.ServiceName ?? Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "pwmk";
        // no exporter, no tracer: spans nobody receives are not sampled, recorded and dropped on every request (an
        // ActivityListener of the process's own, e.g. a test's, still sees every span of "Pwmk" and ASP.NET Core)
        o.TracesExported = !string.IsNullOrEmpty(endpoint) || o.ConsoleExporter;
        if (!o.TracesExported) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(res => res.AddService(service))
            .WithTracing(t =>
            {
                // one trace per request; scrapes and probes make none
                t.AddSource(PwmkTracing.SourceName)
                    .AddAspNetCoreInstrumentation(a => a.Filter = ctx => !IsProbe(ctx.Request.Path))
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(ratio, 0, 1))));
                if (!string.IsNullOrEmpty(endpoint))
                {
                    var exporterOptions = OtlpOptions(endpoint, protocol, o.OtlpTimeoutMs);
                    t.AddProcessor(sp => new CountingSpanExportProcessor(new OtlpTraceExporter(exporterOptions),
                        sp.GetRequiredService<PwmkMetrics>().SpanExport, o.SpanQueueSize, o.SpanBatchSize, TimeSpan.FromMilliseconds(o.SpanExportDelayMs)));
                }
                // spans on the console: JSON log lines in the structured format (stdout stays one JSON object per line)
                if (o.ConsoleExporter && o.LogFormat == LogFormat.Structured)
                    t.AddProcessor(sp => new SpanLogProcessor(sp.GetRequiredService<ILoggerFactory>().CreateLogger("Pwmk.Traces")));
                else if (o.ConsoleExporter) t.AddConsoleExporter();
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

    /// <summary>
    /// Logging: the console logger with the formatter of <see cref="PwmkObservabilityOptions.LogFormat"/>, PWMK's own lines
    /// from <see cref="PwmkObservabilityOptions.LogLevel"/> on, the framework's from Warning (all of them at <c>trace</c>),
    /// and, at <c>debug</c> and <c>trace</c>, one line per request (ASP.NET Core's HTTP logging: method, path, status and
    /// duration). Not at the default <c>information</c>: a line per request took a third of the server's CPU time on
    /// point queries (docs/PERFORMANCE.md), all of it through the console logger's one queue and writer thread.
    /// </summary>
    private static void AddLogs(IServiceCollection services, PwmkObservabilityOptions o)
    {
        var level = o.LogLevel;
        var framework = level == LogLevel.Trace ? LogLevel.Trace : (LogLevel)Math.Max((int)level, (int)LogLevel.Warning);
        services.AddLogging(b =>
        {
            b.ClearProviders();
            b.AddConsole(c => c.FormatterName = o.LogFormat == LogFormat.Structured ? PwmkJsonFormatter.Name : PwmkPlainFormatter.Name);
            b.AddConsoleFormatter<PwmkJsonFormatter, ConsoleFormatterOptions>();
            b.AddConsoleFormatter<PwmkPlainFormatter, ConsoleFormatterOptions>();
            // rules in code, added after the configuration's: the --log-level flag decides (a configured default cannot mask it)
            b.SetMinimumLevel(level);
            b.AddFilter((string?)null, level);
            b.AddFilter("Microsoft", framework);
            b.AddFilter("System", framework);
            b.AddFilter("Microsoft.Hosting.Lifetime", level);
            b.AddFilter("Microsoft.AspNetCore.HttpLogging", level <= LogLevel.Debug ? level : (LogLevel)Math.Max((int)level, (int)LogLevel.Warning));
        });
        services.AddHttpLogging(h =>
        {
            h.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.ResponseStatusCode
                | HttpLoggingFields.Duration;
            h.CombineLogs = true;
        });
    }

    /// <summary>Scrapes and probes: no trace, no request log line.</summary>
    private static bool IsProbe(PathString path) => path == "/metrics" || path == "/health" || path == "/ready" || path == "/live";

    /// <summary>
    /// Opens each request's <see cref="LogContext"/> (<c>request_id</c>: the <c>X-Request-Id</c> header, else the trace
    /// identifier; endpoints add the agent or session they serve) around everything after it, and, at <c>debug</c> and
    /// <c>trace</c>, logs one line per request (not for scrapes and probes).
    /// </summary>
    public static IApplicationBuilder UsePwmkObservability(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var log = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Pwmk.Requests");
        app.Use(async (ctx, next) =>
        {
            string id = ctx.Request.Headers.TryGetValue("X-Request-Id", out var h) && h.Count > 0 && h[0]!.Length is > 0 and <= 128 ? h[0]! : ctx.TraceIdentifier;
            var context = new LogContext { RequestId = id };
            ctx.Features.Set(context);
            using (log.BeginScope(context))
            {
                await next(ctx).ConfigureAwait(false);
            }
        });
        // the request lines' middleware only where its lines are written (debug and trace)
        var requests = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware");
        if (requests.IsEnabled(LogLevel.Information))
            app.UseWhen(ctx => !IsProbe(ctx.Request.Path), branch => branch.UseHttpLogging());
        return app;
    }

    /// <summary>
    /// Maps <c>/metrics</c> (Prometheus text, or OpenMetrics with exemplars when the scraper asks for it),
    /// <c>/health</c> (200 or 503 with the component checks), <c>/ready</c> (200 or 503: the checks and readiness) and
    /// <c>/live</c> (always 200).
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
        var codes = new Dictionary<HealthStatus, int>
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        };
        endpoints.MapHealthChecks("/health", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(PwmkHealthChecks.HealthTag),
            ResponseWriter = PwmkHealthChecks.WriteHealth,
            ResultStatusCodes = codes,
        });
        endpoints.MapHealthChecks("/ready", new HealthCheckOptions
        {
            ResponseWriter = PwmkHealthChecks.WriteReady,
            ResultStatusCodes = codes,
        });
        endpoints.MapGet("/live", () => Results.Text("{\"status\":\"alive\"}", "application/json", System.Text.Encoding.UTF8, 200));
        return endpoints;
    }
}
