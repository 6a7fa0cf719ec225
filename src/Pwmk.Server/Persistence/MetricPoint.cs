namespace Pwmk.Server.Persistence;

/// <summary>One point of a live chart: when (Unix ms), and the value.</summary>
public readonly record struct MetricPoint(long T, double V);
