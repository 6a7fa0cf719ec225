using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pwmk.Core.Beliefs;
using Pwmk.Cluster.Simulation;

namespace Pwmk.Server;

/// <summary>
/// The server's one <see cref="ActivitySource"/> and its meter, both named "Pwmk". The meter comes from the host's
/// <see cref="IMeterFactory"/>, so its instruments live exactly as long as the host and what they read: the facts gauge
/// of the belief store the server serves (<c>pwmk_belief_store_facts_total</c>, read from the store at each scrape) and
/// the memory of the world models the simulations on this member hold (<c>pwmk_world_model_memory_bytes</c>, summed per model type and
/// component over every simulation that holds a model).
/// </summary>
internal sealed class ServerDiagnostics
{
    /// <summary>The server's spans (simulation starts, received alerts).</summary>
    public static readonly ActivitySource Source = new("Pwmk");

    public ServerDiagnostics(IMeterFactory meters, BeliefStore store, LocalSimulations simulations)
    {
        Meter = meters.Create("Pwmk");
        Meter.CreateObservableGauge("pwmk_belief_store_facts_total", () => Facts(store), null, "Number of facts in belief store");
        Meter.CreateObservableGauge("pwmk_world_model_memory_bytes", () => Memory(simulations), "By", "Bytes of world-model weights per component");
    }

    /// <summary>The server's meter (the factory disposes it with the host).</summary>
    public Meter Meter { get; }

    private static IEnumerable<Measurement<long>> Facts(BeliefStore store)
    {
        foreach (var c in store.GetCounts().ByAgentAndPredicate)
        {
            yield return new Measurement<long>(c.Count,
                new KeyValuePair<string, object?>("agent_id", c.Agent ?? "world"),
                new KeyValuePair<string, object?>("predicate_type", c.Predicate.ToString()));
        }
    }

    private static IEnumerable<Measurement<long>> Memory(LocalSimulations simulations)
    {
        var sums = new Dictionary<(string ModelType, string Component), long>();
        foreach (var run in simulations.All)
        {
            if (run.Runner.WorldModel.Model is not { } model) continue;
            foreach (var (component, bytes) in model.ComponentBytes())
                sums[(model.ModelType, component)] = sums.GetValueOrDefault((model.ModelType, component)) + bytes;
        }
        foreach (var ((modelType, component), bytes) in sums)
        {
            yield return new Measurement<long>(bytes,
                new KeyValuePair<string, object?>("model_type", modelType),
                new KeyValuePair<string, object?>("component", component));
        }
    }
}
