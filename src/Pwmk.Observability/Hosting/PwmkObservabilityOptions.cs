using Microsoft.Extensions.Logging;
using Pwmk.Observability.Logging;

namespace Pwmk.Observability.Hosting;

/// <summary>
/// Settings of <see cref="ObservabilityExtensions.AddPwmkObservability"/>, bound from the configuration section
/// <c>Observability</c> (e.g. <c>Observability:LogFormat=plain</c>); OpenTelemetry's standard <c>OTEL_*</c>
/// environment variables apply too (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// <c>OTEL_SERVICE_NAME</c>, <c>OTEL_TRACES_SAMPLER_ARG</c>).
/// </summary>
public sealed class PwmkObservabilityOptions
{
    /// <summary>Log line format (<c>--log-format structured|plain</c>); structured by default.</summary>
    public LogFormat LogFormat { get; set; } = LogFormat.Structured;

    /// <summary>Lowest level logged (<c>--log-level</c>).</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary>OTLP endpoint for traces; null: <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, and no OTLP export when neither is set.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>; null: <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else grpc.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>Finished spans held for the OTLP exporter; past it spans are dropped (counted by <c>pwmk_otel_spans_dropped_total</c>).</summary>
    public int SpanQueueSize { get; set; } = 2048;

    /// <summary>Spans per OTLP export call.</summary>
    public int SpanBatchSize { get; set; } = 512;

    /// <summary>Longest wait before queued spans are exported, in milliseconds.</summary>
    public int SpanExportDelayMs { get; set; } = 5000;

    /// <summary>Timeout of one OTLP export call, in milliseconds.</summary>
    public int OtlpTimeoutMs { get; set; } = 5000;

    /// <summary>Also print spans on the console (development).</summary>
    public bool ConsoleExporter { get; set; }

    /// <summary>
    /// Set by <see cref="ObservabilityExtensions.AddPwmkObservability"/>: true when spans go somewhere (OTLP or the console),
    /// and only then is a tracer registered.
    /// </summary>
    public bool TracesExported { get; internal set; }

    /// <summary>Fraction of new traces sampled (parent-based); null: <c>OTEL_TRACES_SAMPLER_ARG</c>, else 1.</summary>
    public double? SamplingRatio { get; set; }

    /// <summary>Service name on spans; null: <c>OTEL_SERVICE_NAME</c>, else <c>pwmk</c>.</summary>
    public string? ServiceName { get; set; }

    /// <summary>Series per metric before label values fold into <c>other</c>.</summary>
    public int MaxSeriesPerMetric { get; set; } = 200;

    /// <summary>Per-check timeout of <c>/health</c>, in seconds.</summary>
    public double HealthTimeoutSeconds { get; set; } = 5;

    /// <summary>Folder that must be writable for <c>/ready</c>.</summary>
    public string? StateDirectory { get; set; }
}
