using Pwmk.Cluster.Simulation;
using Microsoft.Extensions.Options;
using Pwmk.Core.Planning;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;
using Pwmk.Server.Hosting;
using Pwmk.Server.Simulation;

namespace Pwmk.Server.Api;

/// <summary>Initial state of a plan: facts true in the world, and per agent the facts it does not know.</summary>
public sealed record PlanInitialState(IReadOnlyList<string>? TrueFacts, Dictionary<string, IReadOnlyList<string>>? UnknownTo);

/// <summary>
/// Body of <c>POST /api/plan</c>: a goal about the world and beliefs (query syntax with AND/OR/NOT and
/// <c>believes/2</c>), optional extra epistemic and maintenance goals, the initial state and a time limit.
/// With <see cref="Simulation"/>, the plan starts from that running simulation's environment as it is now (its
/// world and tracked beliefs; <see cref="InitialState"/> must be absent), uses its actions and witness rules, and
/// only <see cref="Agent"/> acts when given; otherwise it plans in the fixed Sally-Anne domain. Goals may name
/// predicates derived by the rules of the server's belief store.
/// </summary>
public sealed record PlanRequest(string? Goal, IReadOnlyList<string>? Epistemic = null, IReadOnlyList<string>? Maintenance = null,
    PlanInitialState? InitialState = null, int? TimeoutMs = null, int? MaxDepth = null, string? Simulation = null, string? Agent = null,
    int? MaxNodes = null);

/// <summary><c>POST /api/plan</c> on the server's planning domain (two agents, a key in a red or blue box, agent_1 may leave the room)
/// or on a running simulation's environment.</summary>
internal static class PlanEndpoints
{
    private static readonly Term InRed = Term.Parse("in(key, red_box)");
    private static readonly Term InBlue = Term.Parse("in(key, blue_box)");
    private static readonly Term Present = Term.Parse("present(agent_1)");

    /// <summary>The Sally-Anne style domain: agent_0 moves the key; agent_1 sees moves only while present.</summary>
    internal static readonly EpistemicDomain Domain = BuildDomain();

    internal static readonly EpistemicWorldState DefaultInitial = new([InRed, Present]);

    private static EpistemicDomain BuildDomain()
    {
        var always = Term.Parse("true");
        var seen = new Dictionary<string, Term> { ["agent_0"] = always, ["agent_1"] = Present };
        var both = new Dictionary<string, Term> { ["agent_0"] = always, ["agent_1"] = always };
        return new EpistemicDomain(["agent_0", "agent_1"], [InRed, InBlue, Present],
        [
            new DomainAction("leave_1", Present, [], [Present], both),
            new DomainAction("return_1", Term.Parse("NOT present(agent_1)"), [Present], [], both),
            new DomainAction("move_red_to_blue", InRed, [InBlue], [InRed], seen),
            new DomainAction("move_blue_to_red", InBlue, [InRed], [InBlue], seen),
        ]);
    }

    /// <summary>The first null where a term or a list of terms is expected (JSON null inside a list), or null.</summary>
    private static string? NullItem(PlanRequest body)
    {
        static string? In(string name, IReadOnlyList<string>? items)
        {
            if (items is null) return null;
            for (int i = 0; i < items.Count; i++)
                if (items[i] is null) return $"'{name}[{i}]' is null; expected a term such as in(key, red_box).";
            return null;
        }
        string? found = In("epistemic", body.Epistemic) ?? In("maintenance", body.Maintenance) ?? In("initialState.trueFacts", body.InitialState?.TrueFacts);
        if (found is not null || body.InitialState?.UnknownTo is not { } unknown) return found;
        foreach (var (agent, facts) in unknown)
        {
            if (facts is null) return $"'initialState.unknownTo.{agent}' is null; expected a list of terms.";
            if (In($"initialState.unknownTo.{agent}", facts) is { } item) return item;
        }
        return null;
    }

    public static void Map(WebApplication app)
    {
        app.MapPost("/api/plan", Plan).WithTags("plan").Accepts<PlanRequest>("application/json")
            .Produces<PlanResponse>().ProducesProblem(400).ProducesProblem(408).ProducesProblem(422)
            .WithSummary("Finds a shortest plan reaching a goal about the world and beliefs, with the belief trajectory");
    }

