using Prometheus;

namespace Pwmk.Observability.Metrics;

/// <summary>
/// What became of finished spans on their way to the collector: <c>pwmk_otel_spans_exported_total</c> and
/// <c>pwmk_otel_spans_dropped_total{reason="queue_full"|"export_failed"|"shutdown"}</c>.
/// </summary>
internal sealed class SpanExportCounters
{
    private readonly Counter.Child _queueFull, _exportFailed, _shutdown;
    private readonly Counter _exported;

    public SpanExportCounters(Counter dropped, Counter exported)
    {
        _queueFull = dropped.WithLabels("queue_full");
        _exportFailed = dropped.WithLabels("export_failed");
        _shutdown = dropped.WithLabels("shutdown");
        _exported = exported;
        _exported.Inc(0);
    }

    /// <summary>A span that found the export queue full.</summary>
    public void QueueFull() => _queueFull.Inc();

    /// <summary>A batch the exporter refused or failed to deliver.</summary>
    public void ExportFailed(int spans) => _exportFailed.Inc(spans);

    /// <summary>A span still queued when shutdown ran out of time.</summary>
    public void LostAtShutdown() => _shutdown.Inc();

    /// <summary>A batch the exporter delivered.</summary>
    public void Exported(int spans) => _exported.Inc(spans);

    public double DroppedQueueFull => _queueFull.Value;
    public double DroppedExportFailed => _exportFailed.Value;
    public double ExportedCount => _exported.Value;
}
