using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pwmk.Cluster.Simulation;

namespace Pwmk.Server.Tests.Simulation;

/// <summary>
/// Every simulation is a grain whose agents write their beliefs through the belief partitions: the belief API, the agents
/// API and the UI's live page answer about a simulation started through the API as about the background one, whose agents
/// keep their own names while another simulation's are named after it.
/// </summary>
public partial class LiveSimulationTests
{
    private static async Task<JsonElement> Query(ServerFixture f, string query)
    {
        using var r = await f.PostJson("/api/beliefs/query", new { query, limit = 10_000 });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return (await ServerFixture.Json(r)).GetProperty("solutions");
    }

    [GeneratedRegex(@"(?<![a-z0-9_])agent_\d")]
    private static partial Regex PlainAgent();

    [Theory]
    [InlineData(null)]
    [InlineData("local")]
    public async Task A_simulation_started_through_the_API_is_answered_by_the_belief_agents_and_snapshot_APIs(string? cluster)
    {
        await using var f = await ServerFixture.StartAsync(ServerFixture.Cluster(cluster));
        using var started = await f.PostJson("/api/simulations", new { env = "box-world", agents = 2, stepDelayMs = 0, maxStepsPerEpisode = 20, train = false });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var sim = await ServerFixture.Json(started);
        string id = sim.GetProperty("id").GetString()!;
        string[] names = [.. sim.GetProperty("beliefNames").EnumerateArray().Select(n => n.GetString()!)];
        Assert.Equal([id.Replace('-', '_') + "_agent_0", id.Replace('-', '_') + "_agent_1"], names);

        // its agents' beliefs are in the partitions under their names there, everywhere the facts name an agent
        await ServerFixture.Eventually(async () => (await Query(f, $"believes({names[0]}, F)")).GetArrayLength() > 0);
        var held = await Query(f, $"believes({names[0]}, F)");
        Assert.All(held.EnumerateArray(), s => Assert.DoesNotMatch(PlainAgent(), s.GetProperty("F").GetString()!));
        Assert.Equal(0, (await Query(f, "believes(agent_0, F)")).GetArrayLength());

        // /api/agents lists them with their simulation, and an agent's beliefs are read from its partition
        var agents = await f.Client.GetFromJsonAsync<JsonElement>("/api/agents");
        foreach (var name in names)
            Assert.Contains(agents.EnumerateArray(), a => a.GetProperty("id").GetString() == name && a.GetProperty("simulation").GetString() == id);
        var beliefs = await f.Client.GetFromJsonAsync<JsonElement>($"/api/agents/{names[0]}/beliefs");
        Assert.True(beliefs.GetProperty("count").GetInt32() > 0);

        // the UI's live page shows it: its state, the world, each agent's view and their beliefs
        var snapshot = await f.Client.GetFromJsonAsync<JsonElement>("/api/snapshot");
        Assert.Equal(id, snapshot.GetProperty("simulation").GetProperty("id").GetString());
        Assert.False(string.IsNullOrEmpty(snapshot.GetProperty("simulation").GetProperty("member").GetString()));
        Assert.Equal(2, snapshot.GetProperty("views").GetArrayLength());
        Assert.Equal(2, snapshot.GetProperty("agents").GetArrayLength());
        Assert.True(snapshot.GetProperty("world").GetProperty("rows").GetArrayLength() > 0);

        // forgotten, its agents' beliefs leave the partitions with it
        using var deleted = await f.Client.DeleteAsync($"/api/simulations/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(0, (await Query(f, $"believes({names[0]}, F)")).GetArrayLength());
    }

    [Fact]
    public async Task The_background_simulation_keeps_its_agents_names_and_a_second_simulation_does_not_touch_them()
    {
        await using var f = await ServerFixture.StartAsync(new() { ["Pwmk:Simulate"] = "true", ["Pwmk:StepDelayMs"] = "20", ["Pwmk:Train"] = "false" });
        await ServerFixture.Eventually(async () => (await Query(f, "believes(agent_0, F)")).GetArrayLength() > 0, 30);
        var snapshot = await f.Client.GetFromJsonAsync<JsonElement>("/api/snapshot");
        Assert.Equal(SimulationNames.BackgroundId, snapshot.GetProperty("simulation").GetProperty("id").GetString());
        var agents = await f.Client.GetFromJsonAsync<JsonElement>("/api/agents");
        Assert.Equal("agent_0", agents[0].GetProperty("id").GetString());
        Assert.Equal(SimulationNames.BackgroundId, agents[0].GetProperty("simulation").GetString());

        using var started = await f.PostJson("/api/simulations", new { env = "box-world", agents = 2, stepDelayMs = 0, maxStepsPerEpisode = 20, train = false });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        string second = (await ServerFixture.Json(started)).GetProperty("beliefNames")[0].GetString()!;
        await ServerFixture.Eventually(async () => (await Query(f, $"believes({second}, F)")).GetArrayLength() > 0);
        // the background simulation's agents still hold their beliefs, and the live page still shows it
        Assert.True((await Query(f, "believes(agent_0, F)")).GetArrayLength() > 0);
        snapshot = await f.Client.GetFromJsonAsync<JsonElement>("/api/snapshot");
        Assert.Equal(SimulationNames.BackgroundId, snapshot.GetProperty("simulation").GetProperty("id").GetString());
    }
}
