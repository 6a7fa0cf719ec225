namespace Pwmk.Observability.Metrics;

/// <summary>Options of <see cref="PwmkMetrics"/>.</summary>
public sealed record PwmkMetricsOptions
{
    /// <summary>Series per metric before new label values fold into <c>other</c> (default 200).</summary>
    public int MaxSeriesPerMetric { get; init; } = 200;

    /// <summary>Also export process and .NET runtime metrics (<c>process_*</c>, <c>dotnet_*</c>) from this registry (default true).</summary>
    public bool ProcessMetrics { get; init; } = true;

    /// <summary>Bridge the BCL instruments of Meter "Pwmk" (the domain's telemetry) into the registry (default true).</summary>
    public bool BridgeMeter { get; init; } = true;
}
