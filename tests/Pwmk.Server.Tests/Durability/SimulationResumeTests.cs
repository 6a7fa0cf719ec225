using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pwmk.Core.WorldModel;
using Pwmk.Server.Persistence;
using Pwmk.Server.Simulation;
using Xunit.Abstractions;

namespace Pwmk.Server.Tests.Durability;

/// <summary>
/// The background simulation's state (episode, step counters, histories, world model) survives graceful restarts and
/// SIGKILL, is never half-written, and a state that cannot be trusted is refused with a reason and a fresh start.
/// </summary>
[Trait("Category", "Integration")]
public partial class SimulationResumeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-resume-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
        GC.SuppressFinalize(this);
    }

    private Task<ServerFixture> Start(bool train = true) => ServerFixture.StartAsync(new()
    {
        ["Pwmk:Simulate"] = "true",
        ["Pwmk:StateDir"] = _dir,
        ["Pwmk:StepDelayMs"] = "0",
        ["Pwmk:Train"] = train ? "true" : "false",
    });

    private static SimulationRun Primary(ServerFixture f) => f.App.Services.GetRequiredService<SimulationManager>().Primary!;

    private static async Task WaitEpisode(SimulationRun run, int episode)
    {
        var end = DateTime.UtcNow.AddSeconds(30);
        while (run.Episode < episode && DateTime.UtcNow < end) await Task.Delay(20);
        Assert.True(run.Episode >= episode, $"the simulation reached episode {run.Episode}, not {episode}, within 30 s");
    }

    private SimulationState ReadState()
    {
        var state = SimulationStateFile.TryRead(_dir, out var error);
        Assert.True(error is null, error);
        Assert.NotNull(state);
        return state;
    }

    [Fact]
    public async Task Graceful_restart_continues_at_the_saved_episode_with_the_saved_world_model()
    {
        SimulationRun first;
        await using (var f = await Start())
        {
            first = Primary(f);
            Assert.Null(first.ResumedFrom);
            await WaitEpisode(first, 3);
        }
        Assert.Equal(SimulationStatus.Stopped, first.Status);
        var saved = ReadState();
        Assert.Equal(first.Episode, saved.Episode);
        Assert.True(saved.TotalSteps > 0);
        Assert.NotEmpty(saved.Rewards);
        Assert.NotNull(saved.ModelFile);
        var savedModel = await File.ReadAllBytesAsync(Path.Combine(_dir, saved.ModelFile));

        // second run without training, so the weights it holds can only be the loaded ones
        await using (var f = await Start(train: false))
        {
            var run = Primary(f);
            Assert.Equal(saved.Episode, run.ResumedFrom);
            Assert.True(run.Episode >= saved.Episode, $"episode {run.Episode} < saved {saved.Episode}");
            // the reward history carries on from the saved one (the run may already have added episodes)
            Assert.Equal(saved.Rewards, run.Rewards.Snapshot().Take(saved.Rewards.Length));
            string copy = Path.Combine(_dir, "..", Path.GetFileName(_dir) + "-model-copy.safetensors");
            try
            {
                run.SaveWorldModel(copy);
                Assert.Equal(savedModel, await File.ReadAllBytesAsync(copy));
            }
            finally
            {
                File.Delete(copy);
            }
            await WaitEpisode(run, saved.Episode + 2);
        }
        Assert.True(ReadState().Episode >= saved.Episode + 2);
    }

    private sealed class ListLogger : ILogger
    {
        public readonly List<string> Lines = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add($"{logLevel}: {formatter(state, exception)}");
        }
    }

    private static readonly SimulationSettings Background = new(StepDelayMs: 0);

    /// <summary>Saves a real state of <see cref="Background"/> after a few episodes (no server), returns it.</summary>
    private async Task<SimulationState> SaveRealState(int episodes)
    {
        var log = new ListLogger();
        var persistence = new SimulationPersistence(_dir, log);
        var run = new SimulationRun("t", Background with { Episodes = episodes }, null, log, persistence);
        run.Start(CancellationToken.None);
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SimulationStatus.Completed, run.Status);
        return ReadState();
    }

    private (bool Resumed, SimulationRun Run, string Log) Resume(SimulationSettings? p = null)
    {
        var log = new ListLogger();
        var run = new SimulationRun("t", p ?? Background, null, log);
        bool ok = new SimulationPersistence(_dir, log).TryResume(run);
        return (ok, run, string.Join('\n', log.Lines));
    }

    [Fact]
    public async Task A_corrupted_or_truncated_state_file_is_refused_with_the_reason_and_set_aside()
    {
        var state = await SaveRealState(3);
        Assert.Equal(3, state.Episode);
        string path = Path.Combine(_dir, SimulationStateFile.FileName);
        var good = await File.ReadAllBytesAsync(path);
        var (resumed, run, _) = Resume();
        Assert.True(resumed);
        Assert.Equal(3, run.Episode);

        // one digit of the state changed: still valid JSON, caught by the CRC
        var text = Encoding.UTF8.GetString(good);
        int at = text.IndexOf("\"episode\":3", StringComparison.Ordinal);
        Assert.True(at > 0);
        await File.WriteAllTextAsync(path, text.Remove(at, 11).Insert(at, "\"episode\":9"));
        (resumed, run, var log) = Resume();
        Assert.False(resumed);
        Assert.Equal(0, run.Episode);
        Assert.Contains("CRC-32", log, StringComparison.Ordinal);
        Assert.Contains("starts fresh", log, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.Single(Directory.GetFiles(_dir, SimulationStateFile.FileName + ".refused-*"));

        // truncated
        await File.WriteAllBytesAsync(path, good.AsSpan(0, good.Length / 2).ToArray());
        (resumed, run, log) = Resume();
        Assert.False(resumed);
        Assert.Equal(0, run.Episode);
        Assert.Contains("not valid JSON", log, StringComparison.Ordinal);

        // the checkpoint it names is damaged
        await File.WriteAllBytesAsync(path, good);
        var model = Path.Combine(_dir, state.ModelFile!);
        var bytes = await File.ReadAllBytesAsync(model);
        bytes[^3] ^= 0x5a;
        await File.WriteAllBytesAsync(model, bytes);
        (resumed, run, log) = Resume();
        Assert.False(resumed);
        Assert.Contains("checksum", log, StringComparison.Ordinal);
        Assert.False(run.HasWorldModel);
    }

    [Fact]
    public async Task A_checkpoint_of_other_sizes_or_a_state_of_other_parameters_is_refused()
    {
        var state = await SaveRealState(2);
        var expected = state.ModelConfig!;
        var wrong = expected with { HiddenDim = 16 };
        var other = new PerspectiveWorldModel(wrong);
        SimulationStateFile.Write(_dir, state with { Episode = 5, ModelFile = SimulationStateFile.ModelFileName(5), ModelConfig = wrong, OptimizerFile = null }, other.Save);
        var (resumed, run, log) = Resume();
        Assert.False(resumed);
        Assert.Equal(0, run.Episode);
        Assert.Contains("do not match the configured simulation", log, StringComparison.Ordinal);
        Assert.Contains("HiddenDim = 16", log, StringComparison.Ordinal);

        SimulationStateFile.Write(_dir, state with { OptimizerFile = null }, new PerspectiveWorldModel(expected).Save);
        (resumed, _, log) = Resume(Background with { Agents = 3 });
        Assert.False(resumed);
        Assert.Contains("2 agents", log, StringComparison.Ordinal);
        Assert.Contains("3 agents", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_state_records_the_planner_and_resumes_only_with_that_planner()
    {
        var state = await SaveRealState(2);
        Assert.Equal(SimulationSettings.SimulatorPlanner, state.Planner);
        Assert.Contains("\"planner\":\"simulator\"", await File.ReadAllTextAsync(Path.Combine(_dir, SimulationStateFile.FileName)), StringComparison.Ordinal);
        var model = PerspectiveWorldModel.Load(Path.Combine(_dir, state.ModelFile!));
        var learned = Background with { Planner = SimulationSettings.LearnedPlanner };

        // saved by the simulator planner: a server configured for the learned planner starts fresh, saying why
        var (resumed, run, log) = Resume(learned);
        Assert.False(resumed);
        Assert.Equal(0, run.Episode);
        Assert.Contains("planner simulator; the server is configured for", log, StringComparison.Ordinal);
        Assert.Contains("planner learned", log, StringComparison.Ordinal);

        // saved by the learned planner: resumed by the learned planner, refused by the simulator
        SimulationStateFile.Write(_dir, state with { Planner = SimulationSettings.LearnedPlanner, OptimizerFile = null }, model.Save);
        (resumed, run, _) = Resume(learned);
        Assert.True(resumed);
        Assert.Equal(2, run.Episode);
        Assert.Equal(SimulationSettings.LearnedPlanner, SimulationPersistence.CaptureState(run, out _, out _).Planner);
        SimulationStateFile.Write(_dir, state with { Planner = SimulationSettings.LearnedPlanner, OptimizerFile = null }, model.Save);
        (resumed, _, log) = Resume();
        Assert.False(resumed);
        Assert.Contains("planner learned; the server is configured for", log, StringComparison.Ordinal);

        // a file saved before the planner was recorded was the simulator's
        SimulationStateFile.Write(_dir, state with { Planner = null, OptimizerFile = null }, model.Save);
        (resumed, _, _) = Resume();
        Assert.True(resumed);
        SimulationStateFile.Write(_dir, state with { Planner = null, OptimizerFile = null }, model.Save);
        (resumed, _, _) = Resume(learned);
        Assert.False(resumed);
    }

    // ------------------------------------------------------------------ child process, SIGKILL

    private static ChildServer StartChild(string dir)
    {
        int port = Loopback.FreePort();
        return new ChildServer(ChildServer.ServeCommand(port, dir, "--rate-limit", "0", "--step-delay-ms", "0", "--log-format", "plain"), port, dir);
    }

    /// <summary>The episode the child's simulation is in, once it answers.</summary>
    private static Task<int> Episode(ChildServer child) => child.WaitFor(async () =>
    {
        var r = await child.Http.GetAsync("/api/simulations");
        if (!r.IsSuccessStatusCode) return null;
        var sims = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        return sims.GetArrayLength() > 0 ? sims[0].GetProperty("episode").GetInt32() : null;
    });

    [GeneratedRegex(@"background simulation resumed from \S+: episode (\d+)")]
    private static partial Regex ResumedLine();

    [Fact]
    public async Task After_SIGKILL_the_server_resumes_from_the_last_saved_episode_and_refuses_a_damaged_state()
    {
        var rng = new Random(8);
        int lastSaved = 0;
        for (int cycle = 0; cycle < 4; cycle++)
        {
            using var child = StartChild(_dir);
            int first = await Episode(child);
            if (cycle > 0)
            {
                var m = ResumedLine().Match(child.Log);
                Assert.True(m.Success, "no resume line in the log: " + child.Log);
                Assert.Equal(lastSaved, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                Assert.True(first >= lastSaved, $"cycle {cycle}: restarted at episode {first}, the state said {lastSaved}");
            }
            // run until a save newer than the last one is on disk, then a little more, then SIGKILL
            var end = DateTime.UtcNow.AddSeconds(30);
            while ((SimulationStateFile.TryRead(_dir, out _)?.Episode ?? 0) <= lastSaved && DateTime.UtcNow < end) await Task.Delay(50);
            await Task.Delay(rng.Next(50, 700));
            child.Process.Kill();
            await child.Process.WaitForExitAsync();
            var state = ReadState(); // never half-written
            Assert.True(state.Episode > lastSaved, $"cycle {cycle}: saved episode {state.Episode} did not move past {lastSaved}");
            Assert.NotNull(state.ModelFile);
            Assert.True(File.Exists(Path.Combine(_dir, state.ModelFile)), "the state names a checkpoint that is not there");
            output.WriteLine($"cycle {cycle}: started at {first}, killed with episode {state.Episode} saved");
            lastSaved = state.Episode;
        }

        // damage the state: the server logs why, starts fresh and keeps serving
        string path = Path.Combine(_dir, SimulationStateFile.FileName);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, bytes.Length - 40).ToArray());
        using (var child = StartChild(_dir))
        {
            // where it started is in the log: with no step delay, the fresh simulation may be past the saved episode
            // by the time the API answers
            await Episode(child);
            Assert.Contains("at episode 0", child.Log, StringComparison.Ordinal);
            Assert.Contains("simulation state refused, the background simulation starts fresh at episode 0", child.Log, StringComparison.Ordinal);
            Assert.DoesNotMatch(ResumedLine(), child.Log);
            Assert.Equal(HttpStatusCode.OK, (await child.Http.GetAsync("/live")).StatusCode);
        }
    }
}
