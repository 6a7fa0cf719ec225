using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;
using Pwmk.Server.Hosting;
using Pwmk.Server.Persistence;
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
            .Produces<BeliefChangeResponse>(201).Produces<BeliefChangeResponse>(200).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(503)
            .WithSummary("Asserts believes(agent, belief) (or a world fact when agent is omitted)");
        g.MapDelete("", Retract).Accepts<BeliefChangeRequest>("application/json").AddEndpointFilter<ApiKeyFilter>()
            .Produces<BeliefChangeResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(503)
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

    private static Task<IResult> Assert(HttpRequest request, DurableBeliefStore store) => Change(request, store, BeliefChangeKind.Assert);

    private static Task<IResult> Retract(HttpRequest request, DurableBeliefStore store) => Change(request, store, BeliefChangeKind.Retract);

    /// <summary>
    /// Asserts or retracts through the journal: the response is sent only once the change is in the journal (fsynced
    /// under <c>--fsync always</c>) and applied; 503 when the state directory cannot be written (nothing applied).
    /// </summary>
    private static async Task<IResult> Change(HttpRequest request, DurableBeliefStore store, BeliefChangeKind op)
    {
        var (body, error) = await JsonBody.ReadAsync<BeliefChangeRequest>(request).ConfigureAwait(false);
        if (error is not null) return error;
        if (string.IsNullOrWhiteSpace(body!.Belief))
            return JsonBody.BadRequest(op == BeliefChangeKind.Assert ? "'belief' is required, e.g. {\"agent\": \"agent_0\", \"belief\": \"at(key, room_1)\"}." : "'belief' is required.");
        if (!string.IsNullOrWhiteSpace(body.Agent) && !IsAtomName(body.Agent))
            return JsonBody.BadRequest($"'agent' must be an atom name such as agent_0, got '{body.Agent}'.");
        string what = string.IsNullOrWhiteSpace(body.Agent) ? "fact" : "belief";
        Term term;
        try
        {
            term = Term.Parse(body.Belief);
        }
        catch (SyntaxErrorException e)
        {
            return Problems.Result(400, "Bad Request", $"{what}: syntax error: {e.Reason}", extensions: new Dictionary<string, object?> { ["line"] = e.Line, ["column"] = e.Column });
        }
        if (!term.IsGround) return Problems.Result(400, "Bad Request", $"{what} {body.Belief} is not ground: a stored {what} must not contain variables");
        var fact = string.IsNullOrWhiteSpace(body.Agent) ? term : new Compound("believes", new Atom(body.Agent), term);
        ChangeOutcome outcome;
        try
        {
            outcome = await store.CommitOneAsync(new BeliefChange(op, fact)).ConfigureAwait(false);
        }
        catch (StateUnavailableException e)
        {
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Problems.Result(503, "Service Unavailable", "The change was not stored: " + e.Message + ". Reads keep working; retry later.");
        }
        if (outcome.Error is { } bad) return Problems.Result(400, "Bad Request", bad.Message, extensions: Where(bad));
        var response = new BeliefChangeResponse(fact.ToString(), outcome.Changed, outcome.FactCount);
        if (op == BeliefChangeKind.Assert) return outcome.Changed ? TypedResults.Created("/api/beliefs", response) : TypedResults.Ok(response);
        return outcome.Changed ? TypedResults.Ok(response) : JsonBody.NotFound($"The store does not hold {response.Fact}.");
    }

    internal static bool IsAtomName(string s)
    {
        if (s.Length is 0 or > 256) return false;
        foreach (var c in s)
            if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
        return true;
    }
}
