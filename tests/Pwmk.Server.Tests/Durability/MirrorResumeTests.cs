using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;
using Microsoft.Extensions.Logging.Abstractions;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Server.Persistence;
using Pwmk.Server.Simulation;

namespace Pwmk.Server.Tests.Durability;

/// <summary>
/// The background simulation mirrors its agents' beliefs into the server's durable store. Stopped mid-episode, it
/// resumes at the start of that episode; the beliefs it mirrored later in the episode must not stay in the store.
/// </summary>
public sealed class MirrorResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-mirror-").FullName;
    private static readonly SimulationSettings Background = new(StepDelayMs: 5, Train: false);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }

    private static HashSet<string> StoredBeliefs(BeliefStore store) =>
        [.. store.Query("believes(A, F)", new QueryOptions { MaxSolutions = 100_000 }).Solutions.Select(s => $"believes({s["A"]},{s["F"]})")];

    private static HashSet<string> AgentBeliefs(SimulationRun run) => [.. run.Agents().SelectMany(a => a.Beliefs).Select(b => b.Belief)];

    private static async Task Until(Func<bool> ok, string what)
    {
        var end = DateTime.UtcNow.AddSeconds(20);
        while (!ok() && DateTime.UtcNow < end) await Task.Delay(5);
        Assert.True(ok(), what);
    }

    private (DurableBeliefStore Store, SimulationRun Run) Open()
    {
        var durable = DurableBeliefStore.Open(new BeliefStore(), new DurabilityOptions { Directory = _dir, Fsync = FsyncPolicy.Batched }, NullLogger.Instance);
        var persistence = new SimulationPersistence(_dir, NullLogger.Instance);
        var run = new SimulationRun("bg", Background, SimulationManager.Mirror(durable, NullLogger.Instance), NullLogger.Instance, persistence);
        persistence.TryResume(run);
        return (durable, run);
    }

    [Fact]
    public async Task Beliefs_mirrored_late_in_an_interrupted_episode_are_withdrawn_after_resume()
    {
        // first run: stopped late in an episode, its mid-episode beliefs mirrored
        var (store1, run1) = Open();
        run1.Start(CancellationToken.None);
        await Until(() => run1.Step >= 25, "the first run did not reach step 25 of an episode");
        await run1.StopAsync();
        int resumeAt = run1.Episode;
        var left = StoredBeliefs(store1.Store);
        Assert.Equal(AgentBeliefs(run1), left);
        store1.Abandon(); // as if killed: nothing but the journal

        // second run: resumes at the start of that episode and is stopped early in it
        var (store2, run2) = Open();
        Assert.Equal(left, StoredBeliefs(store2.Store));
        run2.Start(CancellationToken.None);
        await Until(() => run2.Episode == resumeAt && run2.Step >= 2, "the second run did not reach step 2 of the resumed episode");
        await run2.StopAsync();
        Assert.Equal(resumeAt, run2.Episode);
        var now = AgentBeliefs(run2);
        Assert.NotEmpty(left.Except(now)); // there were stale beliefs to withdraw
        Assert.Equal(now, StoredBeliefs(store2.Store));
        store2.Abandon();

        // and the store, recovered once more, holds exactly what the agents last believed
        var (store3, _) = Open();
        Assert.Equal(now, StoredBeliefs(store3.Store));
        store3.Abandon();
    }
}
