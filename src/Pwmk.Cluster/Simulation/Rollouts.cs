using System.Security.Cryptography;
using Orleans.Runtime.Placement;
using Pwmk.Core.Simulation;
using Pwmk.Core.WorldModel;

namespace Pwmk.Cluster.Simulation;

/// <summary>
/// What the episodes of a rollout run: the simulation core's settings, flat out, without online training; with
/// <c>Trajectories</c>, each episode also sends back its trajectories (for <c>pwmk train</c>). With the learned planner,
/// <c>Model</c> names (<see cref="RolloutModels.Digest"/>) the world model the client gave every worker to plan with.
/// </summary>
[GenerateSerializer, Immutable, Alias("pwmk.rollout-spec")]
public sealed record RolloutSpec(
    [property: Id(0)] string Env,
    [property: Id(1)] int Agents,
    [property: Id(2)] int TomDepth,
    [property: Id(3)] int Seed,
    [property: Id(4)] int MaxSteps,
    [property: Id(5)] bool Trajectories = false,
    [property: Id(6)] string Planner = SimulationSettings.SimulatorPlanner,
    [property: Id(7)] string? Model = null)
{
    /// <summary>The simulation core's settings (episode numbers are given per call).</summary>
    public SimulationSettings Settings() => new(Env, Agents, TomDepth, Seed, Episodes: 0, StepDelayMs: 0, Train: false, MaxStepsPerEpisode: MaxSteps)
    {
        Planner = Planner,
    };
}

/// <summary>A world model given to episode runners (<c>pwmk simulate --model</c>): its file's bytes, named by a digest, checked against a simulation's sizes.</summary>
internal static class RolloutModels
{
    /// <summary>The model's name in a rollout: the first 16 hex digits of the SHA-256 of its file.</summary>
    public static string Digest(byte[] file) => Convert.ToHexStringLower(SHA256.HashData(file))[..16];

    /// <summary>The model of a safetensors file's bytes (the world model reads files only: they pass through a private temporary file).</summary>
    public static PerspectiveWorldModel Read(byte[] file)
    {
        string path = Path.Combine(Path.GetTempPath(), "pwmk-model-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            File.WriteAllBytes(path, file);
            return PerspectiveWorldModel.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Makes <paramref name="runner"/> plan (and predict) with <paramref name="model"/>, or says why it cannot: a model of
    /// other sizes than those of the runner's world model (the seed it was initialised with aside).
    /// </summary>
    public static string? Use(EpisodeRunner runner, PerspectiveWorldModel model)
    {
        var expected = runner.WorldModel.ConfigFor(runner.ObservationSize());
        if (model.Config with { Seed = expected.Seed } != expected)
            return $"the world model's sizes ({model.Config}) are not those of a {runner.Settings.Env} simulation of {runner.AgentNames.Count} agents at ToM depth {runner.Settings.TomDepth} ({expected})";
        runner.WorldModel.Restore(model, null);
        return null;
    }
}

/// <summary>
/// One episode run by a rollout worker, and the member it ran on; its agents' decisions that followed a plan (with the
/// learned planner: made with the world model given) and those that fell back to the heuristic.
/// </summary>
[GenerateSerializer, Immutable, Alias("pwmk.rollout-episode")]
public sealed record RolloutEpisode(
    [property: Id(0)] int Episode,
    [property: Id(1)] int Steps,
    [property: Id(2)] double Reward,
    [property: Id(3)] bool Success,
    [property: Id(4)] string Member,
    [property: Id(5)] RolloutTrajectory? Trajectory = null,
    [property: Id(6)] string? Model = null,
    [property: Id(7)] int PlannedDecisions = 0,
    [property: Id(8)] int HeuristicDecisions = 0);

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

    /// <summary>The world model (a safetensors file's bytes) its episodes plan with when a spec names it (<see cref="RolloutSpec.Model"/>).</summary>
    [Alias("load-model")]
    Task LoadModel(byte[] model);
}

internal sealed class RolloutWorkerGrain(ILocalSiloDetails silo) : Grain, IRolloutWorkerGrain
{
    private EpisodeRunner? _runner;
    private RolloutSpec? _spec;
    private PerspectiveWorldModel? _model;
    private string? _modelDigest;

    public Task LoadModel(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = RolloutModels.Read(model);
        _modelDigest = RolloutModels.Digest(model);
        _runner = null;
        return Task.CompletedTask;
    }

    public async Task<RolloutEpisode> Run(RolloutSpec spec, int episode)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Settings().Validate() is { } problem) throw new ArgumentException(problem);
        ArgumentOutOfRangeException.ThrowIfNegative(episode);
        // a worker activated again (its member left) has no model: the client hands its episode to another worker
        if (spec.Model is not null && spec.Model != _modelDigest) throw new InvalidOperationException($"this worker was not given the world model {spec.Model}");
        if (_runner is null || _spec != spec)
        {
            var runner = new EpisodeRunner(spec.Settings()) { Name = this.GetPrimaryKeyString() };
            if (spec.Model is not null && RolloutModels.Use(runner, _model!) is { } refused) throw new ArgumentException(refused);
            _runner = runner;
            _spec = spec;
        }
        var run = _runner;
        run.ResumeAt(episode, 0);
        // the episode's CPU work runs on the thread pool, not in the grain's turn
        var (report, trajectory) = await Task.Run(() => RolloutEpisodes.RunAsync(run, spec.Trajectories)).ConfigureAwait(true);
        return new RolloutEpisode(episode, report.Steps, report.Reward, report.Success, silo.SiloAddress.ToString(), trajectory, spec.Model is null ? null : _modelDigest,
            report.PlannedDecisions, report.HeuristicDecisions);
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
        Action<RolloutEpisode>? finished, CancellationToken ct, byte[]? model = null)
    {
        if ((model is null) != (spec.Model is null) || (model is not null && RolloutModels.Digest(model) != spec.Model))
            throw new ArgumentException("the spec names the world model given (RolloutModels.Digest), or none when none is given", nameof(model));
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
            if (model is not null)
            {
                try
                {
                    await worker.LoadModel(model).WaitAsync(abort.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (abort.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    lock (pending) failures.Add(ex.GetBaseException().Message); // its member may be gone: the others run its share
                    return;
                }
            }
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
