using Pwmk.Core.Simulation;
using Pwmk.Server.Simulation;

namespace Pwmk.Server.Api;

/// <summary>A recorded step in a timeline listing.</summary>
/// <param name="Sequence">Its number (use it with <c>/timeline/{sequence}</c>).</param>
/// <param name="Episode">The episode (0-based).</param>
/// <param name="Step">The step in the episode (0: after reset).</param>
/// <param name="Reward">Sum of the agents' rewards for the step.</param>
/// <param name="FalseBeliefs">Beliefs held after the step that differ from the world.</param>
public sealed record StepSummary(long Sequence, int Episode, int Step, double Reward, int FalseBeliefs);

/// <summary>The steps a simulation keeps for replay: sequence numbers <see cref="First"/> to <see cref="Next"/> - 1.</summary>
/// <param name="Simulation">The simulation's id.</param>
/// <param name="First">The oldest step kept.</param>
/// <param name="Next">The number the next step will get.</param>
/// <param name="Capacity">Steps kept at most (older ones are dropped).</param>
/// <param name="Steps">The listed steps (the page asked for).</param>
public sealed record TimelineResponse(string Simulation, long First, long Next, int Capacity, IReadOnlyList<StepSummary> Steps);

/// <summary>Replay of a simulation: its recorded steps, each with the world, the agents' views, their nested beliefs against the
/// truth, their decisions and plans, and the world model's predictions against what came.</summary>
internal static class TimelineEndpoints
{
    private const int MaxPage = 1_000;

    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/simulations/{id}/timeline").WithTags("simulations");
        g.MapGet("", List).Produces<TimelineResponse>().ProducesProblem(400).ProducesProblem(404)
            .WithSummary("The steps kept for replay (from, count: a page of them; default the latest 100)");
        g.MapGet("/{sequence}", Get).Produces<StepRecord>().ProducesProblem(400).ProducesProblem(404)
            .WithSummary("One recorded step ('latest' for the newest): world, views, beliefs with the truth, decisions, predictions");
    }

    private static IResult List(string id, long? from, int? count, SimulationManager manager)
    {
        if (manager.Find(id) is not { } run) return SimulationEndpoints.Missing(id);
        int n = count ?? 100;
        if (n is < 0 or > MaxPage) return JsonBody.BadRequest($"count: expected 0..{MaxPage}, got {n}");
        if (from is < 0) return JsonBody.BadRequest($"from: expected a step number >= 0, got {from}");
        var t = run.Timeline;
        long next = t.Count;
        long start = from ?? Math.Max(0, next - n);
        var steps = t.Range(start, n).Select(r => new StepSummary(r.Sequence, r.Episode, r.Step, r.Reward, r.Beliefs.Count(b => b.False))).ToList();
        return TypedResults.Ok(new TimelineResponse(run.Id, t.First, next, t.Capacity, steps));
    }

    private static IResult Get(string id, string sequence, SimulationManager manager)
    {
        if (manager.Find(id) is not { } run) return SimulationEndpoints.Missing(id);
        var t = run.Timeline;
        StepRecord? record;
        if (sequence == "latest")
        {
            record = t.Latest;
            if (record is null) return JsonBody.NotFound($"Simulation '{id}' has recorded no step yet.");
        }
        else if (long.TryParse(sequence, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seq))
        {
            record = t.Get(seq);
            if (record is null)
                return JsonBody.NotFound($"Simulation '{id}' keeps steps {t.First}..{t.Count - 1}; step {seq} is not among them.");
        }
        else
        {
            return JsonBody.BadRequest($"sequence: expected a step number or 'latest', got '{sequence}'");
        }
        return TypedResults.Ok(record);
    }
}
