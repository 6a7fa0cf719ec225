using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pwmk.Cluster.Simulation;
using Pwmk.Cluster.Tests;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Server.Tests.Durability;
using Xunit.Abstractions;

namespace Pwmk.Server.Tests.Cluster;

/// <summary>
/// Three <c>pwmk serve --cluster</c> processes on loopback joined through a real <c>redis-server</c>: they answer belief
/// queries as one process does, keep every acknowledged belief when a member is SIGKILLed under write load, and lose no
/// write while each member in turn is restarted.
/// </summary>
[Trait("Category", "Integration")]
public class ClusterTests(ITestOutputHelper output)
{
    private static readonly QueryOptions s_options = new() { MaxSolutions = 10_000, Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<ClusterProcesses> ThreeMembers(string[]? extra = null)
    {
        var cluster = new ClusterProcesses();
        try
        {
            await Task.WhenAll(cluster.StartMember(extra: extra), cluster.StartMember(extra: extra), cluster.StartMember(extra: extra));
            foreach (var m in cluster.Members) await ClusterProcesses.WaitAnswers(m.Server);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task Three_members_answer_five_hundred_queries_as_one_process_does()
    {
        using var cluster = await ThreeMembers();
        var single = new BeliefStore();
        var changes = BeliefWorkload.Changes(seed: 3, count: 300, agents: 6);
        single.Apply(changes);
        for (int i = 0; i < changes.Count; i++)
        {
            var http = cluster.Members[i % 3].Server.Http;
            using var response = await Send(http, changes[i]);
            // retracting a fact no longer held answers 404, as one process does
            bool expected = response.IsSuccessStatusCode || (changes[i].Kind == BeliefChangeKind.Retract && response.StatusCode == HttpStatusCode.NotFound);
            Assert.True(expected, $"{changes[i]}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        int i2 = 0;
        foreach (var (query, bound) in BeliefWorkload.Queries(seed: 5, count: 500, agents: 6))
        {
            var expected = single.Query(query, s_options).Solutions.Select(Json).ToList();
            var actual = await Ask(cluster.Members[i2++ % 3].Server.Http, query);
            if (bound) Assert.Equal(expected, actual);
            else Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_member_killed_under_write_load_loses_no_acknowledged_belief()
    {
        using var cluster = await ThreeMembers();
        var acknowledged = await WriteWhile(cluster, async acks =>
        {
            await acks.AtLeast(10); // writes flow first
            cluster.Members[1].Server.Kill();
            // and go on being acknowledged after the kill (by the survivors, and by the dead member's partitions once they
            // re-activate)
            await acks.AtLeast(25);
        });
        output.WriteLine($"{acknowledged.Count} writes acknowledged; member 1 killed");
        Assert.True(acknowledged.Count > 20, $"only {acknowledged.Count} writes were acknowledged");
        // the survivors answer (once membership has declared the dead member dead, its partitions re-activate on them)
        foreach (var survivor in new[] { cluster.Members[0], cluster.Members[2] })
        {
            var present = await survivor.Server.WaitFor(async () =>
            {
                var r = await survivor.Server.Http.PostAsJsonAsync("/api/beliefs/query", new { query = "believes(X, wrote(W, N))", limit = 10_000 });
                return r.IsSuccessStatusCode ? (int?)(await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32() : null;
            });
            var answers = await Ask(survivor.Server.Http, "believes(X, wrote(W, N))", limit: 10_000);
            foreach (var fact in acknowledged)
                Assert.Contains(fact, answers);
            Assert.True(present >= acknowledged.Count);
            await AssertWrittenInOrder(survivor.Server.Http);
        }
    }

    [Fact]
    public async Task A_rolling_restart_of_all_three_members_loses_no_write()
    {
        using var cluster = await ThreeMembers();
        var acknowledged = await WriteWhile(cluster, async acks =>
        {
            for (int i = 0; i < 3; i++)
            {
                // each member goes down with writes acknowledged since the last restart (by the cluster as it then was)
                await acks.AtLeast(10 * (i + 1));
                var m = cluster.Members[i];
                int port = m.Server.Port;
                m.Server.Process.Kill(entireProcessTree: false); // SIGKILL: the harshest restart
                await m.Server.Process.WaitForExitAsync();
                m.Server.Dispose();
                await cluster.StartMember(port, m.SiloPort, m.GatewayPort, at: i);
            }
        });
        output.WriteLine($"{acknowledged.Count} writes acknowledged across the rolling restart");
        Assert.True(acknowledged.Count > 20, $"only {acknowledged.Count} writes were acknowledged");
        var any = cluster.Members[0].Server;
        await ClusterProcesses.WaitAnswers(any);
        var answers = await Ask(any.Http, "believes(X, wrote(W, N))", limit: 10_000);
        foreach (var fact in acknowledged) Assert.Contains(fact, answers);
        await AssertWrittenInOrder(any.Http);
    }

    /// <summary>Each writer's beliefs (one partition per writer, written one after another) are in the order it wrote them.</summary>
    private static async Task AssertWrittenInOrder(HttpClient http)
    {
        for (int w = 0; w < 4; w++)
        {
            var written = (await Ask(http, $"believes(writer_{w}, wrote(_, N))"))
                .Select(a => int.Parse(JsonDocument.Parse(a).RootElement.GetProperty("N").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(written.Order(), written);
        }
    }

    [Fact]
    public async Task A_simulation_whose_member_is_killed_runs_again_on_a_survivor_within_30_seconds_with_its_trained_world_model()
    {
        using var cluster = await ThreeMembers();
        var http = cluster.Members[0].Server.Http;
        // started through the server's own endpoint: on a member it is a simulation grain, trained online
        using var started = await http.PostAsJsonAsync("/api/simulations", new { env = "box-world", agents = 2, seed = 1, stepDelayMs = 0, train = true });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        string id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal($"/api/simulations/{id}", started.Headers.Location?.OriginalString);
        // three episodes finished and a checkpoint with a trained world model in Redis
        await cluster.Members[0].Server.WaitFor(async () => (await View(http, id)) is { } v && v.GetProperty("episode").GetInt32() >= 3
            && v.GetProperty("checkpointBytes").GetInt64() > 0 ? 0 : null);
        var before = (await View(http, id))!.Value;
        string host = before.GetProperty("member").GetString()!;
        output.WriteLine($"checkpoint of {id}: {before.GetProperty("checkpointBytes").GetInt64()} bytes (world model and optimiser)");
        int victim = -1;
        for (int i = 0; i < 3; i++)
            if ((await cluster.Members[i].Server.Http.GetFromJsonAsync<JsonElement>("/api/cluster")).GetProperty("self").GetString() == host) victim = i;
        Assert.True(victim >= 0, $"no member is {host}");
        // every member lists it in /api/simulations and answers its timeline, wherever it runs
        for (int i = 0; i < 3; i++)
        {
            var list = await cluster.Members[i].Server.Http.GetFromJsonAsync<JsonElement>("/api/simulations");
            Assert.Contains(list.EnumerateArray(), s => s.GetProperty("id").GetString() == id && s.GetProperty("member").GetString() == host);
            var timeline = await cluster.Members[i].Server.Http.GetFromJsonAsync<JsonElement>($"/api/simulations/{id}/timeline?count=5");
            Assert.Equal(id, timeline.GetProperty("simulation").GetString());
            Assert.Equal(5, timeline.GetProperty("steps").GetArrayLength());
            // planning on its environment: on its member on the run itself, elsewhere by its grain (here the search's node limit)
            using var plan = await cluster.Members[i].Server.Http.PostAsJsonAsync("/api/plan",
                new { goal = "pos(key, agent_0) AND pos(key, agent_1)", simulation = id, maxDepth = 20, timeoutMs = 20000, maxNodes = 50 });
            Assert.Equal((HttpStatusCode)422, plan.StatusCode);
            Assert.Contains("limit", (await plan.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            using var ghost = await cluster.Members[i].Server.Http.PostAsJsonAsync("/api/plan", new { goal = "pos(key, agent_0)", simulation = id, agent = "ghost" });
            Assert.Equal(HttpStatusCode.BadRequest, ghost.StatusCode);
        }
        cluster.Members[victim].Server.Kill();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var survivor = cluster.Members[(victim + 1) % 3].Server;
        await survivor.WaitFor(async () => (await View(survivor.Http, id)) is { } v && v.GetProperty("member").GetString() != host
            && v.GetProperty("status").GetString() == "running" ? 0 : null);
        output.WriteLine($"simulation {id} ran again on another member {clock.Elapsed.TotalSeconds:F1} s after its member was killed");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"re-activated after {clock.Elapsed}");
        var after = (await View(survivor.Http, id))!.Value;
        Assert.True(after.GetProperty("resumedAt").GetInt32() >= 1, "it started over instead of resuming from its checkpoint: " + after);
        Assert.True(after.GetProperty("activations").GetInt32() >= 2);
        // its world model came back with it: trained on the episodes before the crash, not a fresh one
        Assert.True(after.GetProperty("modelResumedAt").GetInt32() >= 1, "it plans with a fresh world model: " + after);
        string newHost = after.GetProperty("member").GetString()!;
        var other = cluster.Members[(victim + 2) % 3].Server;
        var described = await other.Http.GetFromJsonAsync<JsonElement>($"/api/simulations/{id}");
        Assert.Equal(newHost, described.GetProperty("member").GetString());
        Assert.True(described.GetProperty("modelResumedFrom").GetInt32() >= 1);
        Assert.True(described.GetProperty("trainingLoss").GetArrayLength() >= 1, "the training history was lost: " + described);
        var list2 = await other.Http.GetFromJsonAsync<JsonElement>("/api/simulations");
        Assert.Contains(list2.EnumerateArray(), s => s.GetProperty("id").GetString() == id && s.GetProperty("member").GetString() == newHost);
    }

    [Fact]
    public async Task Members_that_all_ask_for_the_background_simulation_run_it_once_and_a_survivor_takes_it_over()
    {
        using var cluster = new ClusterProcesses();
        string[] extra = ["--step-delay-ms", "5", "--log-format", "plain"];
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => cluster.StartMember(extra: extra, background: true)));
        var selves = new List<string>();
        foreach (var m in cluster.Members)
        {
            await ClusterProcesses.WaitAnswers(m.Server);
            selves.Add((await m.Server.Http.GetFromJsonAsync<JsonElement>("/api/cluster")).GetProperty("self").GetString()!);
        }
        string host = await Host(cluster.Members[0].Server, null);
        int first = selves.IndexOf(host);
        Assert.True(first >= 0, $"{host} is none of the members {string.Join(", ", selves)}");
        // every member lists it once, on that member; only that member steps an environment
        foreach (var m in cluster.Members) Assert.Equal(host, await Host(m.Server, null));
        await cluster.Members[first].Server.WaitFor(async () => await Steps(cluster.Members[first].Server) >= 50 ? 0 : null);
        for (int i = 0; i < 3; i++)
            if (i != first) Assert.Equal(0, await Steps(cluster.Members[i].Server));
        // its member killed, one survivor runs it, still once
        cluster.Members[first].Server.Kill();
        var survivor = cluster.Members[(first + 1) % 3].Server;
        string next = await Host(survivor, host);
        int second = selves.IndexOf(next);
        Assert.True(second >= 0 && second != first, $"taken over by {next}");
        int third = 3 - first - second;
        Assert.Equal(next, await Host(cluster.Members[third].Server, host));
        await cluster.Members[second].Server.WaitFor(async () => await Steps(cluster.Members[second].Server) >= 50 ? 0 : null);
        Assert.Equal(0, await Steps(cluster.Members[third].Server));

        // the member the one sim-1 that /api/simulations lists runs on, once it runs on another than notOn
        static async Task<string> Host(ChildServer server, string? notOn)
        {
            string? found = null;
            await server.WaitFor(async () =>
            {
                var list = await server.Http.GetFromJsonAsync<JsonElement>("/api/simulations");
                var background = list.EnumerateArray().Where(s => s.GetProperty("id").GetString() == SimulationNames.BackgroundId).ToList();
                Assert.True(background.Count <= 1, "listed more than once: " + list);
                if (background is not [var only] || only.GetProperty("status").GetString() != "running") return null;
                found = only.GetProperty("member").GetString();
                return found != notOn ? 0 : null;
            });
            return found!;
        }

        // environment steps this member has taken (pwmk_env_step_duration_seconds_count, every label set)
        static async Task<int> Steps(ChildServer server)
        {
            var text = await server.Http.GetStringAsync("/metrics");
            return text.Split('\n').Where(l => l.StartsWith("pwmk_env_step_duration_seconds_count", StringComparison.Ordinal))
                .Sum(l => (int)double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Every_member_answers_the_same_plan_on_a_cluster_simulation_with_its_belief_store_rules()
    {
        // every member's belief store has the rule (each imports its state directory's beliefs.pl at start-up)
        var dirs = Enumerable.Range(0, 3).Select(_ => Directory.CreateTempSubdirectory("pwmk-plan-rules-").FullName).ToList();
        try
        {
            foreach (var d in dirs) await File.WriteAllTextAsync(Path.Combine(d, "beliefs.pl"), "holds(A, O) :- pos(O, A).\n");
            using var cluster = new ClusterProcesses();
            await Task.WhenAll(dirs.Select(d => cluster.StartMember(extra: ["--log-format", "plain", "--state-dir", d])));
            foreach (var m in cluster.Members) await ClusterProcesses.WaitAnswers(m.Server);
            var http = cluster.Members[0].Server.Http;
            using var started = await http.PostAsJsonAsync("/api/simulations", new { env = "box-world", agents = 2, seed = 4, stepDelayMs = 0, train = false });
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            string id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            await cluster.Members[0].Server.WaitFor(async () => (await View(http, id)) is { } v && v.GetProperty("steps").GetInt64() >= 3 ? 0 : null);
            // stopped, its world no longer moves: every member plans from the same state
            using (var stop = await http.PostAsync($"/api/simulations/{id}/stop", null)) Assert.True(stop.IsSuccessStatusCode, await stop.Content.ReadAsStringAsync());
            long searched = 0;
            foreach (var agent in new[] { "agent_0", "agent_1" })
            {
                var plans = new List<string>();
                for (int i = 0; i < 3; i++)
                {
                    using var plan = await cluster.Members[i].Server.Http.PostAsJsonAsync("/api/plan",
                        new { goal = $"holds({agent}, key)", epistemic = new[] { $"believes(agent_0, pos(key, {agent}))" }, simulation = id, maxDepth = 10 });
                    string body = await plan.Content.ReadAsStringAsync();
                    Assert.True(plan.StatusCode == HttpStatusCode.OK, $"member {i}: {(int)plan.StatusCode} {body}");
                    var p = JsonDocument.Parse(body).RootElement;
                    // answered (200, not 400): the goal's derived predicate was known wherever the plan ran
                    if (i == 0) searched += p.GetProperty("expanded").GetInt64();
                    plans.Add(string.Join(" | ", new[] { "actions", "beliefTrajectory", "expanded", "reason", "domain" }.Select(f => p.GetProperty(f).GetRawText())));
                }
                output.WriteLine(plans[0]);
                Assert.Equal(plans[0], plans[1]);
                Assert.Equal(plans[0], plans[2]);
            }
            Assert.True(searched > 0, "both goals held already: no plan was searched");
        }
        finally
        {
            foreach (var d in dirs)
                try { Directory.Delete(d, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Members_report_membership_and_Orleans_metrics_carry_a_trace_into_grains_elsewhere_and_share_a_rollout()
    {
        // structured logs with every span on the console: a member's log shows the spans it recorded, with their trace ids
        using var cluster = await ThreeMembers(["--log-format", "structured", "--console-traces"]);
        foreach (var m in cluster.Members)
        {
            var health = await m.Server.Http.GetFromJsonAsync<JsonElement>("/health");
            var membership = health.GetProperty("checks").GetProperty("cluster");
            Assert.Equal("Active", membership.GetProperty("member_status").GetString());
            Assert.Equal(3, membership.GetProperty("members_active").GetInt32());
            using var ready = await m.Server.Http.GetAsync("/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("\norleans_", "\n" + await m.Server.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        }

        // a request on one member that reads a grain living on another is one trace: the grain's span is in the other's log
        var http = cluster.Members[0].Server.Http;
        using var started = await http.PostAsJsonAsync("/api/cluster/simulations", new { env = "box-world", agents = 2, seed = 1, stepDelayMs = 1000, train = false });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var view = await started.Content.ReadFromJsonAsync<JsonElement>();
        string id = view.GetProperty("id").GetString()!, host = view.GetProperty("member").GetString()!;
        var selves = new List<string>();
        foreach (var m in cluster.Members) selves.Add((await m.Server.Http.GetFromJsonAsync<JsonElement>("/api/cluster")).GetProperty("self").GetString()!);
        int owner = selves.IndexOf(host), asker = (owner + 1) % 3;
        Assert.True(owner >= 0, $"no member is {host}");
        string traceId = Guid.NewGuid().ToString("N");
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/cluster/simulations/{id}"))
        {
            request.Headers.Add("traceparent", $"00-{traceId}-{Guid.NewGuid().ToString("N")[..16]}-01");
            using var answer = await cluster.Members[asker].Server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        var ownerLog = cluster.Members[owner].Server;
        await ownerLog.WaitFor(() => Task.FromResult(ownerLog.Log.Split('\n').Any(l => l.Contains($"\"trace_id\":\"{traceId}\"", StringComparison.Ordinal)
            && l.Contains("\"span_name\":\"ISimulationGrain/View\"", StringComparison.Ordinal)) ? (int?)0 : null));

        // pwmk simulate --cluster: the episodes spread over the three members, each the episode one process runs, and their
        // trajectories written as one process writes them, for pwmk train
        using var dirs = new TempDirs();
        string clustered = dirs.New(), alone1 = dirs.New();
        var rollout = await RunCli(["simulate", "--cluster", $"redis://127.0.0.1:{cluster.RedisPort}", "--episodes", "9", "--no-train", "--out", clustered, "--format", "json"]);
        var shares = rollout.GetProperty("perMember").EnumerateArray().ToList();
        output.WriteLine(rollout.GetProperty("perMember").ToString());
        Assert.Equal(3, shares.Count);
        Assert.All(shares, s => Assert.True(s.GetProperty("episodes").GetInt32() > 0));
        Assert.Equal(9, shares.Sum(s => s.GetProperty("episodes").GetInt32()));
        Assert.Equal(selves.Order(StringComparer.Ordinal), shares.Select(s => s.GetProperty("member").GetString()!).Order(StringComparer.Ordinal));
        var alone = new Pwmk.Core.Simulation.EpisodeRunner(new Pwmk.Core.Simulation.SimulationSettings("box-world", 2, 2, 0, 9, StepDelayMs: 0, Train: false));
        var steps = new List<int>();
        for (int e = 0; e < 9; e++) steps.Add((await alone.RunEpisodeAsync(CancellationToken.None)).Steps);
        Assert.Equal(steps, rollout.GetProperty("episodeSteps").EnumerateArray().Select(x => x.GetInt32()));
        await RunCli(["simulate", "--episodes", "9", "--no-train", "--out", alone1, "--format", "json"]);
        static void SameTrajectories(string expectedDir, string actualDir)
        {
            var (theirs, _) = Pwmk.Core.Simulation.SimulationTrajectories.Load(expectedDir);
            var (mine, _) = Pwmk.Core.Simulation.SimulationTrajectories.Load(actualDir);
            Assert.Equal((theirs.Episodes, theirs.Steps, theirs.Transitions), (mine.Episodes, mine.Steps, mine.Transitions));
            for (int e = 0; e < theirs.Episodes; e++)
                for (int t = 0; t <= theirs.Steps; t++)
                {
                    Assert.Equal(theirs.Observation(e, t).ToArray(), mine.Observation(e, t).ToArray());
                    Assert.Equal(theirs.Belief(e, t).ToArray(), mine.Belief(e, t).ToArray());
                    Assert.Equal(theirs.Truth(e, t).ToArray(), mine.Truth(e, t).ToArray());
                    if (t < theirs.Steps) Assert.Equal(theirs.Action(e, t).ToArray(), mine.Action(e, t).ToArray());
                }
        }
        SameTrajectories(alone1, clustered);
        var trained = await RunCli(["train", "--data", clustered, "--epochs", "1", "--hidden", "16", "--layers", "1", "--format", "json"]);
        Assert.Equal(1, trained.GetProperty("epochs").GetInt32());
        Assert.True(double.IsFinite(trained.GetProperty("state_mse").GetDouble()));

        // many episodes, two workers a member: streamed to disk as they arrive (in any order), in shards of a few thousand
        // steps; read back, they are one process's episodes, array for array
        string many = dirs.New(), manyAlone = dirs.New();
        var streamed = await RunCli(["simulate", "--cluster", $"redis://127.0.0.1:{cluster.RedisPort}", "--episodes", "150", "--workers-per-member", "2",
            "--no-train", "--out", many, "--format", "json"]);
        Assert.Equal(150, streamed.GetProperty("episodes").GetInt32());
        Assert.True(Directory.GetFiles(many, "trajectories-*.npz").Length >= 2, "150 episodes went to one shard: nothing was streamed");
        await RunCli(["simulate", "--episodes", "150", "--no-train", "--out", manyAlone, "--format", "json"]);
        SameTrajectories(manyAlone, many);

        // --max-seconds: episodes stop being handed out; those finished are reported (the limit counts the client's connection
        // too: 8 s leaves room for a few episodes on a loaded 2-core machine, where 3 s once finished none)
        var limited = await RunCli(["simulate", "--cluster", $"redis://127.0.0.1:{cluster.RedisPort}", "--episodes", "1000000", "--no-train",
            "--max-seconds", "8", "--format", "json"]);
        Assert.Equal("time limit", limited.GetProperty("status").GetString());
        Assert.InRange(limited.GetProperty("episodes").GetInt32(), 1, 999_999);
        Assert.Equal(limited.GetProperty("episodes").GetInt32(), limited.GetProperty("episodeNumbers").GetArrayLength());

        // the cluster dashboard's Orleans and PWMK series are on the members' /metrics (after the work above)
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in cluster.Members)
            foreach (var line in (await m.Server.Http.GetStringAsync("/metrics")).Split('\n'))
                if (line.Length > 0 && line[0] != '#') names.Add(line.Split('{', ' ')[0]);
        foreach (var panel in Pwmk.Observability.Deploy.DashboardGenerator.ClusterPanels)
            foreach (var q in panel.Queries)
                foreach (System.Text.RegularExpressions.Match series in System.Text.RegularExpressions.Regex.Matches(q.Expr, @"\b(orleans|pwmk)_[a-z_]+"))
                    Assert.True(names.Contains(series.Value), $"{panel.Title}: no series {series.Value} on any member");

        // a cluster simulation records its planner; the learned planner without training is refused, saying why
        using var learned = await http.PostAsJsonAsync("/api/cluster/simulations", new { env = "box-world", planner = "learned", train = true, stepDelayMs = 1000 });
        Assert.Equal(HttpStatusCode.Created, learned.StatusCode);
        Assert.Equal("learned", (await learned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("spec").GetProperty("planner").GetString());
        using var untrained = await http.PostAsJsonAsync("/api/cluster/simulations", new { planner = "learned", train = false });
        Assert.Equal(HttpStatusCode.BadRequest, untrained.StatusCode);
        Assert.Contains("train: true", await untrained.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // /api/simulations on any member reaches a simulation started through /api/cluster/simulations too
        var elsewhere = await http.GetFromJsonAsync<JsonElement>($"/api/simulations/{id}");
        Assert.Equal(id, elsewhere.GetProperty("id").GetString());
        Assert.False(string.IsNullOrEmpty(elsewhere.GetProperty("member").GetString()));
    }

    private sealed class TempDirs : IDisposable
    {
        private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("pwmk-rollout-");
        private int _n;

        public string New() => Path.Combine(_root.FullName, $"{_n++}");

        public void Dispose() => _root.Delete(recursive: true);
    }

    /// <summary>Runs <c>pwmk</c> of this build with <paramref name="args"/>; its stdout as JSON (exit 0 expected).</summary>
    private static async Task<JsonElement> RunCli(string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pwmk.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await p.WaitForExitAsync(deadline.Token);
        Assert.True(p.ExitCode == 0, $"pwmk {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    private static async Task<JsonElement?> View(HttpClient http, string id)
    {
        using var r = await http.GetAsync($"/api/cluster/simulations/{id}");
        return r.IsSuccessStatusCode ? await r.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    /// <summary>The writes acknowledged so far; <see cref="AtLeast"/> waits (up to a minute) until there are that many.</summary>
    private sealed class Acknowledged
    {
        private readonly List<string> _facts = [];
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];

        public void Add(string fact)
        {
            lock (_facts)
            {
                _facts.Add(fact);
                foreach (var w in _waiters.Where(w => _facts.Count >= w.Count).ToList())
                {
                    w.Reached.TrySetResult();
                    _waiters.Remove(w);
                }
            }
        }

        public Task AtLeast(int count)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_facts)
            {
                if (_facts.Count >= count) return Task.CompletedTask;
                _waiters.Add((count, reached));
            }
            return reached.Task.WaitAsync(TimeSpan.FromMinutes(1));
        }

        public List<string> ToList()
        {
            lock (_facts) return [.. _facts];
        }
    }

    /// <summary>
    /// Runs four writers against the members (each write to the next member that answers) while <paramref name="during"/>
    /// runs; returns the solutions (as JSON objects) of the writes that were acknowledged.
    /// </summary>
    private static async Task<List<string>> WriteWhile(ClusterProcesses cluster, Func<Acknowledged, Task> during)
    {
        using var stop = new CancellationTokenSource();
        var acknowledged = new Acknowledged();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                var members = cluster.Members;
                var http = members[(w + n) % members.Count].Server.Http;
                try
                {
                    using var r = await http.PostAsJsonAsync("/api/beliefs", new { agent = $"writer_{w}", belief = $"wrote({w}, {n})" });
                    if (r.StatusCode == HttpStatusCode.Created)
                        acknowledged.Add($"{{\"X\":\"writer_{w}\",\"W\":\"{w}\",\"N\":\"{n}\"}}");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ObjectDisposedException)
                {
                    // the member is down or did not answer: not acknowledged
                }
            }
        })).ToList();
        try
        {
            await during(acknowledged);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }
        return acknowledged.ToList();
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, BeliefChange change)
    {
        string? agent = null;
        string belief = change.Fact.ToString();
        if (change.Fact is Pwmk.Logic.Terms.Compound { Functor: "believes", Arity: 2 } b)
            (agent, belief) = (b.Args[0].ToString(), b.Args[1].ToString());
        var request = new HttpRequestMessage(change.Kind == BeliefChangeKind.Assert ? HttpMethod.Post : HttpMethod.Delete, "/api/beliefs")
        {
            Content = JsonContent.Create(new { agent, belief }),
        };
        return http.SendAsync(request);
    }

    private static async Task<List<string>> Ask(HttpClient http, string query, int limit = 10_000)
    {
        using var r = await http.PostAsJsonAsync("/api/beliefs/query", new { query, limit });
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{query}: {(int)r.StatusCode} {body}");
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("solutions").EnumerateArray().Select(s => s.GetRawText())];
    }

    /// <summary>A solution as the API writes it: <c>{"X":"value",...}</c>.</summary>
    private static string Json(Solution s) =>
        JsonSerializer.Serialize(s.Bindings.ToDictionary(b => b.Key, b => b.Value.ToString()));
}
