using Pwmk.Cluster.Simulation;
using Pwmk.Server.Security;

namespace Pwmk.Server.Api;

/// <summary>Body of <c>POST /api/cluster/simulations</c>.</summary>
public sealed record ClusterSimulationRequest(string? Env = null, int? Agents = null, int? TomDepth = null, int? Seed = null, int? Episodes = null,
    int? StepDelayMs = null, bool? Train = null, string? Planner = null, int? MaxStepsPerEpisode = null);

/// <summary>A member of the cluster as <c>GET /api/cluster</c> shows it.</summary>
public sealed record ClusterMemberView(string Address, string Name, string Status);

/// <summary>Answer of <c>GET /api/cluster</c>: this member and the active members.</summary>
public sealed record ClusterView(string Self, IReadOnlyList<ClusterMemberView> Members);

/// <summary>Endpoints of a cluster member (mapped with <c>--cluster</c> only): membership and the simulations run as grains.</summary>
internal static class ClusterEndpoints
{
    private static readonly TimeSpan s_ask = TimeSpan.FromSeconds(5);

    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/cluster").WithTags("cluster");
        g.MapGet("", Members).Produces<ClusterView>().ProducesProblem(503).WithSummary("The cluster's active members and this member's address");
        g.MapGet("/simulations", Simulations).Produces<SimulationView[]>().WithSummary("The cluster's simulations, each with the member it runs on");
        g.MapGet("/simulations/{id}", Simulation).Produces<SimulationView>().ProducesProblem(404).ProducesProblem(503);
        g.MapPost("/simulations", Start).Accepts<ClusterSimulationRequest>("application/json").AddEndpointFilter<ApiKeyFilter>()
            .Produces<SimulationView>(201).ProducesProblem(400).ProducesProblem(503).WithSummary("Starts a simulation on the member placement picks");
    }

    private static async Task<IResult> Members(IGrainFactory grains, ILocalSiloDetails self, HttpContext http)
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true).WaitAsync(s_ask, http.RequestAborted);
            var members = hosts.OrderBy(h => h.SiloAddress.ToString(), StringComparer.Ordinal)
                .Select(h => new ClusterMemberView(h.SiloAddress.ToString(), h.SiloName, h.Status.ToString())).ToList();
            return TypedResults.Ok(new ClusterView(self.SiloAddress.ToString(), members));
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(http, "membership", e);
        }
    }

    private static async Task<IResult> Simulations(IGrainFactory grains, HttpContext http)
    {
        string[] ids;
        try
        {
            ids = await grains.GetGrain<ISimulationRegistryGrain>(0).All().WaitAsync(s_ask, http.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(http, "the simulation registry", e);
        }
        var views = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                return await grains.GetGrain<ISimulationGrain>(id).View().WaitAsync(s_ask, http.RequestAborted);
            }
            catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
            {
                return new SimulationView(id, new SimulationSpec(), "unavailable", "", 0, 0, 0, 0, e.GetBaseException().Message);
            }
        }));
        return TypedResults.Ok(views);
    }

    private static async Task<IResult> Simulation(string id, IGrainFactory grains, HttpContext http)
    {
        try
        {
            var ids = await grains.GetGrain<ISimulationRegistryGrain>(0).All().WaitAsync(s_ask, http.RequestAborted);
            if (!ids.Contains(id, StringComparer.Ordinal)) return JsonBody.NotFound($"No simulation '{id}' in the cluster.");
            return TypedResults.Ok(await grains.GetGrain<ISimulationGrain>(id).View().WaitAsync(s_ask, http.RequestAborted));
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(http, $"simulation '{id}'", e);
        }
    }

    private static async Task<IResult> Start(HttpRequest request, IGrainFactory grains)
    {
        var (body, error) = await JsonBody.ReadAsync<ClusterSimulationRequest>(request);
        if (error is not null) return error;
        var d = new SimulationSpec();
        var spec = new SimulationSpec(body!.Env ?? d.Env, body.Agents ?? d.Agents, body.TomDepth ?? d.TomDepth, body.Seed ?? d.Seed,
            body.Episodes ?? d.Episodes, body.StepDelayMs ?? d.StepDelayMs, body.Train ?? d.Train, body.Planner ?? d.Planner,
            body.MaxStepsPerEpisode ?? d.MaxStepsPerEpisode);
        if (spec.Validate() is { } problem) return JsonBody.BadRequest(problem);
        var id = "csim-" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            var view = await grains.GetGrain<ISimulationGrain>(id).Start(spec).WaitAsync(s_ask, request.HttpContext.RequestAborted);
            return TypedResults.Created($"/api/cluster/simulations/{id}", view);
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Unavailable(request.HttpContext, "the cluster", e);
        }
    }

    private static IResult Unavailable(HttpContext http, string what, Exception e) => SimulationEndpoints.Unavailable(http, what, e);
}
