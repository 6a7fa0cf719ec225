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
/// Episodes run without online training (a rollout collects; <c>pwmk train</c> trains).
/// </summary>
internal static class ClusterSimulate
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    internal sealed record MemberShare(string Member, int Episodes, long Steps);

    internal sealed record Summary(string Env, int Agents, int TomDepth, int Seed, int Episodes, long Steps, double Seconds,
        double EpisodesPerSecond, double StepsPerSecond, double MeanReward, double MinReward, double MaxReward, int Members,
        IReadOnlyList<MemberShare> PerMember, IReadOnlyList<double> Rewards, IReadOnlyList<int> EpisodeSteps);

    public static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, SimulationSettings p, ClusterSettings cluster, int workersPerMember,
        string format, CancellationToken ct)
    {
        var spec = new RolloutSpec(p.Env, p.Agents, p.TomDepth, p.Seed, p.MaxStepsPerEpisode);
        var progress = ProgressLine.For(stderr, format != "text");
        IReadOnlyList<RolloutEpisode> episodes;
        var clock = Stopwatch.StartNew();
        try
        {
            using var client = await ClusterHosting.ConnectAsync(cluster, ct).ConfigureAwait(false);
            var grains = client.Services.GetRequiredService<IGrainFactory>();
            int done = 0;
            clock.Restart();
            episodes = await ClusterRollouts.RunAsync(grains, spec, p.Episodes, workersPerMember, e =>
            {
                int n = Interlocked.Increment(ref done);
                progress.Draw(n, p.Episodes, string.Create(CultureInfo.InvariantCulture,
                    $"{n / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F2} episodes/s  last on {e.Member}"));
            }, ct).ConfigureAwait(false);
            clock.Stop();
            await client.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            progress.Clear();
            stderr.WriteLine("pwmk simulate: interrupted");
            return Program.NoResult;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            progress.Clear();
            stderr.WriteLine($"pwmk simulate: the cluster at redis://{cluster.RedisHost}:{cluster.RedisPort} did not run the rollout: {e.GetBaseException().Message}");
            return Program.BadInput;
        }
        progress.Clear();
        double secs = clock.Elapsed.TotalSeconds;
        long steps = episodes.Sum(e => (long)e.Steps);
        var shares = episodes.GroupBy(e => e.Member).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new MemberShare(g.Key, g.Count(), g.Sum(e => (long)e.Steps))).ToList();
        var rewards = episodes.Select(e => e.Reward).ToList();
        var s = new Summary(p.Env, p.Agents, p.TomDepth, p.Seed, episodes.Count, steps, secs, episodes.Count / secs, steps / secs,
            rewards.Average(), rewards.Min(), rewards.Max(), shares.Count, shares, rewards, [.. episodes.Select(e => e.Steps)]);
        if (format == "json")
        {
            stdout.WriteLine(JsonSerializer.Serialize(s, s_json));
            return Program.Ok;
        }
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine(string.Format(inv, "{0}: {1} agents, ToM depth {2}, seed {3}, on {4} members", s.Env, s.Agents, s.TomDepth, s.Seed, s.Members));
        stdout.WriteLine(string.Format(inv, "episodes  {0}", s.Episodes));
        stdout.WriteLine(string.Format(inv, "steps     {0}", s.Steps));
        stdout.WriteLine(string.Format(inv, "time      {0:F2} s: {1:F2} episodes/s, {2:F0} steps/s", s.Seconds, s.EpisodesPerSecond, s.StepsPerSecond));
        stdout.WriteLine(string.Format(inv, "reward    mean {0:F3}, min {1:F3}, max {2:F3}", s.MeanReward, s.MinReward, s.MaxReward));
        foreach (var m in shares) stdout.WriteLine(string.Format(inv, "member    {0}: {1} episodes, {2} steps", m.Member, m.Episodes, m.Steps));
        return Program.Ok;
    }
}
