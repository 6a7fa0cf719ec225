using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;
using Pwmk.Server.Hosting;
using Pwmk.Server.Persistence;
using Pwmk.Server.Security;
using Pwmk.Server.Simulation;
using Pwmk.Observability.Logging;

namespace Pwmk.Server.Api;

/// <summary>Body of <c>POST /api/beliefs/query</c>.</summary>
public sealed record BeliefQueryRequest(string? Query, int? Limit = null, int? TimeoutMs = null);

/// <summary>Answer of a belief query: one object per solution mapping variable names to values written as <c>writeq/1</c> would.</summary>
public sealed record BeliefQueryResponse(IReadOnlyList<Dictionary<string, string>> Solutions, int Count, bool Truncated, double ElapsedMs);

/// <summary>Body of <c>POST /api/beliefs</c> and <c>DELETE /api/beliefs</c>: <c>believes(Agent, Belief)</c>, or a world fact when no agent is given.</summary>
public sealed record BeliefChangeRequest(string? Agent, string? Belief);

/// <summary>Result of an assert or retract: the stored fact and whether the store changed.</summary>
public sealed record BeliefChangeResponse(string Fact, bool Changed, int FactCount);

/// <summary>The request bodies the API reads on its hot path, with source-generated metadata (the options of <see cref="JsonBody"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, MaxDepth = JsonBody.MaxDepth)]
[JsonSerializable(typeof(BeliefQueryRequest))]
internal sealed partial class ServerJson : JsonSerializerContext;

/// <summary>Belief store endpoints: query, assert, retract.</summary>
internal static class BeliefEndpoints
{
    public const int MaxLimit = 10_000;

    public static void Map(WebApplication app)
    {
        var g = app.MapGroup("/api/beliefs").WithTags("beliefs");
        // a handler of the HttpContext alone over the server's singletons, resolved once: no parameter binding, no request
        // service scope per query (the hot path of the API; docs/PERFORMANCE.md)
        var query = new QueryEndpoint(app.Services);
        g.MapPost("/query", (Func<HttpContext, Task>)query.HandleAsync).Accepts<BeliefQueryRequest>("application/json")
            .Produces<BeliefQueryResponse>().ProducesProblem(400).ProducesProblem(408).ProducesProblem(422).ProducesProblem(413).ProducesProblem(429).ProducesProblem(503)
            .WithSummary("Runs a read-only Prolog query (SWI syntax plus AND/OR/NOT) on the belief store");
        g.MapPost("", Assert).Accepts<BeliefChangeRequest>("application/json").AddEndpointFilter<ApiKeyFilter>()
            .Produces<BeliefChangeResponse>(201).Produces<BeliefChangeResponse>(200).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(503)
            .WithSummary("Asserts believes(agent, belief) (or a world fact when agent is omitted)");
        g.MapDelete("", Retract).Accepts<BeliefChangeRequest>("application/json").AddEndpointFilter<ApiKeyFilter>()
            .Produces<BeliefChangeResponse>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(503)
            .WithSummary("Retracts believes(agent, belief) (or a world fact when agent is omitted)");
    }

    /// <summary><c>POST /api/beliefs/query</c>: the server's singletons it needs, resolved once when the route is mapped.</summary>
    private sealed class QueryEndpoint(IServiceProvider services)
    {
        private readonly BeliefStore _store = services.GetRequiredService<BeliefStore>();
        private readonly ServerHistory _history = services.GetRequiredService<ServerHistory>();
        private readonly QueryAdmission _admission = services.GetRequiredService<QueryAdmission>();
        private readonly MemoryBudget _budget = services.GetRequiredService<MemoryBudget>();
        private readonly PwmkServerOptions _options = services.GetRequiredService<IOptions<PwmkServerOptions>>().Value;
        // resolved on first use: a member's router needs the silo's grain factory, there once the host runs
        private readonly Lazy<ClusterBeliefs?> _cluster = new(services.GetService<ClusterBeliefs>, LazyThreadSafetyMode.PublicationOnly);

