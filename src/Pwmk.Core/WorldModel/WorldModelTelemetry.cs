using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// World-model spans and metrics through the BCL only (ActivitySource/Meter "Pwmk"); the host picks exporters. The memory gauge
/// (<c>pwmk_world_model_memory_bytes</c>) belongs to the host that holds models: it reads <see cref="PerspectiveWorldModel.ComponentBytes"/>.
/// </summary>
internal static class WorldModelTelemetry
{
    public static ActivitySource Source => CoreDiagnostics.Source;
    private static Meter Meter => CoreDiagnostics.Meter;

    private static readonly Histogram<double> TrainingLoss = Meter.CreateHistogram<double>(
        "pwmk_world_model_training_loss", description: "World-model training loss per step");

    private static readonly Histogram<double> InferenceSeconds = Meter.CreateHistogram<double>(
        "pwmk_world_model_inference_seconds", unit: "s", description: "World-model forward pass latency");

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
