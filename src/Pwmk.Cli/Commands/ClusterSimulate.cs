using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pwmk.Cluster;
using Pwmk.Cluster.Simulation;
using Pwmk.Core.Simulation;

namespace Pwmk.Cli.Commands;

/// <summary>
/// <c>pwmk simulate --cluster redis://HOST:PORT</c>: the episodes spread over every member of the cluster (one rollout
/// worker per member, handed the next episode when it finishes one), with progress, and the count each member ran.
/// Episodes run without online training (a rollout collects; <c>pwmk train --data</c> trains); with <c>--planner learned</c>
/// they plan with the world model of <c>--model FILE</c>, which the client sends every worker once. With <c>--out DIR</c> their
/// trajectories are written there as they arrive, by the <see cref="TrajectoryWriter"/> one-process <c>pwmk simulate --out</c>
/// writes with (shards of a few thousand steps: the client's memory does not grow with the episodes' count).
/// <c>--max-seconds</c> stops handing out episodes and reports those finished.
/// </summary>
internal static class ClusterSimulate
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    internal sealed record MemberShare(string Member, int Episodes, long Steps);

    internal sealed record Summary(string Env, int Agents, int TomDepth, int Seed, int EpisodesAsked, int Episodes, long Steps, double Seconds,
        double EpisodesPerSecond, double StepsPerSecond, double? MeanReward, double? MinReward, double? MaxReward, string Status, int Members,
        IReadOnlyList<MemberShare> PerMember, IReadOnlyList<double> Rewards, IReadOnlyList<int> EpisodeSteps, IReadOnlyList<int> EpisodeNumbers)
    {
        /// <summary>Where the trajectories were written (null: not asked).</summary>
        public string? Trajectories { get; init; }

        /// <summary>What the agents planned with (simulator or learned).</summary>
        public string Planner { get; init; } = SimulationSettings.SimulatorPlanner;

        /// <summary>With the learned planner, the world model every episode planned with (the digest of <c>--model</c>'s file, as each worker reported it).</summary>
        public string? Model { get; init; }

        /// <summary>The agents' decisions that followed a plan, over every episode (with the learned planner: the world model's).</summary>
        public int PlannedDecisions { get; init; }

        /// <summary>The agents' decisions that fell back to the heuristic (no plan found, or exploring).</summary>
        public int HeuristicDecisions { get; init; }
    }

    /// <summary>
    /// Runs the rollout; with <paramref name="model"/> (the bytes of <c>--model</c>'s file, checked by the caller) every worker
    /// is given that world model first and its episodes plan with it (<c>--planner learned</c>), without training it.
    /// </summary>
    public static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, SimulationSettings p, ClusterSettings cluster, int workersPerMember,
        double maxSeconds, string? outDir, string format, CancellationToken ct, byte[]? model = null)
    {
        var spec = new RolloutSpec(p.Env, p.Agents, p.TomDepth, p.Seed, p.MaxStepsPerEpisode, Trajectories: outDir is not null, p.Planner,
            model is null ? null : RolloutModels.Digest(model));
        var progress = ProgressLine.For(stderr, format != "text");
        IReadOnlyList<RolloutEpisode> episodes;
        using var limit = maxSeconds > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds)) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        var clock = Stopwatch.StartNew();
        if (!SimulateCommand.TryOpenOut(outDir, p, stderr, out var writer)) return Program.BadInput;
        using var closing = writer;
        try
        {
            using var client = await ClusterHosting.ConnectAsync(cluster, ct).ConfigureAwait(false);
            var grains = client.Services.GetRequiredService<IGrainFactory>();
            int done = 0;
            long stepsSoFar = 0;
            clock.Restart();
            episodes = await ClusterRollouts.RunAsync(grains, spec, p.Episodes, workersPerMember, e =>
            {
                // an episode of no step has no trajectory (one process skips it too)
                if (writer is not null && e.Trajectory is { } t) writer.Add(e.Episode, t.ToDataset());
                int n = Interlocked.Increment(ref done);
                long s = Interlocked.Add(ref stepsSoFar, e.Steps);
                progress.Draw(n, p.Episodes, string.Create(CultureInfo.InvariantCulture,
                    $"{n / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F2} episodes/s  {s} steps  last on {e.Member}"));
            }, stop.Token, model).ConfigureAwait(false);
            clock.Stop();
            await client.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            progress.Clear();
            stderr.WriteLine("pwmk simulate: interrupted");
            return Program.NoResult;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            progress.Clear();
            stderr.WriteLine($"pwmk simulate: --out {outDir}: {e.Message} (the episodes written before are in the folder, marked incomplete)");
            return Program.BadInput;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            progress.Clear();
            stderr.WriteLine($"pwmk simulate: the cluster at redis://{cluster.RedisHost}:{cluster.RedisPort} did not run the rollout: {e.GetBaseException().Message}");
            return Program.BadInput;
        }
        progress.Clear();
        double secs = clock.Elapsed.TotalSeconds;
        string status = episodes.Count == p.Episodes ? "completed" : limit.IsCancellationRequested ? "time limit" : "interrupted";
        if (!SimulateCommand.TryCloseOut(writer, stderr, out var written)) return Program.BadInput;
        long steps = episodes.Sum(e => (long)e.Steps);
        var shares = episodes.GroupBy(e => e.Member).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new MemberShare(g.Key, g.Count(), g.Sum(e => (long)e.Steps))).ToList();
        var rewards = episodes.Select(e => e.Reward).ToList();
        var s = new Summary(p.Env, p.Agents, p.TomDepth, p.Seed, p.Episodes, episodes.Count, steps, secs, episodes.Count / secs, steps / secs,
            rewards.Count > 0 ? rewards.Average() : null, rewards.Count > 0 ? rewards.Min() : null, rewards.Count > 0 ? rewards.Max() : null,
            status, shares.Count, shares, rewards, [.. episodes.Select(e => e.Steps)], [.. episodes.Select(e => e.Episode)])
        {
            Trajectories = written,
            Planner = p.Planner,
            // every episode says which model its worker planned with: one name, the one given
            Model = spec.Model is null ? null : string.Join(",", episodes.Select(e => e.Model ?? "none").Distinct()),
            PlannedDecisions = episodes.Sum(e => e.PlannedDecisions),
            HeuristicDecisions = episodes.Sum(e => e.HeuristicDecisions),
        };
        if (format == "json")
        {
            stdout.WriteLine(JsonSerializer.Serialize(s, s_json));
        }
        else
        {
            var inv = CultureInfo.InvariantCulture;
            stdout.WriteLine(string.Format(inv, "{0}: {1} agents, ToM depth {2}, seed {3}, on {4} members", s.Env, s.Agents, s.TomDepth, s.Seed, s.Members));
            stdout.WriteLine(string.Format(inv, "episodes  {0} of {1} ({2})", s.Episodes, s.EpisodesAsked, s.Status));
            stdout.WriteLine(string.Format(inv, "steps     {0}", s.Steps));
            stdout.WriteLine(string.Format(inv, "time      {0:F2} s: {1:F2} episodes/s, {2:F0} steps/s", s.Seconds, s.EpisodesPerSecond, s.StepsPerSecond));
            if (rewards.Count > 0) stdout.WriteLine(string.Format(inv, "reward    mean {0:F3}, min {1:F3}, max {2:F3}", s.MeanReward, s.MinReward, s.MaxReward));
            foreach (var m in shares) stdout.WriteLine(string.Format(inv, "member    {0}: {1} episodes, {2} steps", m.Member, m.Episodes, m.Steps));
            stdout.WriteLine(string.Format(inv, "planner   {0}{1}: {2} decisions planned, {3} heuristic", s.Planner,
                s.Model is null ? "" : $", world model {s.Model} (not trained)", s.PlannedDecisions, s.HeuristicDecisions));
            if (written is not null) stdout.WriteLine($"trajectories {written} (pwmk train --data reads them)");
        }
        if (episodes.Count == 0)
        {
            stderr.WriteLine($"pwmk simulate: no episode finished ({status})");
            return Program.NoResult;
        }
        return Program.Ok;
    }
}
