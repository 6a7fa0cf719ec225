using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;

namespace Pwmk.Server.Hosting;

/// <summary>
/// The one place where the server wires observability. Today: minimal <c>/health</c> and <c>/live</c> (liveness) and
/// <c>/ready</c> (the belief store answers a query). When Pwmk.Observability lands, replace the two bodies with
/// <c>builder.AddPwmkObservability()</c> and <c>app.MapPwmkObservability()</c> (metrics at <c>/metrics</c>, tracing, logs).
/// </summary>
internal static class ObservabilityHooks
{
    public static void Add(WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<BeliefStoreCheck>("belief_store", tags: ["ready"]);
    }

    public static void Map(WebApplication app)
    {
        app.MapHealthChecks("/health", new() { Predicate = _ => false });
        app.MapHealthChecks("/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/ready", new() { Predicate = c => c.Tags.Contains("ready") });
    }

    private sealed class BeliefStoreCheck(BeliefStore store) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                bool ok = store.Holds("true", new QueryOptions { Timeout = TimeSpan.FromSeconds(1), MaxSolutions = 1 });
                return Task.FromResult(ok ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("belief store does not answer"));
            }
            catch (PrologException e)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy(e.Message));
            }
        }
    }
}
