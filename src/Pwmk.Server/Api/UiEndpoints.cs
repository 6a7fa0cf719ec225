using Pwmk.Cluster.Simulation;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Pwmk.Core.Beliefs;
using Pwmk.Server.Hosting;
using Pwmk.Server.Simulation;


namespace Pwmk.Server.Api;

/// <summary>
/// Everything the web UI shows at once: the live simulation (the background one, wherever in the cluster it runs; without
/// it, the latest simulation running on this member, else the last one listed), its agents' beliefs, and the live charts.
/// </summary>
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
        app.MapGet("/api/snapshot", async (HttpContext http, BeliefStore s, ServerHistory h, IOptions<PwmkServerOptions> o, AlertInbox a) =>
                TypedResults.Ok(await TakeAsync(http.RequestServices, s, h, o.Value, a, http.RequestAborted).ConfigureAwait(false)))
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

    /// <summary>The snapshot as JSON: the server's own parts, and the live simulation's from the member it runs on.</summary>
    internal static async Task<JsonObject> TakeAsync(IServiceProvider services, BeliefStore store, ServerHistory h, PwmkServerOptions o, AlertInbox alerts,
        CancellationToken cancellationToken)
    {
        var json = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var snapshot = JsonSerializer.SerializeToNode(new Snapshot(null, null, [], [], h.QueryLatencyMs.Snapshot(), h.PlanSuccess.Snapshot(),
            store.FactCount, !string.IsNullOrEmpty(o.ApiKey), alerts.Read(latest: 10)), json)!.AsObject();
        if (await LiveAsync(services, json, cancellationToken).ConfigureAwait(false) is JsonObject live)
            foreach (var part in new[] { "simulation", "world", "views", "agents" }) snapshot[part] = live[part]?.DeepClone();
        return snapshot;
    }

    /// <summary>The live simulation's part of the snapshot, or null when there is none (or it did not answer in time).</summary>
    private static async Task<JsonNode?> LiveAsync(IServiceProvider services, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var sims = SimulationDirectory.Of(services);
        var member = services.GetService<Orleans.Runtime.ILocalSiloDetails>()?.SiloAddress.ToString();
        try
        {
            var ids = await sims.Ids().WaitAsync(SimulationDirectory.Ask, cancellationToken).ConfigureAwait(false);
            string? id = ids.Contains(SimulationDirectory.BackgroundId) ? SimulationDirectory.BackgroundId : null;
            var run = id is null
                ? sims.Local.All.Where(r => r.Status == SimulationStatus.Running).MaxBy(r => r.Started)
                : sims.FindLocal(id);
            if (run is not null) return JsonSerializer.SerializeToNode(SimulationViews.Live(run, member), json);
            id ??= ids.LastOrDefault();
            if (id is null || sims.Grain(id) is not { } grain) return null;
            var answer = await grain.Live().WaitAsync(SimulationDirectory.Ask, cancellationToken).ConfigureAwait(false);
            return answer.Status == 200 ? JsonNode.Parse(answer.Body) : null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task Events(HttpContext context, BeliefStore store, ServerHistory h, IOptions<PwmkServerOptions> o, AlertInbox alerts,
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
            var json = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, life.ApplicationStopping);
            async ValueTask<byte[]> Make() => System.Text.Encoding.UTF8.GetBytes("event: snapshot\ndata: "
                + (await TakeAsync(context.RequestServices, store, h, o.Value, alerts, cts.Token).ConfigureAwait(false)).ToJsonString(json)
                + "\n\n");
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
