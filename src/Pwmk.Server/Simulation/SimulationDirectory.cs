using Pwmk.Cluster.Simulation;

namespace Pwmk.Server.Simulation;

/// <summary>
/// Where the API finds a simulation: every simulation is a grain of the cluster (plain serve is its one member), read
/// directly when its activation is on this member (<see cref="LocalSimulations"/>), else through its grain.
/// </summary>
internal sealed class SimulationDirectory(LocalSimulations local, IGrainFactory grains)
{
    /// <summary>How the ids of simulations started through the API begin.</summary>
    public const string ClusterPrefix = "csim-";

    /// <summary>The background simulation's id (one per cluster).</summary>
    public const string BackgroundId = SimulationNames.BackgroundId;

    /// <summary>Longest wait for a grain's answer before the API answers 503.</summary>
    public static readonly TimeSpan Ask = TimeSpan.FromSeconds(5);

    /// <summary>The directory of the request's services.</summary>
    public static SimulationDirectory Of(HttpContext http) => Of(http.RequestServices);

    /// <summary>The directory of <paramref name="services"/>.</summary>
    public static SimulationDirectory Of(IServiceProvider services) =>
        new(services.GetRequiredService<LocalSimulations>(), services.GetRequiredService<IGrainFactory>());

    /// <summary>The runs whose activations are on this member.</summary>
    public LocalSimulations Local => local;

    /// <summary>The run of <paramref name="id"/> when its activation is on this member.</summary>
    public SimulationRun? FindLocal(string id) => local.Find(id);

    /// <summary>The grain of a simulation's id, or null when <paramref name="id"/> cannot be one.</summary>
    public ISimulationGrain? Grain(string id) =>
        id == BackgroundId || id.StartsWith(ClusterPrefix, StringComparison.Ordinal) ? grains.GetGrain<ISimulationGrain>(id) : null;

    /// <summary>The ids of the cluster's simulations.</summary>
    public Task<string[]> Ids() => grains.GetGrain<ISimulationRegistryGrain>(0).All();

    /// <summary>A new simulation's grain and id.</summary>
    public (string Id, ISimulationGrain Grain) NewGrain()
    {
        var id = ClusterPrefix + Guid.NewGuid().ToString("N")[..12];
        return (id, grains.GetGrain<ISimulationGrain>(id));
    }
}
