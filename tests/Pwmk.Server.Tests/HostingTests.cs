using System.Net;
using Microsoft.Extensions.Configuration;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Tests;

public class HostingTests
{
    [Fact]
    public void PwmkEnvironmentVariablesBindToOptions()
    {
        var map = PwmkEnvironmentVariables.Read(new Dictionary<string, string>
        {
            ["PWMK_API_KEY"] = "k1",
            ["PWMK_TOM_DEPTH"] = "3",
            ["PWMK_URLS"] = "http://127.0.0.1:9999",
            ["OTHER"] = "x",
        });
        var config = new ConfigurationBuilder().AddInMemoryCollection(map).Build();
        var o = config.GetSection("Pwmk").Get<PwmkServerOptions>()!;
        Assert.Equal("k1", o.ApiKey);
        Assert.Equal(3, o.TomDepth);
        Assert.Equal("http://127.0.0.1:9999", config["urls"]);
        Assert.Equal(3, map.Count);
    }

    [Fact]
    public void InvalidSettingsAreRefusedWithTheirName()
    {
        var e = Assert.Throws<ArgumentException>(() => PwmkServer.CreateBuilder(new Dictionary<string, string?> { ["Pwmk:Env"] = "chess" }));
        Assert.Contains("env", e.Message);
        e = Assert.Throws<ArgumentException>(() => PwmkServer.CreateBuilder(new Dictionary<string, string?> { ["Pwmk:TomDepth"] = "0" }));
        Assert.Contains("tom-depth", e.Message);
        e = Assert.Throws<ArgumentException>(() => PwmkServer.CreateBuilder(new Dictionary<string, string?> { ["Pwmk:Planner"] = "oracle" }));
        Assert.Contains("planner: expected simulator or learned", e.Message);
    }

    [Fact]
    public async Task ShutdownSavesStateAndStartupRestoresIt()
    {
        var dir = Directory.CreateTempSubdirectory("pwmk-state-").FullName;
        try
        {
            var settings = new Dictionary<string, string?> { ["Pwmk:StateDir"] = dir, ["Pwmk:Simulate"] = "true", ["Pwmk:StepDelayMs"] = "0" };
            await using (var s = await ServerFixture.StartAsync(settings))
            {
                Assert.Equal(HttpStatusCode.Created, (await s.PostJson("/api/beliefs", new { agent = "anne", belief = "in(marble, box)" })).StatusCode);
                await ServerFixture.Eventually(async () =>
                    (await ServerFixture.Json(await s.Client.GetAsync("/api/snapshot"))).GetProperty("simulation").GetProperty("trainingLoss").GetArrayLength() > 0, 60);
            }
            Assert.Contains("believes(anne,in(marble,box))", File.ReadAllText(Path.Combine(dir, "beliefs.pl")).Replace(" ", "", StringComparison.Ordinal));
            Assert.True(new FileInfo(Path.Combine(dir, "world_model.pwmk")).Length > 0);
            await using var again = await ServerFixture.StartAsync(new() { ["Pwmk:StateDir"] = dir });
            var j = await ServerFixture.Json(await again.PostJson("/api/beliefs/query", new { query = "believes(anne, X)" }));
            Assert.Equal("in(marble,box)", j.GetProperty("solutions")[0].GetProperty("X").GetString());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
