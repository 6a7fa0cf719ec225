using Pwmk.Core.Simulation;
using Pwmk.Server.Security;
using Pwmk.Server.Simulation;

using Pwmk.Server.Persistence;
using Pwmk.Observability.Logging;

namespace Pwmk.Server.Api;

/// <summary>Body of <c>POST /api/simulations</c>; every field is optional.</summary>
public sealed record SimulationRequest(string? Env = null, int? Agents = null, int? TomDepth = null, int? Seed = null, int? Episodes = null,
    int? StepDelayMs = null, bool? Train = null, int? MaxStepsPerEpisode = null, bool? MirrorBeliefs = null, string? Planner = null);

/// <summary>
/// State of a simulation with the recent history of its episode rewards, training losses, the online world model's
/// one-step prediction error (mean squared error over all agents' observations) and the share of decisions its agents took
/// from a plan per episode, and what its agents said: how many claims and lies since it started, and the last few claims
/// (speaker, listeners, who believed it, whether it was true).
/// </summary>
public sealed record SimulationResponse(string Id, string Env, string Status, int Episode, int Step, long TotalSteps, double EpisodeReward,
    IReadOnlyList<string> Agents, int TomDepth, bool MirrorsBeliefs, DateTimeOffset Started, string? Error,
    IReadOnlyList<MetricPoint> Rewards, IReadOnlyList<MetricPoint> TrainingLoss, IReadOnlyList<MetricPoint> PredictionError,
    IReadOnlyList<MetricPoint> PlanRate, long Claims, long Lies, IReadOnlyList<SaidClaim> RecentClaims)
{
    /// <summary>What the agents plan with: simulator (a copy of the true environment) or learned (the online world model).</summary>
    public string Planner { get; init; } = Pwmk.Core.Simulation.SimulationSettings.SimulatorPlanner;
}

/// <summary>The world seen by everyone or by one agent: text rows, '?' where the agent cannot see.</summary>
public sealed record RenderResponse(string Simulation, string? Agent, string Env, IReadOnlyList<string> Rows, int HiddenCells);

/// <summary>Simulation endpoints: start, list, get, stop, render.</summary>
internal static class SimulationEndpoints
{
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/simulations").WithTags("simulations");
        g.MapPost("", Start).Accepts<SimulationRequest>("application/json").AddEndpointFilter<ApiKeyFilter>()
            .Produces<SimulationResponse>(201).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(409)
            .WithSummary("Starts a simulation");
        g.MapGet("", (SimulationManager m) => TypedResults.Ok(m.All.Select(ToResponse).ToList())).Produces<List<SimulationResponse>>()
            .WithSummary("Every simulation");
        g.MapGet("/{id}", (string id, SimulationManager m) => m.Find(id) is { } r ? (IResult)TypedResults.Ok(ToResponse(r)) : Missing(id))
            .Produces<SimulationResponse>().ProducesProblem(404).WithSummary("One simulation");
        g.MapPost("/{id}/stop", Stop).AddEndpointFilter<ApiKeyFilter>()
            .Produces<SimulationResponse>().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).WithSummary("Stops a simulation");
        g.MapGet("/{id}/render", Render).Produces<RenderResponse>().ProducesProblem(404)
            .WithSummary("The world as an agent sees it (cells it cannot see are '?'), or as it is without agent");
    }

    internal static IResult Missing(string id) => JsonBody.NotFound(id.StartsWith("csim-", StringComparison.Ordinal)
        ? $"No simulation '{id}' in this process: simulations of a cluster are at /api/cluster/simulations/{id} on any member."
        : $"No simulation '{id}'.");

    internal static SimulationResponse ToResponse(SimulationRun r) => new(r.Id, r.EnvName, r.Status.ToString().ToLowerInvariant(), r.Episode, r.Step,
        r.TotalSteps, r.EpisodeReward, r.AgentNames, r.Parameters.TomDepth, r.MirrorsBeliefs, r.Started, r.Error, r.Rewards.Snapshot(), r.TrainingLoss.Snapshot(), r.PredictionError.Snapshot(),
        r.PlanRate.Snapshot(), r.Runner.Claims, r.Runner.Lies, r.Runner.RecentClaims())
    { Planner = r.Parameters.Planner };

    private static async Task<IResult> Start(HttpRequest request, SimulationManager manager)
    {
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
        var run = manager.Start(p, body.MirrorBeliefs ?? false);
        if (run is null) return Problems.Result(409, "Conflict", "As many simulations as allowed are running; stop one first.");
        if (LogContext.Of(request.HttpContext) is { } log) log.SessionId = run.Id;
        return TypedResults.Created($"/api/simulations/{run.Id}", ToResponse(run));
    }

    private static async Task<IResult> Stop(string id, SimulationManager manager, HttpContext http)
    {
        if (LogContext.Of(http) is { } log) log.SessionId = id;
        var run = manager.Find(id);
        if (run is null) return Missing(id);
        await run.StopAsync().ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(run));
    }

    private static IResult Render(string id, string? agent, SimulationManager manager)
    {
        var run = manager.Find(id);
        if (run is null) return Missing(id);
        if (agent is not null && !run.AgentNames.Contains(agent)) return JsonBody.NotFound($"No agent '{agent}' in simulation '{id}'.");
        return TypedResults.Ok(RenderOf(run, agent));
    }

    internal static RenderResponse RenderOf(SimulationRun run, string? agent)
    {
        var text = run.Render(agent);
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int hidden = 0;
        if (run.EnvName != "rooms")
            foreach (var row in rows) hidden += row.Count(c => c == '?');
        else
            foreach (var row in rows) if (row.EndsWith(": ?", StringComparison.Ordinal)) hidden++;
        return new RenderResponse(run.Id, agent, run.EnvName, rows, hidden);
    }
}
