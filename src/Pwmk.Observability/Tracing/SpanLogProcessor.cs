using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;

namespace Pwmk.Observability.Tracing;

/// <summary>
/// <c>--console-traces</c> in the structured log format: each finished span becomes one log line (name, ids, parent,
/// duration, status), so standard output stays one JSON object per line. (The plain format uses OpenTelemetry's
/// console exporter.)
/// </summary>
internal sealed partial class SpanLogProcessor(ILogger log) : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        if (!data.Recorded) return;
        Finished(log, data.OperationName, data.TraceId.ToHexString(), data.SpanId.ToHexString(),
            data.ParentSpanId == default ? null : data.ParentSpanId.ToHexString(), Math.Round(data.Duration.TotalMilliseconds, 3),
            data.Status.ToString(), data.StatusDescription);
    }

    [LoggerMessage(LogLevel.Information, "span {span_name} ended after {duration_ms} ms ({status})")]
    private static partial void Finished(ILogger log, string span_name, string trace_id, string span_id, string? parent_span_id, double duration_ms,
        string status, string? status_description);
}
