using System.Diagnostics;
using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

public sealed partial class WorldModelTrainer
{
    private (TrajectorySource Source, int[] Table)? _majority;

    /// <summary>Mean loss over a dataset without training.</summary>
    public float ValidationLoss(TrajectoryDataset data)
    {
        var source = TrajectorySource.Of(data);
        CheckData(source, nameof(data));
        var loss = new LossSum();
        AddValidationLoss(data, loss);
        return loss.Mean;
    }

    /// <summary>
    /// Trains for up to <paramref name="epochs"/> epochs, stopping early when the validation loss has not improved for
    /// <see cref="TrainerConfig.Patience"/> epochs (never before <see cref="TrainerConfig.MinEpochs"/>); the best
    /// weights are restored (and checkpointed when configured).
    /// </summary>
#pragma warning disable RS0027 // the overload on a TrajectorySource has as many parameters, of other types: no call is ambiguous
    public FitResult Fit(TrajectoryDataset train, TrajectoryDataset? validation, int epochs, TrainingCallbacks? callbacks = null,
        CancellationToken cancellationToken = default)
#pragma warning restore RS0027
    {
        ArgumentNullException.ThrowIfNull(train);
        return Fit(TrajectorySource.Of(train), validation is null ? null : TrajectorySource.Of(validation), epochs, callbacks, cancellationToken);
    }

