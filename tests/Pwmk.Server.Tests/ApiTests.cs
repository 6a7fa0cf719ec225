using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;

namespace Pwmk.Server.Tests;

public class ApiTests
{
    private static readonly Dictionary<string, string?> WithSimulation = new() { ["Pwmk:Simulate"] = "true", ["Pwmk:StepDelayMs"] = "1" };

    [Fact]
    public async Task AgentsOfTheBackgroundSimulationHaveBeliefs()
    {
        await using var s = await ServerFixture.StartAsync(WithSimulation);
        var agents = await ServerFixture.Json(await s.Client.GetAsync("/api/agents"));
        Assert.Equal(new string?[] { "agent_0", "agent_1" }, agents.EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToArray());
        await ServerFixture.Eventually(async () =>
            (await ServerFixture.Json(await s.Client.GetAsync("/api/agents/agent_0/beliefs?depth=2"))).GetProperty("count").GetInt32() > 0);
        var deep = await ServerFixture.Json(await s.Client.GetAsync("/api/agents/agent_0/beliefs?depth=2"));
        var shallow = await ServerFixture.Json(await s.Client.GetAsync("/api/agents/agent_0/beliefs?depth=1"));
        Assert.All(shallow.GetProperty("beliefs").EnumerateArray(), b => Assert.Equal(1, b.GetProperty("depth").GetInt32()));
        // the simulation keeps changing beliefs between the two calls, so counts of different calls do not compare
        Assert.All(deep.GetProperty("beliefs").EnumerateArray(), b => Assert.InRange(b.GetProperty("depth").GetInt32(), 1, 2));
        Assert.All(deep.GetProperty("beliefs").EnumerateArray(), b => Assert.StartsWith("believes(agent_0,", b.GetProperty("fact").GetString()));
        await ServerFixture.AssertProblem(await s.Client.GetAsync("/api/agents/nobody/beliefs"), HttpStatusCode.NotFound);
        await ServerFixture.AssertProblem(await s.Client.GetAsync("/api/agents/agent_0/beliefs?depth=0"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AgentsAddedThroughTheStoreAreListed()
    {
        await using var s = await ServerFixture.StartAsync();
        await s.PostJson("/api/beliefs", new { agent = "sally", belief = "in(marble, basket)" });
        var agents = await ServerFixture.Json(await s.Client.GetAsync("/api/agents"));
        var sally = agents.EnumerateArray().Single(a => a.GetProperty("id").GetString() == "sally");
        Assert.Equal(1, sally.GetProperty("beliefCount").GetInt32());
        var b = await ServerFixture.Json(await s.Client.GetAsync("/api/agents/sally/beliefs"));
        Assert.Equal("in(marble,basket)", b.GetProperty("beliefs")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task PlanReturnsActionsAndBeliefTrajectory()
    {
        await using var s = await ServerFixture.StartAsync();
        var r = await s.PostJson("/api/plan", new { goal = "in(key, blue_box) AND present(agent_1)", epistemic = new[] { "believes(agent_1, in(key, red_box))" } });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var j = await ServerFixture.Json(r);
        Assert.True(j.GetProperty("solved").GetBoolean());
        Assert.Equal(new string?[] { "leave_1", "move_red_to_blue", "return_1" }, j.GetProperty("actions").EnumerateArray().Select(a => a.GetString()).ToArray());
        var end = j.GetProperty("beliefTrajectory")[3].EnumerateArray().Single(b => b.GetProperty("agent").GetString() == "agent_1");
        Assert.Contains("in(key,red_box)", end.GetProperty("believedTrue").EnumerateArray().Select(x => x.GetString()));
    }

    [Fact]
    public async Task PlanWithInitialStateAndNoPlan()
    {
        await using var s = await ServerFixture.StartAsync();
        var start = new { trueFacts = new[] { "in(key, blue_box)" } };
        var j = await ServerFixture.Json(await s.PostJson("/api/plan", new { goal = "in(key, red_box)", initialState = start }));
        Assert.Equal(new string?[] { "move_blue_to_red" }, j.GetProperty("actions").EnumerateArray().Select(a => a.GetString()).ToArray());
        var none = await ServerFixture.Json(await s.PostJson("/api/plan", new { goal = "in(key, red_box) AND in(key, blue_box)", maxDepth = 3 }));
        Assert.False(none.GetProperty("solved").GetBoolean());
        Assert.False(string.IsNullOrEmpty(none.GetProperty("reason").GetString()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("local")]
    public async Task PlanFromARunningSimulationsEnvironment(string? cluster)
    {
        await using var s = await ServerFixture.StartAsync(ServerFixture.Cluster(cluster));
        var created = await s.PostJson("/api/simulations", new { env = "rooms", agents = 2, stepDelayMs = 50, train = false });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await ServerFixture.Json(created)).GetProperty("id").GetString()!;
        // A lie: agent_1 comes to believe the marble is in the drawer (someone walks over and tells it).
        var r = await s.PostJson("/api/plan", new { goal = "believes(agent_1, at(marble, drawer))", simulation = id, maxDepth = 6, timeoutMs = 20000 });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var j = await ServerFixture.Json(r);
        Assert.True(j.GetProperty("solved").GetBoolean(), j.GetProperty("reason").GetString());
        Assert.Equal($"simulation:{id}:rooms", j.GetProperty("domain").GetString());
        var actions = j.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Contains(actions, a => a.Contains("tell(agent_1, marble, drawer)", StringComparison.Ordinal));
        Assert.Equal(actions.Count + 1, j.GetProperty("beliefTrajectory").GetArrayLength());
        var end = j.GetProperty("beliefTrajectory")[actions.Count].EnumerateArray().Single(b => b.GetProperty("agent").GetString() == "agent_1");
        Assert.Contains("at(marble,drawer)", end.GetProperty("believedTrue").EnumerateArray().Select(x => x.GetString()));
        var own = await ServerFixture.Json(await s.PostJson("/api/plan", new { goal = "believes(agent_1, at(marble, drawer))", simulation = id, agent = "agent_0", maxDepth = 6 }));
        Assert.All(own.GetProperty("actions").EnumerateArray(), a => Assert.StartsWith("agent_0: ", a.GetString(), StringComparison.Ordinal));

        // A goal naming a predicate derived by the server's belief store's rules.
        s.App.Services.GetRequiredService<Pwmk.Core.Beliefs.BeliefStore>().AddRule("lied_to(A, O, C) :- believes(A, at(O, C)), \\+ at(O, C).");
        var derived = await ServerFixture.Json(await s.PostJson("/api/plan", new { goal = "lied_to(agent_1, marble, drawer)", simulation = id, maxDepth = 6 }));
        Assert.True(derived.GetProperty("solved").GetBoolean(), derived.GetProperty("reason").GetString());
        Assert.Contains(derived.GetProperty("actions").EnumerateArray(), a => a.GetString()!.Contains("tell(agent_1, marble, drawer)", StringComparison.Ordinal));

        await ServerFixture.AssertProblem(await s.PostJson("/api/plan", new { goal = "at(marble, box)", simulation = "nope" }), HttpStatusCode.NotFound);
        await ServerFixture.AssertProblem(await s.PostJson("/api/plan", new { goal = "at(marble, box)", simulation = id, agent = "ghost" }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/plan", new { goal = "flying(pig)", simulation = id }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PlanOnABigSimulationHitsItsTimeoutOrNodeLimit()
    {
        await using var s = await ServerFixture.StartAsync();
        var created = await s.PostJson("/api/simulations", new { env = "box-world", agents = 10, stepDelayMs = 1000, train = false });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await ServerFixture.Json(created)).GetProperty("id").GetString()!;
        // Unreachable: the key cannot be held by two agents; 10 agents give a wide search, 5 ms end it.
        var timedOut = await s.PostJson("/api/plan", new { goal = "pos(key, agent_0) AND pos(key, agent_1)", simulation = id, maxDepth = 20, timeoutMs = 5 });
        await ServerFixture.AssertProblem(timedOut, HttpStatusCode.RequestTimeout);
        var limited = await s.PostJson("/api/plan", new { goal = "pos(key, agent_0) AND pos(key, agent_1)", simulation = id, maxDepth = 20, timeoutMs = 20000, maxNodes = 50 });
        await ServerFixture.AssertProblem(limited, (HttpStatusCode)422);
    }

    [Fact]
    public async Task BadPlanRequestsAre400()
    {
        await using var s = await ServerFixture.StartAsync();
        await ServerFixture.AssertProblem(await s.PostJson("/api/plan", new { goal = "in(key," }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/plan", new { }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/plan", new { goal = "in(key, red_box)", timeoutMs = 0 }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/plan", new { goal = "flying(pig)" }), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("local")]
    public async Task SimulationLifecycle(string? cluster)
    {
        await using var s = await ServerFixture.StartAsync(ServerFixture.Cluster(cluster));
        var created = await s.PostJson("/api/simulations", new { env = "hide-and-seek", agents = 2, stepDelayMs = 1, train = false });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await ServerFixture.Json(created)).GetProperty("id").GetString()!;
        Assert.Equal($"/api/simulations/{id}", created.Headers.Location?.ToString());
        // plain serve is a one-member cluster too: the simulation is a grain, its id says so and it names the member it runs on
        Assert.StartsWith("csim-", id, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, (await ServerFixture.Json(created)).GetProperty("member").ValueKind);
        await ServerFixture.Eventually(async () =>
            (await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}"))).GetProperty("totalSteps").GetInt64() > 3);
        var beliefs = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/agents"));
        Assert.Equal(2, beliefs.GetArrayLength());
        var world = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/render"));
        Assert.Equal(0, world.GetProperty("hiddenCells").GetInt32());
        Assert.Equal(12, world.GetProperty("rows").GetArrayLength());
        var agents = (await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}"))).GetProperty("agents");
        var view = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}/render?agent={agents[0].GetString()}"));
        Assert.True(view.GetProperty("hiddenCells").GetInt32() > 0);
        await ServerFixture.AssertProblem(await s.Client.GetAsync($"/api/simulations/{id}/render?agent=ghost"), HttpStatusCode.NotFound);
        var stopped = await ServerFixture.Json(await s.PostJson($"/api/simulations/{id}/stop", new { }));
        Assert.Equal("stopped", stopped.GetProperty("status").GetString());
        long steps = stopped.GetProperty("totalSteps").GetInt64();
        // the stop answered after the loop ended: nothing runs any more
        Assert.Equal(steps, (await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}"))).GetProperty("totalSteps").GetInt64());
        Assert.Contains((await ServerFixture.Json(await s.Client.GetAsync("/api/simulations"))).EnumerateArray(), j => j.GetProperty("id").GetString() == id);
        // deleted: stopped and forgotten
        using (var deleted = await s.Client.DeleteAsync($"/api/simulations/{id}"))
            Assert.Equal(steps, (await ServerFixture.Json(deleted)).GetProperty("totalSteps").GetInt64());
        await ServerFixture.AssertProblem(await s.Client.GetAsync($"/api/simulations/{id}"), HttpStatusCode.NotFound);
        Assert.DoesNotContain((await ServerFixture.Json(await s.Client.GetAsync("/api/simulations"))).EnumerateArray(), j => j.GetProperty("id").GetString() == id);
        await ServerFixture.AssertProblem(await s.Client.DeleteAsync($"/api/simulations/{id}"), HttpStatusCode.NotFound);
        await ServerFixture.AssertProblem(await s.Client.GetAsync("/api/simulations/sim-999"), HttpStatusCode.NotFound);
        await ServerFixture.AssertProblem(await s.PostJson("/api/simulations/sim-999/stop", new { }), HttpStatusCode.NotFound);
        await ServerFixture.AssertProblem(await s.PostJson("/api/simulations", new { env = "chess" }), HttpStatusCode.BadRequest);
        await ServerFixture.AssertProblem(await s.PostJson("/api/simulations", new { planner = "oracle" }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_planner_is_a_setting_of_the_background_simulation_and_of_the_API()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:Simulate"] = "true", ["Pwmk:Planner"] = "learned" });
        var sims = await ServerFixture.Json(await s.Client.GetAsync("/api/simulations"));
        Assert.Equal("learned", sims[0].GetProperty("planner").GetString());
        // a simulation started through the API may ask for it too
        var created = await s.PostJson("/api/simulations", new { env = "box-world", episodes = 1, stepDelayMs = 0, maxStepsPerEpisode = 5, planner = "learned" });
        Assert.Equal("learned", (await ServerFixture.Json(created)).GetProperty("planner").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("local")]
    public async Task FiniteSimulationCompletesAndTrainsTheWorldModel(string? cluster)
    {
        await using var s = await ServerFixture.StartAsync(ServerFixture.Cluster(cluster));
        var created = await s.PostJson("/api/simulations", new { env = "box-world", episodes = 2, stepDelayMs = 0, maxStepsPerEpisode = 30 });
        var id = (await ServerFixture.Json(created)).GetProperty("id").GetString()!;
        await ServerFixture.Eventually(async () =>
            (await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}"))).GetProperty("status").GetString() == "completed", 60);
        var j = await ServerFixture.Json(await s.Client.GetAsync($"/api/simulations/{id}"));
        Assert.Equal(2, j.GetProperty("episode").GetInt32());
        Assert.Equal(2, j.GetProperty("rewards").GetArrayLength());
        var losses = j.GetProperty("trainingLoss").EnumerateArray().Select(p => p.GetProperty("v").GetDouble()).ToList();
        Assert.Equal(2, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0));
    }

    [Fact]
    public async Task RoomsSimulationRendersRoomsAndWhatAgentsSaid()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:Simulate"] = "true", ["Pwmk:Env"] = "rooms", ["Pwmk:Agents"] = "3" });
        var snap = await ServerFixture.Json(await s.Client.GetAsync("/api/snapshot"));
        Assert.Equal("rooms", snap.GetProperty("simulation").GetProperty("env").GetString());
        Assert.Contains(snap.GetProperty("world").GetProperty("rows").EnumerateArray(), r => r.GetString()!.StartsWith("kitchen:", StringComparison.Ordinal));
        Assert.Equal(3, snap.GetProperty("views").GetArrayLength());

        // agents talk: the simulation's JSON says what they said, to whom, who believed it and whether it was true
        JsonElement sim = default;
        await ServerFixture.Eventually(async () =>
        {
            sim = (await ServerFixture.Json(await s.Client.GetAsync("/api/snapshot"))).GetProperty("simulation");
            return sim.GetProperty("claims").GetInt64() > 0;
        }, seconds: 60);
        var claims = sim.GetProperty("recentClaims").EnumerateArray().ToList();
        Assert.InRange(claims.Count, 1, 20);
        Assert.InRange(sim.GetProperty("lies").GetInt64(), 0, sim.GetProperty("claims").GetInt64());
        foreach (var c in claims)
        {
            var speaker = c.GetProperty("speaker").GetString();
            var listeners = c.GetProperty("listeners").EnumerateArray().Select(l => l.GetString()).ToList();
            Assert.NotEmpty(listeners);
            Assert.DoesNotContain(speaker, listeners);
            Assert.Matches(@"^at\(\w+, ?\w+\)$", c.GetProperty("fact").GetString());
            Assert.True(c.GetProperty("true").ValueKind is JsonValueKind.True or JsonValueKind.False);
            Assert.True(c.GetProperty("public").ValueKind is JsonValueKind.True or JsonValueKind.False);
            Assert.All(c.GetProperty("trusting").EnumerateArray(), t => Assert.Contains(t.GetString(), listeners));
        }
    }

    [Fact]
    public async Task OpenApiDocumentListsEveryEndpoint()
    {
        await using var s = await ServerFixture.StartAsync();
        var r = await s.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString());
        Assert.Equal("PWMK API", doc.GetProperty("info").GetProperty("title").GetString());
        var paths = doc.GetProperty("paths");
        foreach (var p in new[] { "/api/beliefs/query", "/api/beliefs", "/api/agents", "/api/agents/{id}/beliefs", "/api/plan", "/api/simulations", "/api/simulations/{id}", "/api/simulations/{id}/stop", "/api/simulations/{id}/render" })
            Assert.True(paths.TryGetProperty(p, out _), $"missing {p}");
        Assert.True(paths.GetProperty("/api/beliefs").TryGetProperty("delete", out _));
        var query = paths.GetProperty("/api/beliefs/query").GetProperty("post");
        Assert.True(query.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(query.GetProperty("responses").TryGetProperty("408", out _));
    }

    [Fact]
    public async Task HealthChecksTheServersOwnStoreAndReadyAndLiveAnswer()
    {
        await using var s = await ServerFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { agent = "agent_0", belief = "at(key, red_box)" })).StatusCode);
        var health = await s.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var h = await ServerFixture.Json(health);
        Assert.Equal("healthy", h.GetProperty("status").GetString());
        foreach (var check in new[] { "world_model", "belief_store", "planning_engine", "environments" })
            Assert.Equal("healthy", h.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        Assert.Equal(1, h.GetProperty("checks").GetProperty("belief_store").GetProperty("facts_count").GetInt32());
        var ready = await ServerFixture.Json(await s.Client.GetAsync("/ready"));
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await s.Client.GetAsync("/live")).StatusCode);
    }

    [Fact]
    public async Task MetricsServeTheServersQueriesInPrometheusTextAndOpenMetrics()
    {
        await using var s = await ServerFixture.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await s.PostJson("/api/beliefs/query", new { query = "X = metrics_probe" })).StatusCode);
        var text = await s.Client.GetAsync("/metrics");
        Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
        var body = await text.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE pwmk_belief_query_duration_seconds histogram", body, StringComparison.Ordinal);
        Assert.Contains("pwmk_belief_query_duration_seconds_count{query_type=\"search\",complexity=\"simple\"}", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE pwmk_belief_store_facts_total gauge", body, StringComparison.Ordinal);
        var req = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        req.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0");
        var om = await s.Client.SendAsync(req);
        Assert.Equal("application/openmetrics-text", om.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("# EOF\n", await om.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UiIsServedAndEventsStream()
    {
        await using var s = await ServerFixture.StartAsync(WithSimulation);
        var page = await s.Client.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Belief graph", html);
        Assert.Contains("/ui/app.js", html);
        Assert.Contains("EventSource", await s.Client.GetStringAsync("/ui/app.js"));
        Assert.Equal(HttpStatusCode.OK, (await s.Client.GetAsync("/ui/style.css")).StatusCode);
        await ServerFixture.AssertProblem(await s.Client.GetAsync("/ui/missing.js"), HttpStatusCode.NotFound);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var resp = await s.Client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", resp.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(cts.Token));
        Assert.Equal("event: snapshot", await reader.ReadLineAsync(cts.Token));
        var data = await reader.ReadLineAsync(cts.Token);
        Assert.StartsWith("data: ", data);
        var snap = JsonDocument.Parse(data![6..]).RootElement;
        Assert.Equal("running", snap.GetProperty("simulation").GetProperty("status").GetString());
    }
}
