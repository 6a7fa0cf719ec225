using System.Text.Json;
using Microsoft.Extensions.Options;
using Pwmk.Cluster.Beliefs;
using Pwmk.Cluster.Simulation;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Terms;
using Pwmk.Server.Hosting;
using Pwmk.Server.Simulation;
using Pwmk.Observability.Logging;

namespace Pwmk.Server.Api;

/// <summary>An agent known to the server: of a simulation (its name in the belief store, and the simulation's id) and/or of the belief partitions.</summary>
public sealed record AgentSummary(string Id, int? TomDepth, int BeliefCount, string? Simulation);

/// <summary>An agent's stored beliefs up to a depth.</summary>
public sealed record AgentBeliefsResponse(string Agent, int Depth, int Count, IReadOnlyList<AgentBelief> Beliefs);

/// <summary>One stored belief: the fact (<c>believes(...)</c>), the chain of believers, the content and its depth.</summary>
public sealed record AgentBelief(string Fact, IReadOnlyList<string> Chain, string Content, int Depth);

/// <summary><c>GET /api/agents</c> and <c>GET /api/agents/{id}/beliefs?depth=</c>.</summary>
internal static class AgentEndpoints
{
    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/agents").WithTags("agents");
        g.MapGet("", List).Produces<List<AgentSummary>>().WithSummary("Agents of the simulations (the background one first) and of the belief partitions");
        g.MapGet("/{id}/beliefs", Beliefs).Produces<AgentBeliefsResponse>().ProducesProblem(400).ProducesProblem(404)
            .WithSummary("An agent's beliefs up to a nesting depth (1 = its own beliefs about the world)");
    }

    private static async Task<IResult> List(HttpContext http, BeliefStore store, ClusterBeliefs beliefs, IOptions<PwmkServerOptions> options)
    {
        var list = new List<AgentSummary>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // the simulations' agents first (under their names in the belief store), the background simulation's first of all
        var counts = await BeliefCounts(store, beliefs, options.Value, http.RequestAborted).ConfigureAwait(false);
        foreach (var sim in await Simulations(http).ConfigureAwait(false))
        {
            foreach (var name in sim.BeliefNames)
                if (seen.Add(name)) list.Add(new AgentSummary(name, sim.TomDepth, counts.GetValueOrDefault(name), sim.Id));
        }
        foreach (var (name, count) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (seen.Add(name)) list.Add(new AgentSummary(name, null, count, null));
        return TypedResults.Ok(list);
    }

    /// <summary>Each agent's number of beliefs in the partitions: on a journaled member the journal's store (which holds every partition), else asked of the partitions.</summary>
    private static async Task<Dictionary<string, int>> BeliefCounts(BeliefStore store, ClusterBeliefs beliefs, PwmkServerOptions options, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (options.ClusterSettings.IsLocal)
        {
            foreach (var t in store.Agents) counts[NameOf(t)] = store.CountBeliefs(t);
            return counts;
        }
        var all = await beliefs.QueryAsync("believes(A, _)", new QueryOptions { MaxSolutions = int.MaxValue, Timeout = TimeSpan.FromSeconds(10) }, ct).ConfigureAwait(false);
        foreach (var s in all.Solutions) counts[NameOf(s["A"])] = counts.GetValueOrDefault(NameOf(s["A"])) + 1;
        return counts;
    }

    private static string NameOf(Term t) => t is Atom a ? a.Name : t.ToString();

    /// <summary>The cluster's simulations (the background one first) as their grains describe them; those that do not answer in time are left out.</summary>
    private static async Task<List<SimulationResponse>> Simulations(HttpContext http)
    {
        var sims = SimulationDirectory.Of(http);
        try
        {
            var ids = await sims.Ids().WaitAsync(SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false);
            var answers = await Task.WhenAll(ids.OrderBy(id => id != SimulationDirectory.BackgroundId)
                .Select(id => sims.FindLocal(id) is { } run ? Task.FromResult(SimulationAnswer.Ok(SimulationViews.Describe(run))) : sims.Grain(id)!.Describe()))
                .WaitAsync(SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false);
            return [.. answers.Where(a => a.Status == 200).Select(a => JsonSerializer.Deserialize<SimulationResponse>(a.Body, SimulationViews.Json)!)];
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return [];
        }
    }

    private static async Task<IResult> Beliefs(string id, int? depth, BeliefStore store, ClusterBeliefs beliefs, HttpContext http)
    {
        if (LogContext.Of(http) is { } log) log.AgentId = id;
        int d = depth ?? store.Options.MaxNestingDepth;
        if (d < 1 || d > store.Options.MaxNestingDepth) return JsonBody.BadRequest($"'depth' must be in 1..{store.Options.MaxNestingDepth}, got {d}.");
        if (!BeliefEndpoints.IsAtomName(id)) return JsonBody.BadRequest($"agent id must be an atom name such as agent_0, got '{id}'.");
        var agent = new Atom(id);
        // the agent's partition: its facts, in a store of their own (the same view on a journaled member and on Redis)
        var held = await beliefs.QueryAsync($"believes({agent}, F)", new QueryOptions { MaxSolutions = int.MaxValue, Timeout = TimeSpan.FromSeconds(10) },
            http.RequestAborted).ConfigureAwait(false);
        bool known = held.Solutions.Count > 0 || (await Simulations(http).ConfigureAwait(false)).Any(s => s.BeliefNames.Contains(id));
        if (!known) return JsonBody.NotFound($"No agent '{id}' in a simulation or the belief store.");
        var own = new BeliefStore(store.Options);
        own.Apply([.. held.Solutions.Select(s => BeliefChange.Assert(new Compound("believes", agent, s["F"])))]);
        var beliefList = new List<AgentBelief>();
        foreach (var b in own.GetBeliefState(agent).Beliefs)
        {
            if (b.Depth > d) continue;
            beliefList.Add(new AgentBelief(b.Fact.ToString(), [.. b.Chain.Select(c => c is Atom a ? a.Name : c.ToString())], b.Content.ToString(), b.Depth));
        }
        return TypedResults.Ok(new AgentBeliefsResponse(id, d, beliefList.Count, beliefList));
    }
}