        public async Task HandleAsync(HttpContext http)
        {
            var result = await Query(http).ConfigureAwait(false);
            await result.ExecuteAsync(http).ConfigureAwait(false);
        }

        private Task<IResult> Query(HttpContext http) => BeliefEndpoints.Query(http.Request, _store, _history, _admission, _budget, _options, _cluster.Value);
    }

    private static async Task<IResult> Query(HttpRequest request, BeliefStore store, ServerHistory history, QueryAdmission admission, MemoryBudget budget,
        PwmkServerOptions o, ClusterBeliefs? cluster)
    {
        var (body, error) = await JsonBody.ReadAsync(request, ServerJson.Default.BeliefQueryRequest).ConfigureAwait(false);
        if (error is not null) return error;
        if (string.IsNullOrWhiteSpace(body!.Query)) return JsonBody.BadRequest("'query' is required, e.g. {\"query\": \"believes(X, at(key, R))\"}.");
        int limit = body.Limit ?? 100;
        if (limit is < 1 or > MaxLimit) return JsonBody.BadRequest($"'limit' must be in 1..{MaxLimit}, got {limit}.");
        int timeout = body.TimeoutMs ?? o.QueryTimeoutMs;
        if (timeout < 1 || timeout > o.MaxTimeoutMs) return JsonBody.BadRequest($"'timeoutMs' must be in 1..{o.MaxTimeoutMs}, got {timeout}.");
        long start = Stopwatch.GetTimestamp();
        var http = request.HttpContext;
        // the time a query waits for a slot counts against its own time limit
        switch (await admission.EnterAsync(TimeSpan.FromMilliseconds(timeout), http.RequestAborted).ConfigureAwait(false))
        {
            case Admission.QueueFull:
                http.Response.Headers.RetryAfter = "1";
                return Problems.Result(429, "Too Many Requests",
                    $"{admission.Slots} queries are running and as many as allowed are waiting; retry in a moment.");
            case Admission.TimedOut:
                http.Response.Headers.RetryAfter = "1";
                return Problems.Result(503, "Service Unavailable",
                    $"The server is busy: no query slot came free within the query's {timeout} ms; retry in a moment.");
        }
        QueryResult result;
        try
        {
            var left = TimeSpan.FromMilliseconds(timeout) - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero) return Problems.Result(408, "Request Timeout", $"The query did not finish within {timeout} ms.");
            var queryOptions = new QueryOptions
            {
                MaxSolutions = limit,
                Timeout = left,
                MaxInferences = 200_000_000,
                MaxOutputChars = 64 * 1024,
                Cancel = http.RequestAborted,
                Memory = budget,
            };
            // a member of a cluster asks the belief partitions the query needs (the same engine then answers it here)
            result = cluster is not null
                ? await cluster.QueryAsync(body.Query, queryOptions, http.RequestAborted).ConfigureAwait(false)
                : store.Query(body.Query, queryOptions);
        }
        catch (ClusterUnavailableException e)
        {
            http.Response.Headers.RetryAfter = "2";
            return Problems.Result(503, "Service Unavailable", "The query was not answered: " + e.Message + "; retry in a moment.");
        }
        catch (BeliefStoreException e)
        {
            return Problems.Result(400, "Bad Request", e.Message, extensions: Where(e));
        }
        catch (PrologException e) when (e.Formal is Atom { Name: "time_limit_exceeded" })
        {
            return Problems.Result(408, "Request Timeout", $"The query did not finish within {timeout} ms.");
        }
        catch (PrologException e) when (e.OutOfSharedMemory)
        {
            http.Response.Headers.RetryAfter = "2";
            return Problems.Result(503, "Service Unavailable",
                $"The queries running now hold all the memory queries may use together ({budget.Capacity >> 20} MiB); retry in a moment.");
        }
        catch (PrologException e) when (e.IsLimit)
        {
            return Problems.Result(422, "Unprocessable Content", "The query exceeded a resource limit: " + e.Formal);
        }
        catch (PrologException e) when (e.Formal is Compound { Functor: "permission_error", Arity: 3 } pe && pe.Args[0] is Atom { Name: "modify" })
        {
            return Problems.Result(422, "Unprocessable Content",
                $"The query tried to change the store ({e.Formal}): queries are read-only. Change beliefs with POST or DELETE /api/beliefs.");
        }
        catch (PrologException e)
        {
            return Problems.Result(422, "Unprocessable Content", "The query raised an error: " + e.Ball);
        }
        finally
        {
            admission.Leave();
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        history.QueryLatencyMs.AddSampled(elapsed);
        return new QueryJson(result, Math.Round(elapsed, 3));
    }