    /// <summary>
    /// <see cref="Fit(TrajectoryDataset, TrajectoryDataset?, int, TrainingCallbacks?, CancellationToken)"/> on episodes read a
    /// window at a time: each epoch takes the training windows in a random order (a function of the seed and the epoch)
    /// and shuffles the samples of each window (the next window is read on another thread meanwhile), so memory holds
    /// two windows, not the dataset. A source of one window trains exactly as its dataset in memory does.
    /// </summary>
    public FitResult Fit(TrajectorySource train, TrajectorySource? validation, int epochs, TrainingCallbacks? callbacks,
        CancellationToken cancellationToken)
    {
        CheckData(train, nameof(train));
        if (validation is not null)
        {
            CheckData(validation, nameof(validation));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        int windows = train.Windows, horizon = config.PredictionHorizon;
        var counts = new int[windows];
        long total = 0, batchCount = 0;
        for (int w = 0; w < windows; w++)
        {
            counts[w] = SampleCount(train.Lengths(w), horizon);
            total += counts[w];
            batchCount += (counts[w] + config.BatchSize - 1) / config.BatchSize;
        }
        if (total == 0)
        {
            throw new ArgumentException($"train: no episode is longer than the prediction horizon {config.PredictionHorizon}");
        }
        int batches = (int)Math.Min(int.MaxValue, batchCount);
        // one window: its order is kept and shuffled again each epoch, as a dataset in memory always was
        var kept = windows == 1 ? Enumerable.Range(0, counts[0]).ToArray() : null;
        bool evaluate = config.EvaluateEachEpoch && validation is not null && validation.Shape.NumBeliefs > 0;
        long[]? majorityCounts = evaluate && (_majority is null || _majority.Value.Source != train) ? new long[MajorityCountsLength(train)] : null;
        var history = new List<EpochReport>();
        float best = float.PositiveInfinity;
        int bestEpoch = 0, sinceBest = 0;
        List<float[]>? bestWeights = null;
        bool stoppedEarly = false;
        long trained = 0, step = 0, totalSteps = batchCount * epochs;
        float baseRate = config.LearningRate;
        var clock = Stopwatch.StartNew();
        using var reader = new WindowReader(Plan(train, validation, epochs));
        try
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                double sum = 0;
                int bi = 0;
                foreach (int w in WindowOrder(epoch, windows))
                {
                    var data = reader.Next();
                    var samples = Samples(data, horizon);
                    if (samples.Count != counts[w])
                    {
                        throw new InvalidOperationException($"window {w}: {samples.Count} samples read, {counts[w]} indexed");
                    }
                    if (majorityCounts is not null && epoch == 1)
                    {
                        CountMajority(data, majorityCounts);
                    }
                    var order = kept ?? Enumerable.Range(0, samples.Count).ToArray();
                    rng.Shuffle(order);
                    for (int start = 0; start < samples.Count; start += config.BatchSize)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        optimizer.LearningRate = RateAt(baseRate, step++, totalSteps);
                        int count = Math.Min(config.BatchSize, samples.Count - start);
                        float loss = TrainStep(data, samples, order, start, count);
                        sum += loss * count;
                        trained += count;
                        callbacks?.OnBatch?.Invoke(new BatchReport(epoch, bi++, batches, loss, trained / Math.Max(1e-9, clock.Elapsed.TotalSeconds)));
                    }
                }
                if (majorityCounts is not null && epoch == 1)
                {
                    _majority = (train, MajorityTable(majorityCounts, train.Shape.NumBeliefs));
                    majorityCounts = null;
                }
                float trainLoss = (float)(sum / total);
                var (val, metrics) = validation is null ? (trainLoss, null) : Validate(reader, validation, evaluate ? _majority!.Value.Table : null);
                if (float.IsNaN(val))
                {
                    val = trainLoss; // no validation window long enough for the horizon
                }
                bool improved = val < best;
                if (improved)
                {
                    best = val;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    bestWeights = model.SnapshotWeights();
                    if (config.CheckpointPath is not null)
                    {
                        model.Save(config.CheckpointPath);
                    }
                }
                else
                {
                    sinceBest++;
                }
                var report = new EpochReport(epoch, trainLoss, val, improved, metrics);
                history.Add(report);
                callbacks?.OnEpoch?.Invoke(report);
                if (sinceBest >= config.Patience && epoch >= config.MinEpochs && epoch < epochs)
                {
                    stoppedEarly = true;
                    break;
                }
            }
        }
        finally
        {
            optimizer.LearningRate = baseRate;
        }
        if (bestWeights is not null)
        {
            model.CopyWeightsFrom(bestWeights);
        }
        return new FitResult(history, bestEpoch, best, stoppedEarly, trained / Math.Max(1e-9, clock.Elapsed.TotalSeconds));
    }

    /// <summary>The windows Fit reads, in its order: per epoch the training windows, then the validation windows.</summary>
    private IEnumerable<(TrajectorySource, int)> Plan(TrajectorySource train, TrajectorySource? validation, int epochs)
    {
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            foreach (int w in WindowOrder(epoch, train.Windows))
            {
                yield return (train, w);
            }
            for (int w = 0; validation is not null && w < validation.Windows; w++)
            {
                yield return (validation, w);
            }
        }
    }

    /// <summary>
    /// The order of the training windows in an epoch: a function of the seed and the epoch (drawn from a generator of its
    /// own, so that one window draws nothing and trains exactly as a dataset in memory).
    /// </summary>
    private int[] WindowOrder(int epoch, int windows)
    {
        var order = Enumerable.Range(0, windows).ToArray();
        if (windows > 1)
        {
            new SeededRandom(config.Seed ^ (0xD1B54A32D192ED03UL * (ulong)epoch)).Shuffle(order);
        }
        return order;
    }

    /// <summary>
    /// The validation loss of an epoch and, when <paramref name="majority"/> is given, the metrics: one pass over the
    /// validation windows (the loss of each window, then its metrics).
    /// </summary>
    private (float Loss, EvaluationResult? Metrics) Validate(WindowReader reader, TrajectorySource validation, int[]? majority)
    {
        var loss = new LossSum();
        var scores = majority is null ? null : new EvaluationSum(majority);
        for (int w = 0; w < validation.Windows; w++)
        {
            var data = reader.Next();
            AddValidationLoss(data, loss);
            if (scores is not null)
            {
                AddEvaluation(data, scores);
            }
        }
        return (loss.Mean, scores?.Result());
    }

    private sealed class LossSum
    {
        public double Total;
        public long Samples;

        public float Mean => Samples == 0 ? float.NaN : (float)(Total / Samples);
    }

    private void AddValidationLoss(TrajectoryDataset data, LossSum sum)
    {
        int horizon = config.PredictionHorizon;
        var samples = Samples(data, horizon);
        var order = Enumerable.Range(0, samples.Count).ToArray();
        using var noGrad = Tensor.NoGrad();
        for (int s = 0; s < samples.Count; s += config.BatchSize)
        {
            int count = Math.Min(config.BatchSize, samples.Count - s);
            using var arena = TensorArena.Begin();
            sum.Total += Loss(Gather(data, samples, order, s, count, horizon, weighted: true), out _).Data[0] * count;
        }
        sum.Samples += samples.Count;
    }

    /// <summary>Training windows (samples) of episodes of these lengths: what <see cref="Samples"/> would list, counted.</summary>
    private int SampleCount(ReadOnlySpan<int> lengths, int horizon)
    {
        int count = 0;
        foreach (int l in lengths)
        {
            count += config.Filtering ? (l > 0 ? 1 : 0) : Math.Max(0, l - horizon + 1);
        }
        return count;
    }
}
