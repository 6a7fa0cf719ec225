using Pwmk.Core.Environments;
using Pwmk.Core.Simulation;

namespace Pwmk.Core.Tests.Simulation;

/// <summary>What agents say in a simulation is reported, true or not, and a lie never passes for the truth.</summary>
public class EpisodeRunnerClaimsTests
{
    [Fact]
    public async Task Claims_and_lies_in_a_rooms_simulation_are_reported_with_who_heard_and_who_believed()
    {
        var runner = new EpisodeRunner(new SimulationSettings("rooms", Agents: 3, TomDepth: 2, Seed: 1, Episodes: 3, StepDelayMs: 0, Train: false,
            MaxStepsPerEpisode: 200));
        // where every object really is after each step, read from the world itself
        var after = new Dictionary<(int Episode, int Step), Dictionary<string, string?>>();
        var said = new List<SaidClaim>();
        runner.StepCompleted += r =>
        {
            after[(r.Episode, r.Step)] = runner.Inspect(env =>
            {
                var w = (RoomsWorld)env;
                return w.Layout.Objects.ToDictionary(o => o, w.ContainerOf);
            });
            foreach (var c in runner.RecentClaims())
                if (!said.Contains(c)) said.Add(c);
        };
        await runner.RunAsync(CancellationToken.None);

        Assert.True(runner.Claims > 0, "nobody said anything");
        Assert.Equal(runner.Claims, said.Count);
        Assert.Equal(runner.Lies, said.Count(c => !c.True));
        Assert.InRange(runner.Lies, 1, runner.Claims - 1); // helpers tell the truth; exploring agents now and then lie
        Assert.Equal(said.TakeLast(EpisodeRunner.ClaimsKept), runner.RecentClaims());
        int checkedTruth = 0;
        foreach (var c in said)
        {
            Assert.NotEmpty(c.Listeners); // what nobody heard is not reported
            Assert.DoesNotContain(c.Speaker, c.Listeners);
            Assert.Equal(c.Listeners, c.Trusting); // the default trust: every listener believes every speaker
            if (!c.Public) Assert.Single(c.Listeners);
            var m = System.Text.RegularExpressions.Regex.Match(c.Fact, @"^at\((\w+), ?(\w+)\)$");
            Assert.True(m.Success, c.Fact);
            // a claim moves nothing: where the object was before and after its step, it was when said
            if (c.Step > 1 && after[(c.Episode, c.Step - 1)][m.Groups[1].Value] is { } before && after[(c.Episode, c.Step)][m.Groups[1].Value] == before)
            {
                Assert.Equal(before == m.Groups[2].Value, c.True);
                checkedTruth++;
            }
        }
        Assert.True(checkedTruth > 0);
    }
}
