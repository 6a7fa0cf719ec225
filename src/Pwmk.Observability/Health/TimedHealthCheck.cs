using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pwmk.Observability.Health;

/// <summary>
/// An ASP.NET Core health check with what PWMK's probes need around it: the check runs on the thread pool inside a
/// <see cref="ProbeScope"/> (it feeds no business metric and makes no span); its answer counts only when the check took no
/// longer than its timeout (a slower check reports <c>timeout</c>, also one that ignores cancellation, and the probe
/// returns at the timeout); and a check still running from an earlier probe is awaited again, never started twice (a hung
/// component holds one thread however often it is probed). Results get <c>latency_ms</c> (the check's own duration).
/// </summary>
internal sealed class TimedHealthCheck(IHealthCheck inner, TimeSpan timeout) : IHealthCheck
{
    /// <summary>Data key of a status reported in place of healthy/unhealthy (<c>timeout</c>).</summary>
    public const string StatusKey = "status";

    private readonly Lock _gate = new();
    private Run? _run;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Run run;
        lock (_gate)
        {
            if (_run is null || _run.Work.IsCompleted)
            {
                var cts = new CancellationTokenSource();
                long start = Stopwatch.GetTimestamp();
                var work = Task.Run(async () =>
                {
                    using (ProbeScope.Begin())
                    {
                        var r = await inner.CheckHealthAsync(context, cts.Token).ConfigureAwait(false);
                        return (Result: r, Elapsed: Stopwatch.GetElapsedTime(start));
                    }
                }, CancellationToken.None);
                _ = work.ContinueWith(_ => cts.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                _run = new Run(work, cts, start);
            }
            run = _run;
        }
        (HealthCheckResult Result, TimeSpan Elapsed) done;
        try
        {
            done = await run.Work.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            try { await run.Cancellation.CancelAsync().ConfigureAwait(false); }
            catch (ObjectDisposedException) { }
            return TimedOut(running: Stopwatch.GetElapsedTime(run.Start));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(e.Message, e);
        }
        // the answer came, but the check took longer than allowed (a late timer on a busy machine): that is a timeout too
        if (done.Elapsed > timeout) return TimedOut(latency: done.Elapsed);
        var data = new Dictionary<string, object>(done.Result.Data) { ["latency_ms"] = Math.Round(done.Elapsed.TotalMilliseconds, 3) };
        return new HealthCheckResult(done.Result.Status, done.Result.Description, done.Result.Exception, data);
    }

    private HealthCheckResult TimedOut(TimeSpan? running = null, TimeSpan? latency = null)
    {
        var data = new Dictionary<string, object> { [StatusKey] = "timeout", ["timeout_ms"] = timeout.TotalMilliseconds };
        if (latency is { } l) data["latency_ms"] = Math.Round(l.TotalMilliseconds, 3);
        if (running is { } r) data["running_seconds"] = Math.Round(r.TotalSeconds, 3);
        return HealthCheckResult.Unhealthy("Health check timed out", data: data);
    }

    private sealed record Run(Task<(HealthCheckResult Result, TimeSpan Elapsed)> Work, CancellationTokenSource Cancellation, long Start);
}

/// <summary>The timed wrapper of each registered check, one per check name and service provider (so in-flight runs are shared).</summary>
internal sealed class TimedHealthChecks
{
    private readonly ConcurrentDictionary<string, TimedHealthCheck> _checks = new(StringComparer.Ordinal);

    public TimedHealthCheck Get(string name, Func<TimedHealthCheck> create) => _checks.GetOrAdd(name, _ => create());
}