    /// <summary>
    /// Writes a <see cref="BeliefQueryResponse"/> straight from the engine's result with a per-thread
    /// <see cref="Utf8JsonWriter"/> and buffer (no intermediate dictionaries), with its length.
    /// </summary>
    private sealed class QueryJson(QueryResult result, double elapsedMs) : IResult
    {
        [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
        [ThreadStatic] private static Utf8JsonWriter? t_writer;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
            buffer.ResetWrittenCount();
            var w = t_writer;
            if (w is null) t_writer = w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
            else w.Reset(buffer);
            w.WriteStartObject();
            w.WriteStartArray(s_solutions);
            foreach (var s in result.Solutions)
            {
                w.WriteStartObject();
                foreach (var b in s.Bindings) w.WriteString(b.Key, b.Value.ToString());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber(s_count, result.Solutions.Count);
            w.WriteBoolean(s_truncated, result.Truncated);
            w.WriteNumber(s_elapsed, elapsedMs);
            w.WriteEndObject();
            w.Flush();
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength = buffer.WrittenCount;
            var write = response.Body.WriteAsync(buffer.WrittenMemory);
            // a large answer's buffer is not kept; nor one a write still in flight may read
            if (buffer.Capacity > 1 << 20 || !write.IsCompletedSuccessfully)
            {
                t_buffer = null;
                t_writer = null;
            }
            return write.AsTask();
        }

        private static readonly JsonEncodedText s_solutions = JsonEncodedText.Encode("solutions"), s_count = JsonEncodedText.Encode("count"),
            s_truncated = JsonEncodedText.Encode("truncated"), s_elapsed = JsonEncodedText.Encode("elapsedMs");
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
        if (what == "belief" && LogContext.Of(request.HttpContext) is { } log) log.AgentId = body.Agent;
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
        bool changed;
        int factCount;
        try
        {
            if (request.HttpContext.RequestServices.GetService<ClusterBeliefs>() is { } cluster)
            {
                // in a cluster: acknowledged once the agent's partition has written it to the cluster's storage
                var o = await cluster.ChangeAsync(new BeliefChange(op, fact)).ConfigureAwait(false);
                if (o.Error is { } message)
                    return Problems.Result(400, "Bad Request", message, extensions: o.Line > 0 ? new Dictionary<string, object?> { ["line"] = o.Line, ["column"] = o.Column } : null);
                (changed, factCount) = (o.Changed, o.FactCount);
            }
            else
            {
                var outcome = await store.CommitOneAsync(new BeliefChange(op, fact)).ConfigureAwait(false);
                if (outcome.Error is { } bad) return Problems.Result(400, "Bad Request", bad.Message, extensions: Where(bad));
                (changed, factCount) = (outcome.Changed, outcome.FactCount);
            }
        }
        catch (Exception e) when (e is StateUnavailableException or ClusterUnavailableException)
        {
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return Problems.Result(503, "Service Unavailable", "The change was not stored: " + e.Message + ". Reads keep working; retry later.");
        }
        var response = new BeliefChangeResponse(fact.ToString(), changed, factCount);
        if (op == BeliefChangeKind.Assert) return changed ? TypedResults.Created("/api/beliefs", response) : TypedResults.Ok(response);
        return changed ? TypedResults.Ok(response) : JsonBody.NotFound($"The store does not hold {response.Fact}.");
    }

    internal static bool IsAtomName(string s)
    {
        if (s.Length is 0 or > 256) return false;
        foreach (var c in s)
            if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
        return true;
    }
}
