using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Tests.WorldModel;

public class TelemetryTests
{
    [Fact]
    public void TrainingAndInferenceReportTheSpecifiedMetricsAndSpans()
    {
        var measurements = new List<(string Name, double Value, Dictionary<string, object?> Tags)>();
        var spans = new List<Activity>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Pwmk" && instrument.Name.StartsWith("pwmk_world_model_", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        void Add(Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags)
            {
                d[t.Key] = t.Value;
            }
            lock (measurements)
            {
                measurements.Add((i.Name, v, d));
            }
        }
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        meters.Start();
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Pwmk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(activities);

        var env = new SyntheticBoxWorld();
        var data = new DataCollector(env).Collect(3, seed: 1);
        var model = new PerspectiveWorldModel(new WorldModelConfig(env.ObservationSize, env.NumActions, 16, 3, env.NumBeliefs, 1, 2, 4));
        new WorldModelTrainer(model, new TrainerConfig { BatchSize = 16 }).Fit(data, null, 1);
        model.Forward(new float[2 * 3 * env.ObservationSize], new int[6], null, 2);
        meters.RecordObservableInstruments();

        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Name == "pwmk_world_model_training_loss" && (string?)m.Tags["agent_id"] == "agent_2"
                && (string?)m.Tags["model_type"] == model.ModelType && m.Value > 0);
            Assert.Contains(measurements, m => m.Name == "pwmk_world_model_inference_seconds" && (string?)m.Tags["batch_size"] == "2" && m.Value > 0);
        }
        lock (spans)
        {
            Assert.Contains(spans, s => s.OperationName == "world_model_train_step");
            var forward = Assert.Single(spans, s => s.OperationName == "world_model_forward" && (int?)s.GetTagItem("batch.size") == 2);
            Assert.Equal(3, forward.GetTagItem("model.num_agents"));
            Assert.Equal($"[2, 3, {env.ObservationSize}]", forward.GetTagItem("prediction.shape"));
            Assert.NotNull(forward.GetTagItem("prediction.mean"));
        }
    }
}
