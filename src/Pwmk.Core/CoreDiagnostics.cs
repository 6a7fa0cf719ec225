using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Pwmk.Core;

/// <summary>
/// The domain's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named "Pwmk" (the BCL is all the domain
/// uses for telemetry; the host decides where it goes). Every span and instrument of Pwmk.Core comes from here.
/// </summary>
internal static class CoreDiagnostics
{
    /// <summary>The name of the source and of the meter.</summary>
    public const string Name = "Pwmk";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);
}
