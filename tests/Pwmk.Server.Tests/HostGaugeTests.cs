using System.Net;
using System.Text.RegularExpressions;

namespace Pwmk.Server.Tests;

/// <summary>
/// The gauges the server owns: the facts of the store it serves and the memory of the world models its simulations hold,
/// read at each scrape from what the server really holds (no process-wide list), and one agent vocabulary across metrics.
/// </summary>
public sealed partial class HostGaugeTests
{
    [GeneratedRegex(@"^(\S+\{[^}]*\}) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();

    private static async Task<Dictionary<string, double>> Scrape(ServerFixture s)
    {
        var text = await s.Client.GetStringAsync("/metrics");
        return Sample().Matches(text).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_facts_gauge_follows_the_servers_own_store_and_no_other()
    {
        await using var a = await ServerFixture.StartAsync();
        await using var b = await ServerFixture.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await a.PostJson("/api/beliefs", new { agent = "gauge_anne", belief = "in(marble, box)" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await a.PostJson("/api/beliefs", new { agent = "gauge_anne", belief = "in(ball, bag)" })).StatusCode);
        const string series = "pwmk_belief_store_facts_total{agent_id=\"gauge_anne\",predicate_type=\"in/2\"}";
        Assert.Equal(2, (await Scrape(a))[series]);
        // a second server in the same process reports its own (empty) store only
        Assert.DoesNotContain(series, (await Scrape(b)).Keys);

        Assert.Equal(HttpStatusCode.OK, (await a.DeleteJson("/api/beliefs", new { agent = "gauge_anne", belief = "in(marble, box)" })).StatusCode);
        Assert.Equal(1, (await Scrape(a))[series]);
        Assert.Equal(HttpStatusCode.OK, (await a.DeleteJson("/api/beliefs", new { agent = "gauge_anne", belief = "in(ball, bag)" })).StatusCode);
        Assert.DoesNotContain(series, (await Scrape(a)).Keys);
    }

    [Fact]
    public async Task World_model_memory_and_training_loss_name_the_simulations_agents_as_the_facts_gauge_does()
    {
        await using var s = await ServerFixture.StartAsync(new() { ["Pwmk:Simulate"] = "true", ["Pwmk:StepDelayMs"] = "0" });
        // the background simulation mirrors its agents' beliefs and trains its world model after each episode
        await ServerFixture.Eventually(async () =>
        {
            var m = await Scrape(s);
            // the loss histogram is process-wide (another test's simulation may have fed it): wait for this server's own
            // model too, which exists once its simulation has trained
            return m.Keys.Any(k => k.StartsWith("pwmk_world_model_training_loss_count{", StringComparison.Ordinal))
                && m.Keys.Any(k => k.StartsWith("pwmk_world_model_memory_bytes{", StringComparison.Ordinal))
                && m.Keys.Any(k => k.StartsWith("pwmk_belief_store_facts_total{agent_id=\"agent_0\"", StringComparison.Ordinal));
        }, seconds: 60);
        var scrape = await Scrape(s);
        var lossAgents = scrape.Keys.Where(k => k.StartsWith("pwmk_world_model_training_loss_count{", StringComparison.Ordinal))
            .Select(k => Regex.Match(k, "agent_id=\"([^\"]+)\"").Groups[1].Value).ToHashSet();
        var factAgents = scrape.Keys.Where(k => k.StartsWith("pwmk_belief_store_facts_total{", StringComparison.Ordinal))
            .Select(k => Regex.Match(k, "agent_id=\"([^\"]+)\"").Groups[1].Value).ToHashSet();
        // (the training loss is the domain's, process-wide: other tests' simulations may add agents to it)
        Assert.Superset(new HashSet<string> { "agent_0", "agent_1" }, lossAgents);
        Assert.All(lossAgents, a => Assert.Matches("^[a-z]+_[0-9]+$", a));
        Assert.Superset(new HashSet<string> { "agent_0", "agent_1" }, factAgents);
        // the model the simulation trained is what the memory gauge reports, per component
        var memory = scrape.Where(kv => kv.Key.StartsWith("pwmk_world_model_memory_bytes{", StringComparison.Ordinal)).ToList();
        Assert.Contains(memory, kv => kv.Key.Contains("component=\"encoder\"", StringComparison.Ordinal) && kv.Value > 0);
    }
}
