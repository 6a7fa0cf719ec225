using System.Diagnostics;

namespace Pwmk.Observability;

/// <summary>
/// The one <see cref="ActivitySource"/> of Pwmk.Observability, named "Pwmk" like the domain's (so one subscription sees
/// both). Its metrics live on the exporter's registry (<see cref="Metrics.PwmkMetrics"/>).
/// </summary>
internal static class ObservabilityDiagnostics
{
    /// <summary>The name of the source, of the domain's source and of its meter.</summary>
    public const string Name = "Pwmk";

    public static readonly ActivitySource Source = new(Name);
}
