using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pwmk.Core.Tests;

/// <summary>Records every span of the activity source "Pwmk" that stops while it lives (all sampled and recorded).</summary>
internal sealed class PwmkSpans : IDisposable
{
    private readonly ActivityListener _listener;

    public PwmkSpans()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Pwmk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The spans stopped so far, in the order they stopped.</summary>
    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public void Dispose() => _listener.Dispose();
}
