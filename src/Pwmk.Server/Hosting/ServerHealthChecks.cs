using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Server.Persistence;
using Pwmk.Cluster.Simulation;

namespace Pwmk.Server.Hosting;

/// <summary>
/// <c>belief_store</c>: the store the server serves answers a query, and its journal can be written (a journal that
/// cannot is a fault even while queries work: changes are refused with 503).
/// </summary>
internal sealed class BeliefStoreHealthCheck(BeliefStore store, DurableBeliefStore durable) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["facts_count"] = store.FactCount };
        if (durable.Fault is { } fault)
            return Task.FromResult(HealthCheckResult.Unhealthy("belief journal cannot be written: " + fault, data: data));
        try
        {
            bool ok = store.Holds("true", store.Options.Query with { Timeout = TimeSpan.FromSeconds(1), MaxSolutions = 1, Cancel = cancellationToken });
            return Task.FromResult(ok ? HealthCheckResult.Healthy(data: data) : HealthCheckResult.Unhealthy("belief store does not answer", data: data));
        }
        catch (PrologException e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(e.Message, data: data));
        }
    }
}

/// <summary>
/// <c>world_model</c>: the world model the server serves (the background simulation's, trained online) predicts one step
/// with finite values; before its first training there is nothing to run, which is healthy (readiness says it is not loaded).
/// </summary>
internal sealed class WorldModelHealthCheck(LocalSimulations simulations) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (simulations.Find(SimulationNames.BackgroundId) is not { } run)
            return Task.FromResult(HealthCheckResult.Healthy(data: new Dictionary<string, object> { ["model"] = "none served (no background simulation on this member)" }));
        return Task.FromResult(run.Runner.WorldModel.Inspect(model =>
        {
            var data = new Dictionary<string, object> { ["simulation"] = run.Id };
            if (model is null)
            {
                data["model"] = "none yet";
                return HealthCheckResult.Healthy(data: data);
            }
            var c = model.Config;
            var p = model.Forward(new float[c.NumAgents * c.ObsDim], new int[c.NumAgents], null, batchSize: 1);
            data["model_type"] = model.ModelType;
            data["hidden_dim"] = c.HiddenDim;
            data["num_agents"] = c.NumAgents;
            if (!p.NextObservations.All(float.IsFinite)) return HealthCheckResult.Unhealthy("the served model predicts non-finite values", data: data);
            return HealthCheckResult.Healthy(data: data);
        }));
    }
}

/// <summary>
/// <c>model_loaded</c> (readiness): the background simulation runs and its world model is there (restored from the state
/// directory at start, or trained after the first episode of a fresh state). Without a background simulation, or with
/// online training off, there is no model to load and this holds.
/// </summary>
internal sealed class ServedModelReadinessCheck(LocalSimulations simulations, IOptions<PwmkServerOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (!o.Simulate || !o.Train) return Task.FromResult(HealthCheckResult.Healthy("no model is served"));
        // a member of a larger cluster serves the model only when the background simulation's activation is on it
        if (simulations.Find(SimulationNames.BackgroundId) is not { } run)
        {
            return Task.FromResult(o.ClusterSettings.IsLocal
                ? HealthCheckResult.Unhealthy("no world model yet: the background simulation has not started")
                : HealthCheckResult.Healthy("the background simulation runs on another member"));
        }
        if (run.Status == SimulationStatus.Failed)
            return Task.FromResult(HealthCheckResult.Unhealthy("the background simulation failed: " + run.Error));
        if (!run.HasWorldModel)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture,
                $"no world model yet: it is trained after the first episode (episode {run.Episode}, step {run.Step} now)")));
        }
        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
