using System.Text.Json.Nodes;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Observability.Health;
using Pwmk.Observability.Hosting;
using Pwmk.Server.Persistence;

namespace Pwmk.Server.Hosting;

/// <summary>
/// The one place where the server wires observability (Pwmk.Observability): Prometheus metrics at <c>/metrics</c>,
/// OpenTelemetry tracing (OTLP when configured), structured logs, and <c>/health</c>, <c>/ready</c>, <c>/live</c>.
/// The <c>belief_store</c> health check queries the server's own store and is unhealthy while its commits fail (the
/// journal cannot be written, or the store refuses the simulation's changes); readiness requires the state directory
/// to be writable.
/// </summary>
internal static class ObservabilityHooks
{
    public static void Add(WebApplicationBuilder builder, PwmkServerOptions options)
    {
        builder.Services.AddPwmkObservability(builder.Configuration, o =>
        {
            if (!string.IsNullOrWhiteSpace(options.StateDir)) o.StateDirectory ??= options.StateDir;
        });
    }

    public static void Map(WebApplication app)
    {
        var store = app.Services.GetRequiredService<BeliefStore>();
        var durable = app.Services.GetRequiredService<DurableBeliefStore>();
        app.Services.GetRequiredService<PwmkHealth>().SetCheck("belief_store", _ => CheckStore(store, durable));
        app.UsePwmkObservability();
        app.MapPwmkObservability();
    }

    private static ComponentHealth CheckStore(BeliefStore store, DurableBeliefStore durable)
    {
        if (durable.Fault is { } fault)
            return new ComponentHealth("unhealthy", new JsonObject { ["error"] = "belief store commits fail: " + fault, ["facts_count"] = store.FactCount });
        try
        {
            bool ok = store.Holds("true", store.Options.Query with { Timeout = TimeSpan.FromSeconds(1), MaxSolutions = 1 });
            return ok ? ComponentHealth.Healthy(new JsonObject { ["facts_count"] = store.FactCount })
                : new ComponentHealth("unhealthy", new JsonObject { ["error"] = "belief store does not answer" });
        }
        catch (PrologException e)
        {
            return new ComponentHealth("unhealthy", new JsonObject { ["error"] = e.Message });
        }
    }
}
