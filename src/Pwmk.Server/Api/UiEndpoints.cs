using Pwmk.Cluster.Simulation;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pwmk.Core.Beliefs;
using Pwmk.Server.Hosting;
using Pwmk.Server.Simulation;


namespace Pwmk.Server.Api;

/// <summary>Everything the web UI shows at once: the background simulation, its agents' beliefs, and the live charts.</summary>
public sealed record Snapshot(SimulationResponse? Simulation, RenderResponse? World, IReadOnlyList<RenderResponse> Views,
    IReadOnlyList<AgentView> Agents, IReadOnlyList<MetricPoint> QueryLatencyMs, IReadOnlyList<MetricPoint> PlanSuccess,
    int FactCount, bool ApiKeyRequired, AlertList Alerts);

/// <summary>The web UI (static files embedded in the assembly) at <c>/</c>, its snapshot, and live updates over Server-Sent Events.</summary>
internal static class UiEndpoints
{
    private static readonly Assembly s_assembly = typeof(UiEndpoints).Assembly;

    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => File("index.html")).ExcludeFromDescription();
        app.MapGet("/ui/{name}", (string name) => File(name)).ExcludeFromDescription();
        app.MapGet("/favicon.ico", () => File("favicon.svg")).ExcludeFromDescription();
        app.MapGet("/api/snapshot", (SimulationManager m, BeliefStore s, ServerHistory h, IOptions<PwmkServerOptions> o, AlertInbox a) => TypedResults.Ok(Take(m, s, h, o.Value, a)))
            .WithTags("ui").Produces<Snapshot>().WithSummary("What the web UI shows: simulation, world, per-agent views, beliefs and chart data");
        app.MapGet("/api/events", Events).WithTags("ui").Produces(200, contentType: "text/event-stream").ProducesProblem(429)
            .WithSummary("Server-Sent Events: a snapshot every 500 ms (streams are capped in total and per client: 429 beyond)");
    }

    private static IResult File(string name)
    {
        var stream = s_assembly.GetManifestResourceStream("ui/" + name);
        if (stream is null) return JsonBody.NotFound($"No UI file '{name}'.");
        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return TypedResults.Stream(stream, type);
    }

    internal static Snapshot Take(SimulationManager m, BeliefStore store, ServerHistory h, PwmkServerOptions o, AlertInbox alerts)
    {
        var run = m.Primary ?? m.All.LastOrDefault();
        var views = new List<RenderResponse>();
        if (run is not null)
            foreach (var a in run.AgentNames) views.Add(SimulationEndpoints.RenderOf(run, a));
        return new Snapshot(
            run is null ? null : SimulationEndpoints.ToResponse(run),
            run is null ? null : SimulationEndpoints.RenderOf(run, null),
            views,
            run?.Agents() ?? [],
            h.QueryLatencyMs.Snapshot(),
            h.PlanSuccess.Snapshot(),
            store.FactCount,
            !string.IsNullOrEmpty(o.ApiKey),
            alerts.Read(latest: 10));
    }

    private static async Task Events(HttpContext context, SimulationManager m, BeliefStore store, ServerHistory h, IOptions<PwmkServerOptions> o, AlertInbox alerts,
        IHostApplicationLifetime life, EventStreams streams)
    {
        var client = context.Connection.RemoteIpAddress;
        if (!streams.TryOpen(client, out var refusal))
        {
            context.Response.Headers.RetryAfter = "5";
            await Problems.Write(context, StatusCodes.Status429TooManyRequests, "Too Many Requests", refusal).ConfigureAwait(false);
            return;
        }
        try
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, life.ApplicationStopping);
            var json = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            byte[] Make() => System.Text.Encoding.UTF8.GetBytes("event: snapshot\ndata: " + JsonSerializer.Serialize(Take(m, store, h, o.Value, alerts), json) + "\n\n");
            while (!cts.IsCancellationRequested)
            {
                var bytes = await streams.SnapshotAsync(Make, TimeSpan.FromMilliseconds(450), cts.Token).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(bytes, cts.Token).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(cts.Token).ConfigureAwait(false);
                await Task.Delay(500, cts.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the client went away or the server is stopping
        }
        finally
        {
            streams.Close(client);
        }
    }
}
