using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Microsoft.Extensions.DependencyInjection;
using Pwmk.Cluster.Simulation;

namespace Pwmk.Server.Tests.Durability;

/// <summary>
/// The background simulation writes its agents' beliefs through the belief partitions into the server's durable store.
/// Stopped mid-episode, it resumes at the start of that episode; the beliefs it wrote later in the episode must not stay.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MirrorResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-mirror-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }

    private Task<ServerFixture> Start() => ServerFixture.StartAsync(new()
    {
        ["Pwmk:Simulate"] = "true",
        ["Pwmk:StateDir"] = _dir,
        ["Pwmk:StepDelayMs"] = "5",
        ["Pwmk:Train"] = "false",
        ["Pwmk:Fsync"] = "batched",
    });

    private static HashSet<string> StoredBeliefs(ServerFixture f) =>
        [.. f.App.Services.GetRequiredService<BeliefStore>().Query("believes(A, F)", new QueryOptions { MaxSolutions = 100_000 }).Solutions.Select(s => $"believes({s["A"]},{s["F"]})")];

    private static HashSet<string> AgentBeliefs(SimulationRun run) => [.. run.Agents().SelectMany(a => a.Beliefs).Select(b => b.Belief)];

    private static async Task Until(Func<bool> ok, string what)
    {
        var end = DateTime.UtcNow.AddSeconds(30);
        while (!ok() && DateTime.UtcNow < end) await Task.Delay(5);
        Assert.True(ok(), what);
    }

    [Fact]
    public async Task Beliefs_written_late_in_an_interrupted_episode_are_withdrawn_after_resume()
    {
        // first run: stopped late in an episode, its mid-episode beliefs written
        int resumeAt;
        HashSet<string> left;
        await using (var f = await Start())
        {
            var run1 = await SimulationResumeTests.Background(f);
            await Until(() => run1.Step >= 25, "the first run did not reach step 25 of an episode");
            await f.App.StopAsync();
            resumeAt = run1.Episode;
            left = StoredBeliefs(f);
            Assert.Equal(AgentBeliefs(run1), left);
        }

        // second run: resumes at the start of that episode and is stopped early in it
        HashSet<string> now;
        await using (var f = await Start())
        {
            var run2 = await SimulationResumeTests.Background(f);
            Assert.Equal(resumeAt, run2.ResumedFrom);
            await Until(() => run2.Episode == resumeAt && run2.Step >= 2, "the second run did not reach step 2 of the resumed episode");
            await f.App.StopAsync();
            Assert.Equal(resumeAt, run2.Episode);
            now = AgentBeliefs(run2);
            Assert.NotEmpty(left.Except(now)); // there were stale beliefs to withdraw
            Assert.Equal(now, StoredBeliefs(f));
        }
    }
}
