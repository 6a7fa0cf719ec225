using Pwmk.Cluster;
using Pwmk.Observability.Health;
using Pwmk.Observability.Hosting;
using Pwmk.Observability.Metrics;

namespace Pwmk.Server.Hosting;

/// <summary>
/// The one place where the server wires observability (Pwmk.Observability): Prometheus metrics at <c>/metrics</c>,
/// OpenTelemetry tracing (OTLP when configured), structured logs with request context and request lines, and
/// <c>/health</c>, <c>/ready</c>, <c>/live</c>. Beside the generic checks the server adds its own components:
/// <c>belief_store</c> (its store, unhealthy while the journal cannot be written) and <c>world_model</c> (the model it
/// serves), and the readiness of the served model (<c>model_loaded</c>). Every server is a cluster member (of its own
/// one-member cluster by default) and adds <c>cluster</c> (its membership), Orleans' metrics (meter <c>Microsoft.Orleans</c>) on <c>/metrics</c>, and the grain calls' spans.
/// </summary>
internal static class ObservabilityHooks
{
    public static void Add(WebApplicationBuilder builder, PwmkServerOptions options)
    {
        PwmkObservabilityOptions? observability = null;
        builder.Services.AddPwmkObservability(builder.Configuration, o =>
        {
            if (!string.IsNullOrWhiteSpace(options.StateDir)) o.StateDirectory ??= options.StateDir;
            observability = o;
        });
        builder.Services.AddHealthChecks()
            .AddTimedCheck("world_model", sp => ActivatorUtilities.CreateInstance<WorldModelHealthCheck>(sp))
            .AddTimedCheck("belief_store", sp => ActivatorUtilities.CreateInstance<BeliefStoreHealthCheck>(sp))
            .AddTimedCheck("model_loaded", sp => ActivatorUtilities.CreateInstance<ServedModelReadinessCheck>(sp), readinessOnly: true);
        builder.Services.AddHealthChecks().AddTimedCheck("cluster", sp => ActivatorUtilities.CreateInstance<ClusterHealthCheck>(sp));
        // a grain call is a span of the trace that made it, on whichever member the grain lives (ClusterHosting adds the
        // propagation); recorded when spans are exported, as the requests' are
        if (observability!.TracesExported) builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource(ClusterHosting.GrainCallSpans));
    }

    /// <summary>Request context and request log lines: first in the pipeline, so every later line of a request carries its context.</summary>
    public static void Use(WebApplication app) => app.UsePwmkObservability();

    public static void Map(WebApplication app)
    {
        app.MapPwmkObservability();
        // Orleans' own instruments (activations, messages, membership, storage), named as Orleans names them
        var orleans = app.Services.GetRequiredService<PwmkMetrics>().ExportMeter(ClusterHosting.OrleansMeter);
        app.Lifetime.ApplicationStopped.Register(orleans.Dispose);
    }
}
