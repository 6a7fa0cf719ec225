using Pwmk.Cluster.Simulation;

namespace Pwmk.Server.Simulation;

/// <summary>
/// Where the API finds a simulation: this process's own (<see cref="SimulationManager"/>), and on a cluster member also the
/// cluster's simulation grains: directly when the grain's activation is on this member (<see cref="LocalSimulations"/>),
/// else through the grain. Without <c>--cluster</c> only the first.
/// </summary>
internal sealed class SimulationDirectory(SimulationManager manager, IServiceProvider services)
{
    /// <summary>How the ids of simulations run as grains begin.</summary>
    public const string ClusterPrefix = "csim-";

    /// <summary>Longest wait for a grain's answer before the API answers 503.</summary>
    public static readonly TimeSpan Ask = TimeSpan.FromSeconds(5);

    private readonly LocalSimulations? _local = services.GetService<LocalSimulations>();
    private readonly IGrainFactory? _grains = services.GetService<LocalSimulations>() is null ? null : services.GetService<IGrainFactory>();

    public SimulationManager Manager => manager;

    /// <summary>The directory of the request's services.</summary>
    public static SimulationDirectory Of(HttpContext http) => new(http.RequestServices.GetRequiredService<SimulationManager>(), http.RequestServices);

    /// <summary>True on a cluster member.</summary>
    public bool Clustered => _grains is not null;

    /// <summary>The run of <paramref name="id"/> when it runs in this process (its own, or a grain activated here).</summary>
    public SimulationRun? FindLocal(string id) => manager.Find(id) ?? _local?.Find(id);

    /// <summary>The grain of a cluster simulation's id, or null (not a cluster member, or not such an id).</summary>
    public ISimulationGrain? Grain(string id) => _grains is not null && id.StartsWith(ClusterPrefix, StringComparison.Ordinal) ? _grains.GetGrain<ISimulationGrain>(id) : null;

    /// <summary>The ids of the cluster's simulations.</summary>
    public Task<string[]> ClusterIds() => _grains is null ? Task.FromResult(Array.Empty<string>()) : _grains.GetGrain<ISimulationRegistryGrain>(0).All();

    /// <summary>A new cluster simulation's grain and id.</summary>
    public (string Id, ISimulationGrain Grain) NewGrain()
    {
        var id = ClusterPrefix + Guid.NewGuid().ToString("N")[..12];
        return (id, _grains!.GetGrain<ISimulationGrain>(id));
    }
}
