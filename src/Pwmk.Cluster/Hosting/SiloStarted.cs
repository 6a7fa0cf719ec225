namespace Pwmk.Cluster;

/// <summary>
/// Completes when this member's silo has become active (its lifecycle reached <c>Active</c>). The host may start the silo
/// beside its other services (the web server, the simulation): what needs grain calls waits on <see cref="Active"/>
/// instead of failing while the silo starts.
/// </summary>
internal sealed class SiloStarted : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly TaskCompletionSource _active = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the silo is active.</summary>
    public Task Active => _active.Task;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloStarted), ServiceLifecycleStage.Active, _ =>
        {
            _active.TrySetResult();
            return Task.CompletedTask;
        }, _ => Task.CompletedTask);
}
