using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pwmk.Core.WorldModel;

/// <summary>World-model spans and metrics through the BCL only (ActivitySource/Meter "Pwmk"); the host picks exporters.</summary>
internal static class WorldModelTelemetry
{
    public static ActivitySource Source => CoreDiagnostics.Source;
    private static Meter Meter => CoreDiagnostics.Meter;
    private static readonly ConcurrentDictionary<(string ModelType, string Component), long> Memory = new();

    private static readonly Histogram<double> TrainingLoss = Meter.CreateHistogram<double>(
        "pwmk_world_model_training_loss", description: "World-model training loss per step");

    private static readonly Histogram<double> InferenceSeconds = Meter.CreateHistogram<double>(
        "pwmk_world_model_inference_seconds", unit: "s", description: "World-model forward pass latency");

    static WorldModelTelemetry()
    {
        Meter.CreateObservableGauge("pwmk_world_model_memory_bytes", ObserveMemory, unit: "By",
            description: "Bytes of world-model weights per component");
    }

    private static IEnumerable<Measurement<long>> ObserveMemory()
    {
        foreach (var kv in Memory)
        {
            yield return new Measurement<long>(kv.Value,
                new KeyValuePair<string, object?>("model_type", kv.Key.ModelType),
                new KeyValuePair<string, object?>("component", kv.Key.Component));
        }
    }

    public static void ReportMemory(string modelType, PerspectiveWorldModel model)
    {
        foreach (var (component, bytes) in model.ComponentBytes())
        {
            Memory[(modelType, component)] = bytes;
        }
    }

    public static void RecordInference(string modelType, int batchSize, double seconds) =>
        InferenceSeconds.Record(seconds,
            new KeyValuePair<string, object?>("model_type", modelType),
            new KeyValuePair<string, object?>("batch_size", BatchLabel(batchSize)));

    public static void RecordTrainingLoss(string modelType, string agentId, double loss)
    {
        if (TrainingLoss.Enabled)
        {
            TrainingLoss.Record(loss,
                new KeyValuePair<string, object?>("model_type", modelType),
                new KeyValuePair<string, object?>("agent_id", agentId));
        }
    }

    /// <summary>Bounded label values: powers of two up to 1024, then "large".</summary>
    private static string BatchLabel(int batch)
    {
        if (batch > 1024)
        {
            return "large";
        }
        int p = 1;
        while (p < batch)
        {
            p <<= 1;
        }
        return p.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
