using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;
using Pwmk.Server.Simulation;

namespace Pwmk.Server.Api;

/// <summary>Replay of a simulation: its recorded steps, each with the world, the agents' views, their nested beliefs against the
/// truth, their decisions and plans, and the world model's predictions against what came. On a cluster member, of the cluster's
/// simulations too (read on the run when it is on this member, else through its grain).</summary>
internal static class TimelineEndpoints
{
    private const int MaxPage = 1_000;

    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/simulations/{id}/timeline").WithTags("simulations");
        g.MapGet("", List).Produces<TimelineResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(503)
            .WithSummary("The steps kept for replay (from, count: a page of them; default the latest 100)");
        g.MapGet("/{sequence}", Get).Produces<StepRecord>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(503)
            .WithSummary("One recorded step ('latest' for the newest): world, views, beliefs with the truth, decisions, predictions");
    }

    private static async Task<IResult> List(string id, long? from, int? count, HttpContext http)
    {
        var sims = SimulationDirectory.Of(http);
        int n = count ?? 100;
        bool known = sims.FindLocal(id) is not null || sims.Grain(id) is not null;
        if (!known) return SimulationEndpoints.Missing(id);
        if (n is < 0 or > MaxPage) return JsonBody.BadRequest($"count: expected 0..{MaxPage}, got {n}");
        if (from is < 0) return JsonBody.BadRequest($"from: expected a step number >= 0, got {from}");
        return await SimulationEndpoints.Reach(id, sims, http, run => TypedResults.Ok(SimulationViews.Timeline(run, from, n)), g => g.Timeline(from, n))
            .ConfigureAwait(false);
    }

    private static async Task<IResult> Get(string id, string sequence, HttpContext http)
    {
        var sims = SimulationDirectory.Of(http);
        bool known = sims.FindLocal(id) is not null || sims.Grain(id) is not null;
        if (!known) return SimulationEndpoints.Missing(id);
        long? seq = null;
        if (sequence != "latest")
        {
            if (!long.TryParse(sequence, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long parsed))
                return JsonBody.BadRequest($"sequence: expected a step number or 'latest', got '{sequence}'");
            seq = parsed;
        }
        return await SimulationEndpoints.Reach(id, sims, http,
            run => SimulationViews.StepOf(run, seq, out var missing) is { } record ? TypedResults.Ok(record) : JsonBody.NotFound(missing!),
            g => g.Step(seq)).ConfigureAwait(false);
    }
}