    private static async Task<IResult> Plan(HttpRequest request, ServerHistory history, IOptions<PwmkServerOptions> options,
        Pwmk.Core.Beliefs.BeliefStore beliefs)
    {
        var (body, error) = await JsonBody.ReadAsync<PlanRequest>(request).ConfigureAwait(false);
        if (error is not null) return error;
        if (string.IsNullOrWhiteSpace(body!.Goal)) return JsonBody.BadRequest("'goal' is required, e.g. {\"goal\": \"in(key, blue_box) AND believes(agent_1, in(key, red_box))\"}.");
        var o = options.Value;
        int timeout = body.TimeoutMs ?? o.PlanTimeoutMs;
        if (timeout < 1 || timeout > o.MaxTimeoutMs) return JsonBody.BadRequest($"'timeoutMs' must be in 1..{o.MaxTimeoutMs}, got {timeout}.");
        int depth = body.MaxDepth ?? 6;
        if (depth is < 1 or > 20) return JsonBody.BadRequest($"'maxDepth' must be in 1..20, got {depth}.");
        int maxNodes = body.MaxNodes ?? 200_000;
        if (maxNodes is < 1 or > 1_000_000) return JsonBody.BadRequest($"'maxNodes' must be in 1..1000000, got {maxNodes}.");
        if (body.Simulation is not null)
        {
            var sims = SimulationDirectory.Of(request.HttpContext);
            var run = sims.FindLocal(body.Simulation);
            var grain = run is null ? sims.Grain(body.Simulation) : null;
            if (run is null && grain is null) return Problems.Result(404, "Not Found", $"No simulation '{body.Simulation}'.");
            if (body.InitialState is not null) return JsonBody.BadRequest("'initialState' cannot be given with 'simulation': the plan starts from the simulation's current state.");
            if (NullItem(body) is { } missingItem) return JsonBody.BadRequest(missingItem);
            var ask = new SimulationPlanAsk(body.Goal, body.Epistemic, body.Maintenance, body.Agent, depth, timeout, maxNodes);
            if (run is not null)
            {
                // on this member: the run itself, and the rules of this server's belief store
                var (status, plan, detail) = SimulationPlanning.Plan(run, ask, beliefs, request.HttpContext.RequestAborted);
                if (status is 200 or 408 or 422) history.PlanSuccess.Add(plan?.Solved == true ? 1 : 0);
                return status == 200 ? TypedResults.Ok(plan) : Problems.Result(status, TitleOf(status), detail!);
            }
            return await PlanElsewhere(request.HttpContext, body.Simulation, grain!, ask, beliefs).ConfigureAwait(false);
        }
        if (body.Agent is not null) return JsonBody.BadRequest("'agent' needs 'simulation'.");
        if (NullItem(body) is { } missing) return JsonBody.BadRequest(missing);
        Goal goal;
        EpistemicWorldState initial;
        try
        {
            goal = Goal.Parse(body.Goal, body.Epistemic, body.Maintenance);
            initial = body.InitialState is null ? DefaultInitial : new EpistemicWorldState(
                [.. (body.InitialState.TrueFacts ?? []).Select(Term.Parse)],
                body.InitialState.UnknownTo?.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Term>)[.. kv.Value.Select(Term.Parse)]));
        }
        catch (SyntaxErrorException e)
        {
            return JsonBody.BadRequest("Syntax error in the plan request: " + e.Message);
        }
        PlanResult result;
        try
        {
            result = new EpistemicPlanner(Domain, beliefs, depth).Plan(initial, goal, TimeSpan.FromMilliseconds(timeout), maxNodes);
        }
        catch (ArgumentException e)
        {
            return JsonBody.BadRequest(e.Message);
        }
        catch (NotSupportedException e)
        {
            return Problems.Result(422, "Unprocessable Content", e.Message);
        }
        history.PlanSuccess.Add(result.Solved ? 1 : 0);
        var (code, response, why) = SimulationPlanning.Outcome(result, timeout, "sally-anne");
        return code == 200 ? TypedResults.Ok(response) : Problems.Result(code, TitleOf(code), why!);
    }

    /// <summary>
    /// A plan on a simulation whose activation is on another member: this member unfolds its own rules into the goal (so
    /// the plan is the one this server would make), the simulation's grain plans it there. The grain call lasts as long as
    /// the plan may (its time-out plus <see cref="SimulationDirectory.Ask"/>), not Orleans' 30 s default, and is cancelled,
    /// the search with it, when the request is aborted or that budget is spent (503).
    /// </summary>
    private static async Task<IResult> PlanElsewhere(HttpContext http, string id, ISimulationGrain grain, SimulationPlanAsk ask, Pwmk.Core.Beliefs.BeliefStore beliefs)
    {
        string what = $"simulation '{id}'";
        SimulationPlanContext? context;
        try
        {
            context = await grain.PlanContext().WaitAsync(SimulationDirectory.Ask, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return SimulationEndpoints.Unavailable(http, what, e);
        }
        if (context is null) return Problems.Result(404, "Not Found", $"No simulation '{id}'.");
        var (ready, status, detail) = SimulationPlanning.Prepare(ask, context, id, beliefs);
        if (ready is null) return Problems.Result(status, TitleOf(status), detail!);
        var budget = TimeSpan.FromMilliseconds(ask.TimeoutMs) + SimulationDirectory.Ask;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        giveUp.CancelAfter(budget);
        return await SimulationEndpoints.Ask(http, what, grain.Plan(ready, giveUp.Token), budget).ConfigureAwait(false);
    }

    private static string TitleOf(int status) => status switch { 400 => "Bad Request", 408 => "Request Timeout", _ => "Unprocessable Content" };
}
