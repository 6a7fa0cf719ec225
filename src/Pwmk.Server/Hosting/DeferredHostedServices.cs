namespace Pwmk.Server.Hosting;

/// <summary>
/// The server's hosted services, made when the host starts them, on the thread pool, rather than when the host collects
/// its hosted services. The host makes every hosted service on its own thread before it starts any, Kestrel's included,
/// and making Orleans' silo service builds the silo's whole service graph (about 0.3 s), which held the web server's start
/// back by as much. Made in their registration order on one thread (as the host would), started side by side (as the host
/// does with <c>ServicesStartConcurrently</c>), stopped in reverse order one after the other (as the host does); a
/// <see cref="BackgroundService"/> whose work fails is logged, as the host logs it; disposed with the host's services.
/// </summary>
internal sealed partial class DeferredHostedServices(IServiceProvider services, IReadOnlyList<ServiceDescriptor> registrations) : IHostedService, IAsyncDisposable
{
    private Task<IHostedService[]>? _made;
    private readonly Lock _making = new();
    private int _disposed;

    /// <summary>Replaces every hosted service registered in <paramref name="services"/> by one deferred group, where the first was.</summary>
    public static void Defer(IServiceCollection services)
    {
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        if (hosted.Count == 0) return;
        int at = services.IndexOf(hosted[0]);
        foreach (var d in hosted) services.Remove(d);
        services.Insert(at, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<DeferredHostedServices>()));
        services.AddSingleton(sp => new DeferredHostedServices(sp, hosted));
    }

    /// <summary>Starts making the services on the thread pool now (the host is built; it is not started yet).</summary>
    public static void BeginMaking(IServiceProvider services)
    {
        services.GetService<DeferredHostedServices>()?.Made();
    }

    private Task<IHostedService[]> Made()
    {
        lock (_making) return _made ??= Task.Run(() => registrations.Select(Make).ToArray(), CancellationToken.None);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var made = await Made().ConfigureAwait(false);
        var log = services.GetRequiredService<ILogger<DeferredHostedServices>>();
        foreach (var s in made.OfType<IHostedLifecycleService>()) await s.StartingAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(made.Select(s => s.StartAsync(cancellationToken))).ConfigureAwait(false);
        foreach (var s in made.OfType<IHostedLifecycleService>()) await s.StartedAsync(cancellationToken).ConfigureAwait(false);
        foreach (var b in made.OfType<BackgroundService>())
        {
            _ = b.ExecuteTask?.ContinueWith(t => BackgroundServiceFailed(log, t.Exception!.GetBaseException(), b.GetType().Name),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_made is null) return;
        IHostedService[] made;
        try
        {
            made = await _made.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!_made.IsCompletedSuccessfully)
        {
            return; // never made: nothing to stop (the start reported why)
        }
        var failures = new List<Exception>();
        foreach (var s in made.Reverse())
        {
            try
            {
                if (s is IHostedLifecycleService l) await l.StoppingAsync(cancellationToken).ConfigureAwait(false);
                await s.StopAsync(cancellationToken).ConfigureAwait(false);
                if (s is IHostedLifecycleService l2) await l2.StoppedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        if (failures.Count > 0) throw new AggregateException("hosted services failed to stop", failures);
    }

    /// <summary>Disposes the services made here (the container did not make them, so it does not dispose them).</summary>
    public async ValueTask DisposeAsync()
    {
        // the container holds the group twice (as itself and as the hosted service): once is enough
        if (_made is null || Interlocked.Exchange(ref _disposed, 1) == 1) return;
        IHostedService[] made;
        try
        {
            // a host built and disposed without being started may still be making them
            made = await _made.ConfigureAwait(false);
        }
        catch (Exception) when (!_made.IsCompletedSuccessfully)
        {
            return; // never made (the container went away first, or making one failed: the start reported it): nothing to dispose
        }
        for (int i = made.Length - 1; i >= 0; i--)
        {
            if (registrations[i].ImplementationInstance is not null) continue;
            if (made[i] is IAsyncDisposable a) await a.DisposeAsync().ConfigureAwait(false);
            else if (made[i] is IDisposable d) d.Dispose();
        }
    }

    private IHostedService Make(ServiceDescriptor d) => d switch
    {
        { ImplementationInstance: IHostedService instance } => instance,
        { ImplementationFactory: { } factory } => (IHostedService)factory(services),
        { ImplementationType: { } type } => (IHostedService)ActivatorUtilities.CreateInstance(services, type),
        _ => throw new InvalidOperationException("a hosted service registration without an implementation"),
    };

    [LoggerMessage(LogLevel.Error, "background service {Service} failed")]
    private static partial void BackgroundServiceFailed(ILogger log, Exception e, string service);
}
