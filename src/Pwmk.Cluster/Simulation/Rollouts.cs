using Orleans.Runtime.Placement;
using Pwmk.Core.Simulation;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cluster.Simulation;

/// <summary>
/// What the episodes of a rollout run: the simulation core's settings, flat out, without online training; with
/// <c>Trajectories</c>, each episode also sends back its trajectories (for <c>pwmk train</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("pwmk.rollout-spec")]
public sealed record RolloutSpec(
    [property: Id(0)] string Env,
    [property: Id(1)] int Agents,
    [property: Id(2)] int TomDepth,
    [property: Id(3)] int Seed,
    [property: Id(4)] int MaxSteps,
    [property: Id(5)] bool Trajectories = false)
{
    /// <summary>The simulation core's settings (episode numbers are given per call).</summary>
    public SimulationSettings Settings() => new(Env, Agents, TomDepth, Seed, Episodes: 0, StepDelayMs: 0, Train: false, MaxStepsPerEpisode: MaxSteps);
}

/// <summary>One episode run by a rollout worker, and the member it ran on.</summary>
[GenerateSerializer, Immutable, Alias("pwmk.rollout-episode")]
public sealed record RolloutEpisode(
    [property: Id(0)] int Episode,
    [property: Id(1)] int Steps,
    [property: Id(2)] double Reward,
    [property: Id(3)] bool Success,
    [property: Id(4)] string Member,
    [property: Id(5)] RolloutTrajectory? Trajectory = null);

/// <summary>One episode's trajectories with belief targets (a one-episode <see cref="TrajectoryDataset"/>, as sent between members).</summary>
[GenerateSerializer, Immutable, Alias("pwmk.rollout-trajectory")]
public sealed record RolloutTrajectory(
    [property: Id(0)] int Steps,
    [property: Id(1)] int Agents,
    [property: Id(2)] int ObservationSize,
    [property: Id(3)] int NumBeliefs,
    [property: Id(4)] float[] Observations,
    [property: Id(5)] int[] Actions,
    [property: Id(6)] float[] Beliefs,
    [property: Id(7)] float[] Truth,
    [property: Id(8)] int[]? BeliefGroupOrders)
{
    /// <summary>The arrays of a one-episode dataset.</summary>
    public static RolloutTrajectory From(TrajectoryDataset d)
    {
        ArgumentNullException.ThrowIfNull(d);
        int t = d.Steps;
        var obs = new List<float>((t + 1) * d.Agents * d.ObservationSize);
        var bel = new List<float>((t + 1) * d.Agents * d.NumBeliefs);
        var truth = new List<float>((t + 1) * d.NumBeliefs);
        var act = new List<int>(t * d.Agents);
        for (int s = 0; s <= t; s++)
        {
            obs.AddRange(d.Observation(0, s));
            bel.AddRange(d.Belief(0, s));
            truth.AddRange(d.Truth(0, s));
            if (s < t) act.AddRange(d.Action(0, s));
        }
        return new RolloutTrajectory(t, d.Agents, d.ObservationSize, d.NumBeliefs, [.. obs], [.. act], [.. bel], [.. truth], d.BeliefGroupOrders);
    }

    /// <summary>Back to a one-episode dataset (its sizes checked).</summary>
    public TrajectoryDataset ToDataset() =>
        new(1, Steps, Agents, ObservationSize, NumBeliefs, Observations, Actions, Beliefs, Truth, [Steps], BeliefGroupOrders);
}

/// <summary>
/// A rollout worker (the RLlib rollout-worker pattern): runs the episodes it is handed, one at a time, on the member it was
/// placed on. Episode <c>e</c> of a spec is the same episode on every member (its layout, choices and agents' seeds are
/// functions of the spec's seed and <c>e</c>), so a rollout spread over members gives what one process gives.
/// </summary>
[Alias("pwmk.rollout-worker")]
public interface IRolloutWorkerGrain : IGrainWithStringKey
{
    [Alias("run")]
    Task<RolloutEpisode> Run(RolloutSpec spec, int episode);
}

internal sealed class RolloutWorkerGrain(ILocalSiloDetails silo) : Grain, IRolloutWorkerGrain
{
    private EpisodeRunner? _runner;
    private RolloutSpec? _spec;

