using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pwmk.Cluster;

/// <summary>
/// Ends a member that does not stop within the host's shutdown time plus <see cref="Grace"/>: when Redis is gone, Orleans'
/// membership and storage keep retrying while the silo stops and the process would not exit on SIGTERM. Registered after
/// the silo, so it is stopped (and its clock started) before the silo is; a host that has stopped (every hosted service
/// stopped) stops the clock, so a host that stopped in time is never ended however long it is kept before disposal.
/// </summary>
internal sealed partial class ShutdownWatchdog(IOptions<HostOptions> host, IHostApplicationLifetime lifetime, ILogger<ShutdownWatchdog> log, TimeProvider time)
    : IHostedService, IDisposable
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var limit = host.Value.ShutdownTimeout + Grace;
        _timer = time.CreateTimer(_ =>
        {
            GaveUp(log, limit.TotalSeconds);
            Environment.Exit(1);
        }, null, limit, Timeout.InfiniteTimeSpan);
        lifetime.ApplicationStopped.Register(Dispose);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    [LoggerMessage(LogLevel.Error, "the member did not stop within {Seconds} s (is Redis reachable?); exiting without a clean leave: the cluster declares it dead")]
    private static partial void GaveUp(ILogger log, double seconds);
}
