using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pwmk.Cluster.Simulation;
using Xunit.Abstractions;

namespace Pwmk.Server.Tests.Durability;

/// <summary>
/// The background simulation is the cluster's simulation grain <c>sim-1</c>: its state (episode, step counters, histories,
/// world model and optimiser) is its grain's checkpoint in the state directory, so it survives graceful restarts and
/// SIGKILL, resuming at its last checkpoint; asked for with other settings it starts afresh.
/// </summary>
[Trait("Category", "Integration")]
public class SimulationResumeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-resume-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
        GC.SuppressFinalize(this);
    }

    private Task<ServerFixture> Start(string? cluster, bool train = true, int agents = 2)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pwmk:Simulate"] = "true",
            ["Pwmk:StateDir"] = _dir,
            ["Pwmk:StepDelayMs"] = "0",
            ["Pwmk:Train"] = train ? "true" : "false",
            ["Pwmk:Agents"] = agents.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var kv in ServerFixture.Cluster(cluster) ?? []) settings[kv.Key] = kv.Value;
        return ServerFixture.StartAsync(settings);
    }

    /// <summary>The background simulation's run on the fixture's member, once it has started.</summary>
    internal static async Task<SimulationRun> Background(ServerFixture f)
    {
        var local = f.App.Services.GetRequiredService<LocalSimulations>();
        SimulationRun? run = null;
        await ServerFixture.Eventually(() => Task.FromResult((run = local.Find(SimulationNames.BackgroundId)) is not null), 30);
        return run!;
    }

    private static async Task WaitEpisode(SimulationRun run, int episode)
    {
        var end = DateTime.UtcNow.AddSeconds(30);
        while (run.Episode < episode && DateTime.UtcNow < end) await Task.Delay(20);
        Assert.True(run.Episode >= episode, $"the simulation reached episode {run.Episode}, not {episode}, within 30 s");
    }

    private byte[] Weights(SimulationRun run)
    {
        string path = Path.Combine(_dir, "..", Path.GetFileName(_dir) + "-weights.safetensors");
        try
        {
            run.SaveWorldModel(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("local")]
    public async Task The_background_simulation_is_a_grain_and_a_graceful_restart_continues_at_its_episode_with_its_world_model(string? cluster)
    {
        SimulationRun first;
        await using (var f = await Start(cluster))
        {
            first = await Background(f);
            Assert.Null(first.ResumedFrom);
            // listed by /api/simulations as the cluster's simulation sim-1, with the member it runs on
            var list = await f.Client.GetFromJsonAsync<JsonElement>("/api/simulations");
            var sim = Assert.Single(list.EnumerateArray());
            Assert.Equal(SimulationNames.BackgroundId, sim.GetProperty("id").GetString());
            Assert.False(string.IsNullOrEmpty(sim.GetProperty("member").GetString()));
            var view = await f.Client.GetFromJsonAsync<JsonElement>("/api/cluster/simulations/" + SimulationNames.BackgroundId);
            Assert.Equal("running", view.GetProperty("status").GetString());
            await WaitEpisode(first, 3);
        }
        Assert.Equal(SimulationStatus.Stopped, first.Status);
        Assert.True(first.HasWorldModel);
        var savedModel = Weights(first);
        // the world model is exported for people and tools as plain serve always did
        Assert.Equal(savedModel, await File.ReadAllBytesAsync(Path.Combine(_dir, "world_model.pwmk")));

        // second run without training (the pace and training may change; it resumes), so its weights can only be the loaded ones
        await using (var f = await Start(cluster, train: false))
        {
            var run = await Background(f);
            Assert.Equal(first.Episode, run.ResumedFrom);
            Assert.Equal(first.Episode, run.ModelResumedFrom);
            Assert.Equal(first.Rewards.Snapshot(), run.Rewards.Snapshot().Take(first.Rewards.Count));
            var described = await f.Client.GetFromJsonAsync<JsonElement>("/api/simulations/" + SimulationNames.BackgroundId);
            Assert.Equal(first.Episode, described.GetProperty("resumedFrom").GetInt32());
            await WaitEpisode(run, first.Episode + 2);
            Assert.Equal(savedModel, Weights(run));
        }

        // asked for with other settings (3 agents) it starts afresh at episode 0
        await using (var f = await Start(cluster, agents: 3))
        {
            var run = await Background(f);
            Assert.Null(run.ResumedFrom);
            Assert.Equal(3, run.AgentNames.Count);
        }
    }

    [Fact]
    public async Task With_no_simulation_the_saved_background_simulation_is_listed_stopped_and_resumes_later()
    {
        int episode;
        await using (var f = await Start(null))
        {
            var run = await Background(f);
            await WaitEpisode(run, 1);
            episode = run.Episode;
        }
        // what its agents believed when it stopped (the server exports its store at shutdown)
        var saved = BeliefsOf(Pwmk.Core.Beliefs.BeliefStore.Load(Path.Combine(_dir, "beliefs.pl")).Query("believes(agent_0, F)", new() { MaxSolutions = 10_000 }).Solutions);
        Assert.NotEmpty(saved);
        await using (var f = await ServerFixture.StartAsync(new() { ["Pwmk:Simulate"] = "false", ["Pwmk:StateDir"] = _dir }))
        {
            string seen = "";
            await ServerFixture.Eventually(async () =>
            {
                var list = await f.Client.GetFromJsonAsync<JsonElement>("/api/simulations");
                seen = list.GetRawText();
                return list.EnumerateArray().Any(s => s.GetProperty("id").GetString() == SimulationNames.BackgroundId && s.GetProperty("status").GetString() == "stopped");
            }, 60, () => seen);
            // it did not run here: its agents' beliefs are those it stopped with, to be queried
            var answer = await ServerFixture.Json(await f.PostJson("/api/beliefs/query", new { query = "believes(agent_0, F)", limit = 10_000 }));
            Assert.Equal(saved, answer.GetProperty("solutions").EnumerateArray().Select(s => s.GetProperty("F").GetString()!).Order(StringComparer.Ordinal));
        }
        await using (var f = await Start(null))
        {
            var run = await Background(f);
            Assert.True(run.ResumedFrom >= episode, $"resumed at {run.ResumedFrom}, the first run had finished {episode} episodes");
            Assert.Equal(SimulationStatus.Running, run.Status);
        }
    }

    private static string[] BeliefsOf(IEnumerable<Pwmk.Logic.Solution> solutions) =>
        [.. solutions.Select(s => s["F"].ToString()).Order(StringComparer.Ordinal)];

    // ------------------------------------------------------------------ child process, SIGKILL

    private static ChildServer StartChild(string dir)
    {
        int port = Loopback.FreePort();
        return new ChildServer(ChildServer.ServeCommand(port, dir, "--rate-limit", "0", "--step-delay-ms", "0", "--log-format", "plain"), port, dir);
    }

    /// <summary>The background simulation's grain view, once it answers.</summary>
    private static async Task<JsonElement?> View(ChildServer child)
    {
        var r = await child.Http.GetAsync("/api/cluster/simulations/" + SimulationNames.BackgroundId);
        return r.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement : null;
    }

    [Fact]
    public async Task After_SIGKILL_the_server_resumes_from_the_last_checkpoint()
    {
        var rng = new Random(8);
        int lastSaved = 0;
        for (int cycle = 0; cycle < 4; cycle++)
        {
            using var child = StartChild(_dir);
            int resumedAt = await child.WaitFor(async () => await View(child) is { } v && v.GetProperty("status").GetString() == "running"
                ? v.GetProperty("resumedAt").GetInt32() : null);
            Assert.True(resumedAt >= lastSaved, $"cycle {cycle}: resumed at episode {resumedAt}, a checkpoint of episode {lastSaved} was written");
            if (cycle > 0) Assert.True(resumedAt > 0, $"cycle {cycle}: started over");
            // run until a checkpoint newer than the last one is written, then a little more, then SIGKILL
            int saved = await child.WaitFor(async () => await View(child) is { } v && v.GetProperty("checkpointEpisode") is { ValueKind: JsonValueKind.Number } e
                && e.GetInt32() > Math.Max(lastSaved, resumedAt) ? e.GetInt32() : null);
            await Task.Delay(rng.Next(50, 700));
            child.Process.Kill();
            await child.Process.WaitForExitAsync();
            output.WriteLine($"cycle {cycle}: resumed at {resumedAt}, killed after a checkpoint of episode {saved}");
            lastSaved = saved;
        }
        using (var child = StartChild(_dir))
        {
            int resumedAt = await child.WaitFor(async () => await View(child) is { } v && v.GetProperty("status").GetString() == "running"
                ? v.GetProperty("resumedAt").GetInt32() : null);
            Assert.True(resumedAt >= lastSaved, $"resumed at {resumedAt}, the last checkpoint seen was of episode {lastSaved}");
            Assert.Equal(HttpStatusCode.OK, (await child.Http.GetAsync("/live")).StatusCode);
        }
    }
}