    public async Task<RolloutEpisode> Run(RolloutSpec spec, int episode)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Settings().Validate() is { } problem) throw new ArgumentException(problem);
        ArgumentOutOfRangeException.ThrowIfNegative(episode);
        if (_runner is null || _spec != spec)
        {
            _runner = new EpisodeRunner(spec.Settings()) { Name = this.GetPrimaryKeyString() };
            _spec = spec;
        }
        var runner = _runner;
        runner.ResumeAt(episode, 0);
        // the episode's CPU work runs on the thread pool, not in the grain's turn
        var (report, trajectory) = await Task.Run(() => RolloutEpisodes.RunAsync(runner, spec.Trajectories)).ConfigureAwait(true);
        return new RolloutEpisode(episode, report.Steps, report.Reward, report.Success, silo.SiloAddress.ToString(), trajectory);
    }
}

/// <summary>A worker's episode, run outside the grain's turns, and its trajectories when asked.</summary>
internal static class RolloutEpisodes
{
    public static async Task<(EpisodeReport Report, RolloutTrajectory? Trajectory)> RunAsync(EpisodeRunner runner, bool trajectories)
    {
        var report = await runner.RunEpisodeAsync(CancellationToken.None).ConfigureAwait(false);
        return (report, trajectories && runner.WorldModel.EpisodeTrajectory() is { } d ? RolloutTrajectory.From(d) : null);
    }
}

/// <summary>
/// Spreads the episodes of a rollout over every active member: one worker per member (placed there by a placement hint),
/// each handed the next episode as soon as it finishes one, so faster members run more. An episode whose member fails is
/// handed to another worker; the rollout fails only when no worker is left. Each finished episode goes to <c>finished</c>
/// as it arrives (with its trajectories, which the episodes returned no longer hold: a rollout of any length keeps only a
/// few numbers per episode); an exception from <c>finished</c> (the trajectories' disk is full) stops the rollout and is
/// thrown. When <c>ct</c> is cancelled (a time limit, Ctrl+C) no further episode is handed out, the episodes still running
/// are abandoned, and those finished are returned.
/// </summary>
internal static class ClusterRollouts
{
    public static async Task<IReadOnlyList<RolloutEpisode>> RunAsync(IGrainFactory grains, RolloutSpec spec, int episodes, int workersPerMember,
        Action<RolloutEpisode>? finished, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(workersPerMember, 1);
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ct).ConfigureAwait(false);
        var members = hosts.Keys.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToList();
        if (members.Count == 0) throw new InvalidOperationException("the cluster has no active member");
        string job = Guid.NewGuid().ToString("N")[..12];
        var pending = new Queue<int>(Enumerable.Range(0, episodes));
        var results = new RolloutEpisode?[episodes];
        var failures = new List<string>();
        var names = members.ToDictionary(m => m.ToString(), m => m.ToString(), StringComparer.Ordinal);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? fatal = null;
        async Task Work(IRolloutWorkerGrain worker)
        {
            while (true)
            {
                int e;
                lock (pending)
                {
                    if (!pending.TryDequeue(out e)) return;
                }
                if (abort.IsCancellationRequested) return;
                RolloutEpisode r;
                try
                {
                    r = await worker.Run(spec, e).WaitAsync(abort.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (abort.IsCancellationRequested)
                {
                    return; // stopped: this episode is abandoned
                }
                catch (Exception ex)
                {
                    lock (pending)
                    {
                        pending.Enqueue(e); // another worker runs it; this one (its member may be gone) stops
                        failures.Add(ex.GetBaseException().Message);
                    }
                    if (ex is ArgumentException) throw;
                    return;
                }
                try
                {
                    finished?.Invoke(r);
                }
                catch (Exception ex)
                {
                    lock (pending) fatal ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                    await abort.CancelAsync().ConfigureAwait(false);
                    return;
                }
                // kept without its trajectories, and naming its member with the one string of that member
                lock (names)
                {
                    if (!names.TryGetValue(r.Member, out var member)) names[r.Member] = member = r.Member;
                    results[e] = r with { Trajectory = null, Member = member };
                }
            }
        }
        var workers = new List<Task>();
        foreach (var member in members)
            for (int w = 0; w < workersPerMember; w++)
            {
                // the hint is read when the worker's activation is placed: its first call
                RequestContext.Set(IPlacementDirector.PlacementHintKey, member);
                var worker = grains.GetGrain<IRolloutWorkerGrain>($"{job}/{member}/{w}");
                workers.Add(Work(worker));
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
        await Task.WhenAll(workers).ConfigureAwait(false);
        fatal?.Throw();
        if (ct.IsCancellationRequested) return [.. results.OfType<RolloutEpisode>()];
        if (results.Any(r => r is null))
            throw new InvalidOperationException($"{results.Count(r => r is null)} episodes did not run: every worker failed ({string.Join("; ", failures.Distinct().Take(3))})");
        return results!;
    }
}
