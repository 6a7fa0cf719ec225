using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Terms;
using Pwmk.Server.Hosting;
using Pwmk.Server.Security;
using Pwmk.Server.Simulation;

namespace Pwmk.Server.Api;

/// <summary>Body of <c>POST /api/beliefs/query</c>.</summary>
public sealed record BeliefQueryRequest(string? Query, int? Limit = null, int? TimeoutMs = null);

/// <summary>Answer of a belief query: one object per solution mapping variable names to values written as <c>writeq/1</c> would.</summary>
public sealed record BeliefQueryResponse(IReadOnlyList<Dictionary<string, string>> Solutions, int Count, bool Truncated, double ElapsedMs);

/// <summary>Body of <c>POST /api/beliefs</c> and <c>DELETE /api/beliefs</c>: <c>believes(Agent, Belief)</c>, or a world fact when no agent is given.</summary>
public sealed record BeliefChangeRequest(string? Agent, string? Belief);

/// <summary>Result of an assert or retract: the stored fact and whether the store changed.</summary>
public sealed record BeliefChangeResponse(string Fact, bool Changed, int FactCount);

/// <summary>Belief store endpoints: query, assert, retract.</summary>
internal static class BeliefEndpoints
{
    public const int MaxLimit = 10_000;

    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/beliefs").WithTags("beliefs");
        g.MapPost("/query", Query).Accepts<BeliefQueryRequest>("application/json")
            .Produces<BeliefQueryResponse>().ProducesProblem(400).ProducesProblem(408).ProducesProblem(422).ProducesProblem(413).ProducesProblem(429)
            .WithSummary("Runs a Prolog query (SWI syntax plus AND/OR/NOT) on the belief store");
        g.MapPost("", Assert).Accepts<BeliefChangeRequest>("application/json").AddEndpointFilter<ApiKeyFilter>()
            .Produces<BeliefChangeResponse>(201).Produces<BeliefChangeResponse>(200).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403)
            .WithSummary("Asserts believes(agent, belief) (or a world fact when agent is omitted)");
        g.MapDelete("", Retract).Accepts<BeliefChangeRequest>("application/json").AddEndpointFilter<ApiKeyFilter>()
            .Produces<BeliefChangeResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404)
            .WithSummary("Retracts believes(agent, belief) (or a world fact when agent is omitted)");
    }

    private static async Task<IResult> Query(HttpRequest request, BeliefStore store, ServerHistory history, IOptions<PwmkServerOptions> options)
    {
        var (body, error) = await JsonBody.ReadAsync<BeliefQueryRequest>(request).ConfigureAwait(false);
        if (error is not null) return error;
        if (string.IsNullOrWhiteSpace(body!.Query)) return JsonBody.BadRequest("'query' is required, e.g. {\"query\": \"believes(X, at(key, R))\"}.");
        int limit = body.Limit ?? 100;
        if (limit is < 1 or > MaxLimit) return JsonBody.BadRequest($"'limit' must be in 1..{MaxLimit}, got {limit}.");
        var o = options.Value;
        int timeout = body.TimeoutMs ?? o.QueryTimeoutMs;
        if (timeout < 1 || timeout > o.MaxTimeoutMs) return JsonBody.BadRequest($"'timeoutMs' must be in 1..{o.MaxTimeoutMs}, got {timeout}.");
        long start = Stopwatch.GetTimestamp();
        QueryResult result;
        try
        {
            result = store.Query(body.Query, new QueryOptions
            {
                MaxSolutions = limit,
                Timeout = TimeSpan.FromMilliseconds(timeout),
                MaxInferences = 200_000_000,
                MaxOutputChars = 64 * 1024,
                Cancel = request.HttpContext.RequestAborted,
            });
        }
        catch (BeliefStoreException e)
        {
            return Problems.Result(400, "Bad Request", e.Message, extensions: Where(e));
        }
        catch (PrologException e) when (e.Formal is Atom { Name: "time_limit_exceeded" })
        {
            return Problems.Result(408, "Request Timeout", $"The query did not finish within {timeout} ms.");
        }
        catch (PrologException e) when (e.IsLimit)
        {
            return Problems.Result(422, "Unprocessable Content", "The query exceeded a resource limit: " + e.Formal);
        }
        catch (PrologException e)
        {
            return Problems.Result(422, "Unprocessable Content", "The query raised an error: " + e.Ball);
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        history.QueryLatencyMs.Add(elapsed);
        var solutions = new List<Dictionary<string, string>>(result.Solutions.Count);
        foreach (var s in result.Solutions)
        {
            var d = new Dictionary<string, string>(s.Bindings.Count);
            foreach (var b in s.Bindings) d[b.Key] = b.Value.ToString();
            solutions.Add(d);
        }
        return TypedResults.Ok(new BeliefQueryResponse(solutions, solutions.Count, result.Truncated, Math.Round(elapsed, 3)));
    }

    private static Dictionary<string, object?>? Where(BeliefStoreException e) =>
        e.Line > 0 ? new() { ["line"] = e.Line, ["column"] = e.Column } : null;

    private static async Task<IResult> Assert(HttpRequest request, BeliefStore store)
    {
        var (body, error) = await JsonBody.ReadAsync<BeliefChangeRequest>(request).ConfigureAwait(false);
        if (error is not null) return error;
        if (string.IsNullOrWhiteSpace(body!.Belief)) return JsonBody.BadRequest("'belief' is required, e.g. {\"agent\": \"agent_0\", \"belief\": \"at(key, room_1)\"}.");
        try
        {
            bool changed;
            string fact;
            if (string.IsNullOrWhiteSpace(body.Agent))
            {
                changed = store.AssertFact(body.Belief);
                fact = Term.Parse(body.Belief).ToString();
            }
            else
            {
                if (!IsAtomName(body.Agent)) return JsonBody.BadRequest($"'agent' must be an atom name such as agent_0, got '{body.Agent}'.");
                changed = store.AddBelief(body.Agent, body.Belief);
                fact = new Compound("believes", new Atom(body.Agent), Term.Parse(body.Belief)).ToString();
            }
            var response = new BeliefChangeResponse(fact, changed, store.FactCount);
            return changed ? TypedResults.Created("/api/beliefs", response) : TypedResults.Ok(response);
        }
        catch (BeliefStoreException e)
        {
            return Problems.Result(400, "Bad Request", e.Message, extensions: Where(e));
        }
    }

    private static async Task<IResult> Retract(HttpRequest request, BeliefStore store)
    {
        var (body, error) = await JsonBody.ReadAsync<BeliefChangeRequest>(request).ConfigureAwait(false);
        if (error is not null) return error;
        if (string.IsNullOrWhiteSpace(body!.Belief)) return JsonBody.BadRequest("'belief' is required.");
        try
        {
            bool changed;
            string fact;
            if (string.IsNullOrWhiteSpace(body.Agent))
            {
                changed = store.RetractFact(body.Belief);
                fact = Term.Parse(body.Belief).ToString();
            }
            else
            {
                if (!IsAtomName(body.Agent)) return JsonBody.BadRequest($"'agent' must be an atom name such as agent_0, got '{body.Agent}'.");
                changed = store.RemoveBelief(body.Agent, body.Belief);
                fact = new Compound("believes", new Atom(body.Agent), Term.Parse(body.Belief)).ToString();
            }
            return changed
                ? TypedResults.Ok(new BeliefChangeResponse(fact, true, store.FactCount))
                : JsonBody.NotFound($"The store does not hold {fact}.");
        }
        catch (BeliefStoreException e)
        {
            return Problems.Result(400, "Bad Request", e.Message, extensions: Where(e));
        }
    }

    internal static bool IsAtomName(string s)
    {
        if (s.Length is 0 or > 256) return false;
        foreach (var c in s)
            if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
        return true;
    }
}
