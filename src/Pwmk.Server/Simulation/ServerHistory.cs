namespace Pwmk.Server.Simulation;

/// <summary>Recent history of what the server itself did, for the web UI's live charts.</summary>
internal sealed class ServerHistory(TimeProvider? time = null)
{
    /// <summary>Belief-query latency in milliseconds.</summary>
    public MetricHistory QueryLatencyMs { get; } = new(time: time);

    /// <summary>Plan outcomes: 1 solved, 0 not.</summary>
    public MetricHistory PlanSuccess { get; } = new(time: time);
}
