using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;
using Pwmk.Server.Simulation;
using Pwmk.Observability.Logging;

namespace Pwmk.Server.Api;

/// <summary>An agent known to the server: from the background simulation and/or the belief store.</summary>
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
        g.MapGet("", List).Produces<List<AgentSummary>>().WithSummary("Agents of the background simulation and of the belief store");
        g.MapGet("/{id}/beliefs", Beliefs).Produces<AgentBeliefsResponse>().ProducesProblem(400).ProducesProblem(404)
            .WithSummary("An agent's beliefs up to a nesting depth (1 = its own beliefs about the world)");
    }

    private static IResult List(BeliefStore store, SimulationManager sims)
    {
        var list = new List<AgentSummary>();
        var seen = new HashSet<string>();
        var primary = sims.Primary;
        if (primary is not null)
        {
            foreach (var a in primary.AgentNames)
            {
                seen.Add(a);
                list.Add(new AgentSummary(a, primary.Parameters.TomDepth, store.CountBeliefs(a), primary.Id));
            }
        }
        foreach (var t in store.Agents)
        {
            var name = t is Atom at ? at.Name : t.ToString();
            if (seen.Add(name)) list.Add(new AgentSummary(name, null, store.CountBeliefs(t), null));
        }
        return TypedResults.Ok(list);
    }

    private static IResult Beliefs(string id, int? depth, BeliefStore store, SimulationManager sims, HttpContext http)
    {
        if (LogContext.Of(http) is { } log) log.AgentId = id;
        int d = depth ?? store.Options.MaxNestingDepth;
        if (d < 1 || d > store.Options.MaxNestingDepth) return JsonBody.BadRequest($"'depth' must be in 1..{store.Options.MaxNestingDepth}, got {d}.");
        if (!BeliefEndpoints.IsAtomName(id)) return JsonBody.BadRequest($"agent id must be an atom name such as agent_0, got '{id}'.");
        var agent = new Atom(id);
        bool known = store.Agents.Contains(agent) || (sims.Primary?.AgentNames.Contains(id) ?? false);
        if (!known) return JsonBody.NotFound($"No agent '{id}' in the simulation or the belief store.");
        var state = store.GetBeliefState(agent);
        var beliefs = new List<AgentBelief>();
        foreach (var b in state.Beliefs)
        {
            if (b.Depth > d) continue;
            beliefs.Add(new AgentBelief(b.Fact.ToString(), [.. b.Chain.Select(c => c is Atom a ? a.Name : c.ToString())], b.Content.ToString(), b.Depth));
        }
        return TypedResults.Ok(new AgentBeliefsResponse(id, d, beliefs.Count, beliefs));
    }
}
