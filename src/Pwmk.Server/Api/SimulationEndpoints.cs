using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;
using Pwmk.Observability.Logging;
using Pwmk.Server.Hosting;
using Pwmk.Server.Security;
using Pwmk.Server.Simulation;

namespace Pwmk.Server.Api;

/// <summary>Body of <c>POST /api/simulations</c>; every field is optional.</summary>
public sealed record SimulationRequest(string? Env = null, int? Agents = null, int? TomDepth = null, int? Seed = null, int? Episodes = null,
    int? StepDelayMs = null, bool? Train = null, int? MaxStepsPerEpisode = null, bool? MirrorBeliefs = null, string? Planner = null);

/// <summary>
/// Simulation endpoints: start, list, get, stop, delete, render, agents. On a cluster member they list and reach the
/// cluster's simulations (grains) too, wherever they run; a simulation whose activation is on this member is read directly.
/// </summary>
internal static class SimulationEndpoints
{
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/simulations").WithTags("simulations");
        g.MapPost("", Start).Accepts<SimulationRequest>("application/json").AddEndpointFilter<ApiKeyFilter>()
            .Produces<SimulationResponse>(201).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(503)
            .WithSummary("Starts a simulation (on a cluster member: a simulation grain, on the member placement picks)");
        g.MapGet("", (Delegate)List).Produces<List<SimulationResponse>>().ProducesProblem(503).WithSummary("Every simulation (on a cluster member: the cluster's too)");
        g.MapGet("/{id}", Get).Produces<SimulationResponse>().ProducesProblem(404).ProducesProblem(503).WithSummary("One simulation");
        g.MapPost("/{id}/stop", Stop).AddEndpointFilter<ApiKeyFilter>()
            .Produces<SimulationResponse>().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(503).WithSummary("Stops a simulation");
        g.MapDelete("/{id}", Delete).AddEndpointFilter<ApiKeyFilter>()
            .Produces<SimulationResponse>().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(503)
            .WithSummary("Stops a simulation and forgets it (its saved state too); answers its last state");
        g.MapGet("/{id}/render", Render).Produces<RenderResponse>().ProducesProblem(404).ProducesProblem(503)
            .WithSummary("The world as an agent sees it (cells it cannot see are '?'), or as it is without agent");
        g.MapGet("/{id}/agents", Agents).Produces<List<AgentView>>().ProducesProblem(404).ProducesProblem(503)
            .WithSummary("Each agent's nested beliefs now, with whether each is false");
    }

    internal static IResult Missing(string id) => JsonBody.NotFound($"No simulation '{id}'.");

    internal static SimulationResponse ToResponse(SimulationRun r) => SimulationViews.Describe(r);

    internal static RenderResponse RenderOf(SimulationRun run, string? agent) => SimulationViews.RenderOf(run, agent);

    /// <summary>
    /// Answers about simulation <paramref name="id"/>: with <paramref name="local"/> when it runs in this process, else through
    /// its grain (<paramref name="remote"/>, whose answer is the API's JSON); 404 when neither has it, 503 when its grain does not answer.
    /// </summary>
    internal static async Task<IResult> Reach(string id, SimulationDirectory sims, HttpContext http, Func<SimulationRun, IResult> local,
        Func<ISimulationGrain, Task<SimulationAnswer>> remote)
    {
        if (sims.FindLocal(id) is { } run) return local(run);
        if (sims.Grain(id) is not { } grain) return Missing(id);
        return await Ask(http, $"simulation '{id}'", remote(grain)).ConfigureAwait(false);
    }

    /// <summary>The answer of a grain call as the API's answer; 503 with <c>Retry-After</c> when it fails or takes too long.</summary>
    internal static async Task<IResult> Ask(HttpContext http, string what, Task<SimulationAnswer> call, TimeSpan? wait = null)
    {
        try
        {
            return Result(await call.WaitAsync(wait ?? SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(http, what, e);
        }
    }

    internal static IResult Result(SimulationAnswer a) => a.Status == 200
        ? TypedResults.Text(a.Body, "application/json", Encoding.UTF8)
        : Problems.Result(a.Status, a.Status switch { 400 => "Bad Request", 404 => "Not Found", 408 => "Request Timeout", 422 => "Unprocessable Content", _ => "Error" }, a.Body);

    internal static IResult Unavailable(HttpContext http, string what, Exception e)
    {
        http.Response.Headers.RetryAfter = "2";
        return Problems.Result(503, "Service Unavailable", $"{what} did not answer ({e.GetBaseException().Message}); retry in a moment.");
    }

    private static async Task<IResult> List(HttpContext http)
    {
        var sims = SimulationDirectory.Of(http);
        string[] ids;
        try
        {
            ids = await sims.Ids().WaitAsync(SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(http, "the simulation registry", e);
        }
        // the background simulation first, then the others in the registry's order
        var list = new JsonArray();
        foreach (var node in await Task.WhenAll(ids.OrderBy(id => id != SimulationDirectory.BackgroundId).Select(id => Describe(sims, id, http))).ConfigureAwait(false))
            list.Add(node);
        return TypedResults.Ok(list);
    }

    /// <summary>A cluster simulation's description as JSON; when its grain does not answer, its id, status "unavailable" and why.</summary>
    private static async Task<JsonNode?> Describe(SimulationDirectory sims, string id, HttpContext http)
    {
        try
        {
            var a = await sims.Grain(id)!.Describe().WaitAsync(SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false);
            if (a.Status == 200) return JsonNode.Parse(a.Body);
            return new JsonObject { ["id"] = id, ["status"] = "unavailable", ["error"] = a.Body };
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return new JsonObject { ["id"] = id, ["status"] = "unavailable", ["error"] = e.GetBaseException().Message };
        }
    }

    private static async Task<IResult> Get(string id, HttpContext http)
    {
        // a run is described by its grain (which knows where it runs and how it ended), even when it runs here
        if (SimulationDirectory.Of(http).Grain(id) is not { } grain) return Missing(id);
        return await Ask(http, $"simulation '{id}'", grain.Describe()).ConfigureAwait(false);
    }

    private static async Task<IResult> Start(HttpRequest request, IOptions<PwmkServerOptions> options)
    {
        var sims = SimulationDirectory.Of(request.HttpContext);
        SimulationRequest body = new();
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var (read, error) = await JsonBody.ReadAsync<SimulationRequest>(request).ConfigureAwait(false);
            if (error is not null) return error;
            body = read!;
        }
        var p = new SimulationSettings(body.Env ?? "box-world", body.Agents ?? 2, body.TomDepth ?? 2, body.Seed ?? 0, body.Episodes ?? 0,
            body.StepDelayMs ?? 100, body.Train ?? true, body.MaxStepsPerEpisode ?? 200)
        { Planner = body.Planner ?? SimulationSettings.SimulatorPlanner };
        var problem = p.Validate();
        if (problem is not null) return JsonBody.BadRequest(problem);
        // a simulation is a grain; every simulation's agents write their beliefs to the partitions (mirrorBeliefs is accepted and has no effect)
        return await StartGrain(request.HttpContext, sims, p, options.Value.MaxSimulations).ConfigureAwait(false);
    }

    private static IResult TooMany() => Problems.Result(409, "Conflict", "As many simulations as allowed are running; stop one first.");

    private static async Task<IResult> StartGrain(HttpContext http, SimulationDirectory sims, SimulationSettings p, int max)
    {
        var spec = SimulationSpec.Of(p);
        if (spec.Validate() is { } problem) return JsonBody.BadRequest(problem);
        try
        {
            var ids = await sims.Ids().WaitAsync(SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false);
            var views = await Task.WhenAll(ids.Select(id => sims.Grain(id)!.View())).WaitAsync(SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false);
            int running = views.Count(v => v.Status == "running");
            if (running >= max) return TooMany();
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(http, "the simulation registry", e);
        }
        var (newId, grain) = sims.NewGrain();
        if (LogContext.Of(http) is { } log) log.SessionId = newId;
        SimulationAnswer started;
        try
        {
            started = await StartAndDescribe(grain, spec).WaitAsync(SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(http, "the cluster", e);
        }
        if (started.Status != 200) return Result(started);
        http.Response.Headers.Location = $"/api/simulations/{newId}";
        return TypedResults.Content(started.Body, "application/json", Encoding.UTF8, StatusCodes.Status201Created);
    }

    private static async Task<SimulationAnswer> StartAndDescribe(ISimulationGrain grain, SimulationSpec spec)
    {
        await grain.Start(spec, Activity.Current?.Id).ConfigureAwait(false);
        return await grain.Describe().ConfigureAwait(false);
    }

    private static async Task<IResult> Stop(string id, HttpContext http)
    {
        if (LogContext.Of(http) is { } log) log.SessionId = id;
        if (SimulationDirectory.Of(http).Grain(id) is not { } grain) return Missing(id);
        return await Ask(http, $"simulation '{id}'", grain.Stop()).ConfigureAwait(false);
    }

    private static async Task<IResult> Delete(string id, HttpContext http)
    {
        if (LogContext.Of(http) is { } log) log.SessionId = id;
        if (SimulationDirectory.Of(http).Grain(id) is not { } grain) return Missing(id);
        return await Ask(http, $"simulation '{id}'", grain.Forget()).ConfigureAwait(false);
    }

    private static Task<IResult> Render(string id, string? agent, HttpContext http) => Reach(id, SimulationDirectory.Of(http), http,
        run => agent is not null && !run.AgentNames.Contains(agent)
            ? JsonBody.NotFound($"No agent '{agent}' in simulation '{id}'.")
            : TypedResults.Ok(RenderOf(run, agent)),
        g => g.Render(agent));

    private static Task<IResult> Agents(string id, HttpContext http) =>
        Reach(id, SimulationDirectory.Of(http), http, run => TypedResults.Ok(run.Agents()), g => g.Agents());
}
