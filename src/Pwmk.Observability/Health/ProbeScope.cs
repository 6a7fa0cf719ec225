using OpenTelemetry;

namespace Pwmk.Observability.Health;

/// <summary>
/// Work done to check health, not for a user: inside the scope the domain's measurements are not recorded into the
/// business metric families and its spans are not sampled (OpenTelemetry's <see cref="SuppressInstrumentationScope"/>),
/// so probes measure a component without changing what the dashboards and alerts see. The scope flows with the async
/// context, so work started inside it (tasks, continuations) is suppressed too; other requests are not.
/// </summary>
public static class ProbeScope
{
    private static int s_open;

    /// <summary>Starts a probe scope; dispose it when the probe's work is done.</summary>
    public static IDisposable Begin()
    {
        Interlocked.Increment(ref s_open);
        return new Scope(SuppressInstrumentationScope.Begin());
    }

    /// <summary>True when the calling context is inside a probe scope (a field read when no probe runs anywhere).</summary>
    public static bool Active => Volatile.Read(ref s_open) != 0 && Sdk.SuppressInstrumentation;

    private sealed class Scope(IDisposable suppression) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            suppression.Dispose();
            Interlocked.Decrement(ref s_open);
        }
    }
}
